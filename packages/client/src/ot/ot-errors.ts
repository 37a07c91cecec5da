import { isStagepassError, type ErrorCode } from '@stagepass/protocol';

/**
 * OpenTok.js's numeric error codes (`error.code`, `OT.ExceptionCodes`): the ones this facade can produce, and the
 * others pages commonly compare against.
 */
export const ExceptionCodes = Object.freeze({
  AUTHENTICATION_ERROR: 1004,
  INVALID_SESSION_ID: 1005,
  CONNECT_FAILED: 1006,
  CONNECT_REJECTED: 1007,
  CONNECTION_TIMEOUT: 1008,
  NOT_CONNECTED: 1010,
  INVALID_PARAMETER: 1011,
  P2P_CONNECTION_FAILED: 1013,
  API_RESPONSE_FAILURE: 1014,
  PEER_CONNECTION_NOT_CONNECTED: 1015,
  TERMS_OF_SERVICE_FAILURE: 1026,
  CONNECTION_LIMIT_EXCEEDED: 1027,
  UNABLE_TO_PUBLISH: 1500,
  UNABLE_TO_SUBSCRIBE: 1501,
  UNSUPPORTED_VIDEO_CODEC: 1502,
  UNABLE_TO_FORCE_DISCONNECT: 1520,
  UNABLE_TO_FORCE_UNPUBLISH: 1530,
  UNABLE_TO_FORCE_MUTE: 1540,
  PUBLISHER_ICE_WORKFLOW_FAILED: 1553,
  SUBSCRIBER_ICE_WORKFLOW_FAILED: 1554,
  STREAM_LIMIT_EXCEEDED: 1605,
  JS_EXCEPTION: 2000,
  UNEXPECTED_SERVER_RESPONSE: 2001,
});

/** The `error.name` values this facade produces (OpenTok.js's names). */
export type OTErrorName =
  | 'OT_AUTHENTICATION_ERROR'
  | 'OT_CONNECT_FAILED'
  | 'OT_CONNECTION_LIMIT_EXCEEDED'
  | 'OT_CONSTRAINTS_NOT_SATISFIED'
  | 'OT_HARDWARE_UNAVAILABLE'
  | 'OT_INVALID_PARAMETER'
  | 'OT_NO_DEVICES_FOUND'
  | 'OT_NOT_CONNECTED'
  | 'OT_NOT_FOUND'
  | 'OT_NOT_SUPPORTED'
  | 'OT_PERMISSION_DENIED'
  | 'OT_RATE_LIMIT_EXCEEDED'
  | 'OT_STREAM_DESTROYED'
  | 'OT_STREAM_LIMIT_EXCEEDED'
  | 'OT_STREAM_NOT_FOUND'
  | 'OT_UNABLE_TO_CAPTURE_MEDIA'
  | 'OT_UNEXPECTED_SERVER_RESPONSE'
  | 'OT_USER_MEDIA_ACCESS_DENIED';

/** What was being done when an error happened: it chooses the numeric `code`, as OpenTok.js does. */
export type OTAction =
  | 'connect'
  | 'publish'
  | 'subscribe'
  | 'signal'
  | 'forceDisconnect'
  | 'forceUnpublish'
  | 'forceMute'
  | 'unpublish'
  | 'unsubscribe';

/**
 * An OpenTok.js error: `name` (`OT_PERMISSION_DENIED`, …), `message`, numeric `code`. `cause` holds the
 * Stagepass error it was mapped from (its `code`, e.g. `ERR_TOKEN_EXPIRED`, says exactly what was wrong).
 */
export class OTError extends Error {
  override readonly name: OTErrorName;
  readonly code: number;
  /** The Stagepass error code this was mapped from, when there is one. */
  readonly stagepassCode: ErrorCode | undefined;

  constructor(name: OTErrorName, message: string, code: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
    this.code = code;
    this.stagepassCode = isStagepassError(cause) ? cause.code : undefined;
  }
}

