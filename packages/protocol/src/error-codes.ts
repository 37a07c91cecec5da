/**
 * Every error code Stagepass emits, with one sentence each. `docs/errors.md` lists exactly these
 * (a test keeps the two in step). Codes are stable: scripts and clients match on them.
 *
 * `httpStatus` is what an HTTP endpoint answers with; `closeCode` is the WebSocket close code used
 * when the error ends a connection: 4000–4099 are ours (one per code), and the standard 1008, 1009, 1012
 * and 1013 where they fit. The close reason is the code string itself.
 *
 * @example
 * ```ts
 * ERROR_CODES.ERR_TOKEN_EXPIRED.closeCode; // 4007
 * ```
 */
export const ERROR_CODES = {
  ERR_INVALID_OPTION: {
    httpStatus: 400,
    closeCode: 4000,
    description:
      'The caller passed an option or argument that is missing, of the wrong type or out of range; the message names it.',
  },
  ERR_TOKEN_TOO_LARGE: {
    httpStatus: 401,
    closeCode: 4001,
    description: 'The token is longer than 8 KiB; nothing in it was decoded.',
  },
  ERR_TOKEN_MALFORMED: {
    httpStatus: 401,
    closeCode: 4002,
    description:
      'The token is not a well-formed token of any accepted format (encoding, structure, JSON, duplicate or forbidden members, unknown `crit`).',
  },
  ERR_TOKEN_ALGORITHM_NOT_ALLOWED: {
    httpStatus: 401,
    closeCode: 4003,
    description:
      'The token header names an algorithm other than the one configured for the key (`none` is never allowed).',
  },
  ERR_TOKEN_SIGNATURE_INVALID: {
    httpStatus: 401,
    closeCode: 4004,
    description: "The signature does not verify with any of the app's keys; no claim of the token was believed.",
  },
  ERR_TOKEN_APP_MISMATCH: {
    httpStatus: 401,
    closeCode: 4005,
    description: 'The token was signed for another App ID than the one presented with it.',
  },
  ERR_TOKEN_SESSION_MISMATCH: {
    httpStatus: 401,
    closeCode: 4006,
    description: 'The token is for another session than the one being joined.',
  },
  ERR_TOKEN_EXPIRED: {
    httpStatus: 401,
    closeCode: 4007,
    description: "The token's expiry time has passed (beyond the clock tolerance).",
  },
  ERR_TOKEN_NOT_YET_VALID: {
    httpStatus: 401,
    closeCode: 4008,
    description: "The token's not-before or issued-at time is in the future (beyond the clock tolerance).",
  },
  ERR_TOKEN_LIFETIME_TOO_LONG: {
    httpStatus: 401,
    closeCode: 4009,
    description: 'The token lives more than 30 days from its creation to its expiry.',
  },
  ERR_TOKEN_CLAIM_INVALID: {
    httpStatus: 401,
    closeCode: 4010,
    description:
      'A claim is missing, of the wrong type or out of range (scope, role, session ID, times, connection data, layout classes).',
  },
  ERR_TOKEN_FORMAT_DISABLED: {
    httpStatus: 401,
    closeCode: 4011,
    description: "The token's format (legacy OpenTok T1) is not enabled for this app.",
  },
  ERR_APP_UNKNOWN: {
    httpStatus: 401,
    closeCode: 4012,
    description: 'No app is registered under the presented App ID.',
  },
  ERR_TOKEN_REPLAYED: {
    httpStatus: 401,
    closeCode: 4013,
    description: 'The app admits each token once (single-use tokens) and this token was already used.',
  },
  ERR_TOKEN_REVOKED: {
    httpStatus: 401,
    closeCode: 4014,
    description:
      'The token was revoked: by its token ID, or with every token of its app or session issued before a time.',
  },
  ERR_SESSION_FULL: {
    httpStatus: 403,
    closeCode: 4015,
    description: 'The session has as many connections as the app allows (maxConnectionsPerSession).',
  },
  ERR_ORIGIN_NOT_ALLOWED: {
    httpStatus: 403,
    closeCode: 4016,
    description: "The page's Origin is not in the app's allowedOrigins.",
  },
  ERR_ADMISSION_TIMEOUT: {
    httpStatus: 408,
    closeCode: 4017,
    description: 'The client did not send its connect message (with the token) within the admission time.',
  },
  ERR_PROTOCOL_VERSION: {
    httpStatus: 400,
    closeCode: 4018,
    description: 'The client speaks a protocol version this gateway does not.',
  },
  ERR_MESSAGE_INVALID: {
    httpStatus: 400,
    closeCode: 4019,
    description:
      'A message is not valid JSON, has an unknown type or member, or a member of the wrong type or size; the reply names what.',
  },
  ERR_CAPABILITY_DENIED: {
    httpStatus: 403,
    closeCode: 4020,
    description:
      "The connection's role lacks the capability the request needs (named in the reply); the connection stays.",
  },
  ERR_NOT_FOUND: {
    httpStatus: 404,
    closeCode: 4021,
    description: 'The connection, stream, subscription or session named is not in this session (or not of this app).',
  },
  ERR_RATE_LIMITED: {
    httpStatus: 429,
    closeCode: 1008,
    description:
      'Too many messages too fast (every frame counts), or HTTP requests from one address: requests are refused while over the limit, and a connection that keeps going is closed (1008).',
  },
  ERR_MESSAGE_TOO_LARGE: {
    httpStatus: 413,
    closeCode: 1009,
    description: 'A WebSocket message (or HTTP body) is larger than the limit; the connection is closed (1009).',
  },
  ERR_SLOW_CONSUMER: {
    httpStatus: 503,
    closeCode: 4022,
    description:
      'The client read so slowly that its outbound buffer passed the cap; it was closed so the others do not wait.',
  },
  ERR_TOO_MANY_CONNECTIONS: {
    httpStatus: 429,
    closeCode: 1013,
    description:
      'Too many connections from one IP address (every TCP connection counts): HTTP 429 as it is accepted, before any WebSocket exists (close 1013 is reserved for it and never sent today).',
  },
  ERR_SERVER_SHUTTING_DOWN: {
    httpStatus: 503,
    closeCode: 1012,
    description:
      'The gateway is stopping (draining) and admits no one; connected clients are closed with 1012 (service restart): reconnect, to another node or once it is back.',
  },
  ERR_AUTH_INVALID: {
    httpStatus: 401,
    closeCode: 4023,
    description: "The REST request's app JWT is missing, malformed, for an unknown app or badly signed.",
  },
  ERR_AUTH_EXPIRED: {
    httpStatus: 401,
    closeCode: 4024,
    description: "The REST request's app JWT has expired or reaches more than 5 minutes ahead.",
  },
  ERR_DATABASE_UNAVAILABLE: {
    httpStatus: 503,
    closeCode: 4090,
    description:
      'The app registry database cannot be used: its directory is missing or read-only, the file is not a database or is empty, or it was deleted or replaced while the gateway ran; or the PostgreSQL server cannot be reached or used (the message names host, port and database, never the password); the message says which and what to do.',
  },
  ERR_LISTEN_FAILED: {
    httpStatus: 500,
    closeCode: 4091,
    description:
      'The gateway cannot listen on its address: the port is in use or not allowed, or the host is not an address of this machine; the message names both.',
  },
  ERR_INTERNAL: {
    httpStatus: 500,
    closeCode: 1011,
    description:
      'The gateway failed unexpectedly (a bug, or its store failing); the gateway log has the details, the reply none.',
  },
  ERR_AUTH_REPLAYED: {
    httpStatus: 401,
    closeCode: 4025,
    description: "The REST request's app JWT (its jti) was already used.",
  },
  ERR_TOO_MANY_STREAMS: {
    httpStatus: 403,
    closeCode: 4026,
    description:
      'The connection, or its session, already has as many streams as the gateway allows (maxStreamsPerConnection, maxStreamsPerSession); the publish is refused, the connection stays.',
  },
  ERR_RESUME_REFUSED: {
    httpStatus: 410,
    closeCode: 4027,
    description:
      'A `resume` was refused: its connection is gone (the resume window passed, or it was closed), is not of this app and session, or the secret is wrong. Join again with `connect` and a fresh token.',
  },
  ERR_NOT_SUPPORTED: {
    httpStatus: 501,
    closeCode: 4028,
    description:
      'An OpenTok REST feature Stagepass does not have (archiving, broadcast, SIP dial, audio connector, captions, render, DTMF, callbacks); the message names it.',
  },
  ERR_UNAVAILABLE: {
    httpStatus: 503,
    closeCode: 1013,
    description:
      'Cluster mode: Redis cannot be reached, or the node that owns the session did not answer in time or died; refused at once (close 1013 / HTTP 503). Try again: a new connection may land on another node.',
  },
  ERR_MEDIA_NEGOTIATION: {
    httpStatus: 400,
    closeCode: 4029,
    description:
      'Routed sessions: the gateway could not negotiate a media link (an offer or answer it cannot read or accept, or its forwarder failing to set one up); sent in `webrtcFailed`, the connection stays.',
  },
  // Raised by the client SDK, never sent by a gateway: SDK-side codes take close codes from 4050 up,
  // so they never collide with the gateway's, which count up from 4000.
  ERR_NOT_CONNECTED: {
    httpStatus: 503,
    closeCode: 4050,
    description:
      'The client is not connected: the gateway could not be reached or refused the upgrade, did not answer in time, or the socket closed before a request was answered.',
  },
  // Raised by the stagepass CLI's gateway commands (`session …`), never sent by a gateway; close codes after the SDK's.
  ERR_GATEWAY_UNREACHABLE: {
    httpStatus: 503,
    closeCode: 4051,
    description:
      "The CLI got no answer from the gateway at its URL: connection refused, host not found or not reachable, TLS failure, or no answer within 30 s; the system's code (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, …) is in `cause`.",
  },
  ERR_GATEWAY_ANSWER_INVALID: {
    httpStatus: 502,
    closeCode: 4052,
    description:
      'The server at the URL the CLI was given answered, but not as a Stagepass gateway does: an HTTP status without a Stagepass error body, or a body that is not what the endpoint returns; its HTTP status is in `status`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** What the registry records for one code: its HTTP status, close code and one sentence. */
export interface ErrorCodeInfo {
  readonly httpStatus: number;
  readonly closeCode: number;
  readonly description: string;
}

/** A stable Stagepass error code, such as `ERR_TOKEN_EXPIRED`: a key of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Close codes that are not errors.
 *
 * @example
 * ```ts
 * socket.onclose = (e) => { if (e.code === CLOSE_CODES.forceDisconnected) showKickedOut(); };
 * ```
 */
export const CLOSE_CODES = {
  /** The client closed, or the gateway closed a clean connection. */
  normal: 1000,
  /** A moderator or the app's backend disconnected this client; reason `forceDisconnected`. */
  forceDisconnected: 4100,
  /** The gateway is draining (restart, deploy, scale-in); reason `ERR_SERVER_SHUTTING_DOWN`: reconnect. */
  serviceRestart: 1012,
  /** Cluster mode: the node lost the session (its owner node died, Redis lost it); reason `ERR_UNAVAILABLE`: reconnect. */
  tryAgainLater: 1013,
} as const;

/**
 * True when `value` is a code of the registry (exactly: no case folding).
 *
 * @example
 * ```ts
 * if (isErrorCode(event.reason)) report(event.reason);
 * ```
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

const CODE_BY_CLOSE: ReadonlyMap<number, ErrorCode> = new Map(
  (Object.entries(ERROR_CODES) as [ErrorCode, ErrorCodeInfo][])
    .filter(([, info]) => info.closeCode >= 4000 && info.closeCode <= 4099)
    .map(([code, info]) => [info.closeCode, code]),
);

/**
 * The error code of one of our close codes (4000–4099), or undefined for any other close code
 * (standard ones such as 1008 or 1013 are shared by several codes: read the close reason, which
 * is the code string itself).
 *
 * @example
 * ```ts
 * errorCodeForClose(4007); // 'ERR_TOKEN_EXPIRED'
 * ```
 */
export function errorCodeForClose(closeCode: number): ErrorCode | undefined {
  return CODE_BY_CLOSE.get(closeCode);
}
