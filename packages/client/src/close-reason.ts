import {
  CLOSE_CODES,
  ERROR_CODES,
  StagepassError,
  errorCodeForClose,
  isErrorCode,
  type ErrorCode,
} from '@stagepass/protocol';
import { notConnected } from './not-connected.js';

/**
 * Why a session ended, in one word:
 * - `clientDisconnected`: this client called `disconnect()`;
 * - `forceDisconnected`: a moderator or the app's backend removed it (close 4100);
 * - `tokenExpired`: its token expired and the app ejects at expiry (4007 `ERR_TOKEN_EXPIRED`);
 * - `tokenRevoked`: the app's backend revoked its token (4014 `ERR_TOKEN_REVOKED`);
 * - `serverShutdown`: the gateway is stopping (1001 `ERR_SERVER_SHUTTING_DOWN`);
 * - `networkDisconnected`: the socket dropped without a close the gateway chose;
 * - `error`: the gateway closed it for another error (`code` says which: rate limit, size, slow reader…).
 */
export type DisconnectReason =
  | 'clientDisconnected'
  | 'forceDisconnected'
  | 'tokenExpired'
  | 'tokenRevoked'
  | 'serverShutdown'
  | 'networkDisconnected'
  | 'error';

/** The `disconnected` event: the reason, the error code when there is one, and words for people. */
export interface DisconnectedEvent {
  readonly reason: DisconnectReason;
  /** The error code of the close (its reason string), or null (client, moderator, network). */
  readonly code: ErrorCode | null;
  /** The WebSocket close code (1006 for a dropped socket). */
  readonly closeCode: number;
  /** What happened, for people. Never a token or connection data. */
  readonly message: string;
}

/** The error code a close carries: its reason when that is a code, else the code of one of our 40xx codes. */
export function closeErrorCode(closeCode: number, closeReason: string): ErrorCode | undefined {
  if (isErrorCode(closeReason)) return closeReason;
  return errorCodeForClose(closeCode);
}

/** The `disconnected` event for a close of an admitted session. */
export function describeClose(closeCode: number, closeReason: string, byClient: boolean): DisconnectedEvent {
  if (byClient) return { reason: 'clientDisconnected', code: null, closeCode, message: 'You left the session.' };
  if (closeCode === CLOSE_CODES.forceDisconnected) {
    return {
      reason: 'forceDisconnected',
      code: null,
      closeCode,
      message: 'A moderator or the app removed you from the session.',
    };
  }
  const code = closeErrorCode(closeCode, closeReason);
  switch (code) {
    case undefined:
      return {
        reason: 'networkDisconnected',
        code: null,
        closeCode,
        message: 'The connection to the gateway was lost.',
      };
    case 'ERR_TOKEN_EXPIRED':
      return { reason: 'tokenExpired', code, closeCode, message: 'Your token expired: ask the app for a new one.' };
    case 'ERR_TOKEN_REVOKED':
      return { reason: 'tokenRevoked', code, closeCode, message: 'Your token was revoked by the app.' };
    case 'ERR_SERVER_SHUTTING_DOWN':
      return { reason: 'serverShutdown', code, closeCode, message: 'The gateway is shutting down.' };
    default:
      return { reason: 'error', code, closeCode, message: ERROR_CODES[code].description };
  }
}

/** Why `connect()` failed: the admission refusal the close carries, or ERR_NOT_CONNECTED. */
export function admissionError(closeCode: number, closeReason: string): StagepassError {
  const code = closeErrorCode(closeCode, closeReason);
  if (code === undefined) {
    return notConnected(
      `The gateway could not be reached or refused the WebSocket upgrade (close ${closeCode}): check the URL, App ID and session ID.`,
      { closeCode },
    );
  }
  return new StagepassError(code, `The gateway refused the connection: ${ERROR_CODES[code].description}`, {
    details: { closeCode },
  });
}