/**
 * Each Stagepass error code's OpenTok.js name (docs/client-ot.md lists the same table; a test keeps them equal).
 * A code not listed maps to `OT_UNEXPECTED_SERVER_RESPONSE`.
 */
export const OT_ERROR_NAMES: Readonly<Partial<Record<ErrorCode, OTErrorName>>> = Object.freeze({
  ERR_TOKEN_TOO_LARGE: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_MALFORMED: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_ALGORITHM_NOT_ALLOWED: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_SIGNATURE_INVALID: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_APP_MISMATCH: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_SESSION_MISMATCH: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_EXPIRED: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_NOT_YET_VALID: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_LIFETIME_TOO_LONG: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_CLAIM_INVALID: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_FORMAT_DISABLED: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_REPLAYED: 'OT_AUTHENTICATION_ERROR',
  ERR_TOKEN_REVOKED: 'OT_AUTHENTICATION_ERROR',
  ERR_APP_UNKNOWN: 'OT_AUTHENTICATION_ERROR',
  ERR_SESSION_FULL: 'OT_CONNECTION_LIMIT_EXCEEDED',
  ERR_TOO_MANY_CONNECTIONS: 'OT_CONNECTION_LIMIT_EXCEEDED',
  ERR_ORIGIN_NOT_ALLOWED: 'OT_CONNECT_FAILED',
  ERR_ADMISSION_TIMEOUT: 'OT_CONNECT_FAILED',
  ERR_PROTOCOL_VERSION: 'OT_CONNECT_FAILED',
  ERR_SERVER_SHUTTING_DOWN: 'OT_CONNECT_FAILED',
  ERR_RESUME_REFUSED: 'OT_CONNECT_FAILED',
  ERR_NOT_CONNECTED: 'OT_NOT_CONNECTED',
  ERR_INVALID_OPTION: 'OT_INVALID_PARAMETER',
  ERR_MESSAGE_INVALID: 'OT_INVALID_PARAMETER',
  ERR_MESSAGE_TOO_LARGE: 'OT_INVALID_PARAMETER',
  ERR_CAPABILITY_DENIED: 'OT_PERMISSION_DENIED',
  ERR_NOT_FOUND: 'OT_NOT_FOUND',
  ERR_RATE_LIMITED: 'OT_RATE_LIMIT_EXCEEDED',
  ERR_TOO_MANY_STREAMS: 'OT_STREAM_LIMIT_EXCEEDED',
});

/** The numeric code of a failed action (OpenTok.js's per-method codes; signals use HTTP-like ones). */
const ACTION_CODES: Readonly<Record<OTAction, number>> = {
  connect: ExceptionCodes.CONNECT_FAILED,
  publish: ExceptionCodes.UNABLE_TO_PUBLISH,
  subscribe: ExceptionCodes.UNABLE_TO_SUBSCRIBE,
  signal: 500,
  forceDisconnect: ExceptionCodes.UNABLE_TO_FORCE_DISCONNECT,
  forceUnpublish: ExceptionCodes.UNABLE_TO_FORCE_UNPUBLISH,
  forceMute: ExceptionCodes.UNABLE_TO_FORCE_MUTE,
  unpublish: ExceptionCodes.UNABLE_TO_PUBLISH,
  unsubscribe: ExceptionCodes.UNABLE_TO_SUBSCRIBE,
};

const SIGNAL_CODES: Readonly<Partial<Record<OTErrorName, number>>> = {
  OT_INVALID_PARAMETER: 400,
  OT_PERMISSION_DENIED: 403,
  OT_NOT_FOUND: 404,
  OT_RATE_LIMIT_EXCEEDED: 429,
  OT_NOT_CONNECTED: 500,
};

/** Names whose code is the same whatever the action. */
const FIXED_CODES: Readonly<Partial<Record<OTErrorName, number>>> = {
  OT_AUTHENTICATION_ERROR: ExceptionCodes.AUTHENTICATION_ERROR,
  OT_CONNECTION_LIMIT_EXCEEDED: ExceptionCodes.CONNECTION_LIMIT_EXCEEDED,
  OT_INVALID_PARAMETER: ExceptionCodes.INVALID_PARAMETER,
  OT_NOT_CONNECTED: ExceptionCodes.NOT_CONNECTED,
  OT_STREAM_LIMIT_EXCEEDED: ExceptionCodes.STREAM_LIMIT_EXCEEDED,
  OT_UNEXPECTED_SERVER_RESPONSE: ExceptionCodes.UNEXPECTED_SERVER_RESPONSE,
};

/** getUserMedia's DOMException names → OpenTok.js's publisher errors. */
const MEDIA_ERROR_NAMES: Readonly<Record<string, OTErrorName>> = {
  NotAllowedError: 'OT_USER_MEDIA_ACCESS_DENIED',
  SecurityError: 'OT_USER_MEDIA_ACCESS_DENIED',
  NotFoundError: 'OT_NO_DEVICES_FOUND',
  NotReadableError: 'OT_HARDWARE_UNAVAILABLE',
  OverconstrainedError: 'OT_CONSTRAINTS_NOT_SATISFIED',
};

/** The OpenTok.js name and numeric code of a Stagepass error code met while doing `action`. */
export function otNameAndCode(code: ErrorCode, action: OTAction): { name: OTErrorName; code: number } {
  let name = OT_ERROR_NAMES[code] ?? 'OT_UNEXPECTED_SERVER_RESPONSE';
  if (action === 'connect' && name === 'OT_NOT_CONNECTED') name = 'OT_CONNECT_FAILED';
  if (action === 'subscribe' && name === 'OT_NOT_FOUND') name = 'OT_STREAM_NOT_FOUND';
  if (action === 'signal') return { name, code: SIGNAL_CODES[name] ?? ExceptionCodes.UNEXPECTED_SERVER_RESPONSE };
  if (code === 'ERR_ORIGIN_NOT_ALLOWED') return { name, code: ExceptionCodes.CONNECT_REJECTED };
  if (code === 'ERR_ADMISSION_TIMEOUT') return { name, code: ExceptionCodes.CONNECTION_TIMEOUT };
  return { name, code: FIXED_CODES[name] ?? ACTION_CODES[action] };
}

/** Any failure as an {@link OTError}: a Stagepass error by the table, a getUserMedia failure by its name. */
export function toOTError(err: unknown, action: OTAction): OTError {
  if (err instanceof OTError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isStagepassError(err)) {
    const { name, code } = otNameAndCode(err.code, action);
    return new OTError(name, message, code, err);
  }
  const domName = err !== null && typeof err === 'object' && 'name' in err ? String(err.name) : '';
  const name = MEDIA_ERROR_NAMES[domName] ?? 'OT_UNABLE_TO_CAPTURE_MEDIA';
  return new OTError(name, message, ExceptionCodes.UNABLE_TO_PUBLISH, err);
}

/** Callback of OpenTok.js's completion handlers: no argument on success, the error otherwise. */
export type CompletionHandler = (error?: OTError) => void;

/**
 * Runs `work` and reports it both ways, as OpenTok.js does: the completion handler (if any) and the returned
 * promise. With a handler the promise's rejection is marked handled, so callback-style pages see no
 * "unhandled rejection" noise.
 */
export function settle<T>(work: () => Promise<T>, action: OTAction, handler: unknown): Promise<T> {
  const promise = Promise.resolve()
    .then(work)
    .then(
      (value) => {
        report(handler);
        return value;
      },
      (err: unknown) => {
        const error = toOTError(err, action);
        report(handler, error);
        throw error;
      },
    );
  if (typeof handler === 'function') promise.catch(() => {});
  return promise;
}

/** Calls a completion handler; one that throws is reported on a microtask and changes nothing here. */
export function report(handler: unknown, error?: OTError): void {
  if (typeof handler !== 'function') return;
  try {
    if (error === undefined) (handler as CompletionHandler)();
    else (handler as CompletionHandler)(error);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
