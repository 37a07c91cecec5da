/**
 * Every error code Stagepass emits, with one sentence each. `docs/errors.md` lists exactly these
 * (a test keeps the two in step). Codes are stable: scripts and clients match on them.
 *
 * `httpStatus` is what an HTTP endpoint answers with; `closeCode` is the WebSocket close code used
 * when the refusal ends a connection (4000–4099 are ours).
 */
export const ERROR_CODES = {
  ERR_INVALID_OPTION: {
    httpStatus: 400, closeCode: 4000,
    description: 'The caller passed an option or argument that is missing, of the wrong type or out of range; the message names it.',
  },
  ERR_TOKEN_TOO_LARGE: {
    httpStatus: 401, closeCode: 4001,
    description: 'The token is longer than 8 KiB; nothing in it was decoded.',
  },
  ERR_TOKEN_MALFORMED: {
    httpStatus: 401, closeCode: 4002,
    description: 'The token is not a well-formed token of any accepted format (encoding, structure, JSON, duplicate or forbidden members, unknown `crit`).',
  },
  ERR_TOKEN_ALGORITHM_NOT_ALLOWED: {
    httpStatus: 401, closeCode: 4003,
    description: 'The token header names an algorithm other than the one configured for the key (`none` is never allowed).',
  },
  ERR_TOKEN_SIGNATURE_INVALID: {
    httpStatus: 401, closeCode: 4004,
    description: 'The signature does not verify with any of the app\'s keys; no claim of the token was believed.',
  },
  ERR_TOKEN_APP_MISMATCH: {
    httpStatus: 401, closeCode: 4005,
    description: 'The token was signed for another App ID than the one presented with it.',
  },
  ERR_TOKEN_SESSION_MISMATCH: {
    httpStatus: 401, closeCode: 4006,
    description: 'The token is for another session than the one being joined.',
  },
  ERR_TOKEN_EXPIRED: {
    httpStatus: 401, closeCode: 4007,
    description: 'The token\'s expiry time has passed (beyond the clock tolerance).',
  },
  ERR_TOKEN_NOT_YET_VALID: {
    httpStatus: 401, closeCode: 4008,
    description: 'The token\'s not-before or issued-at time is in the future (beyond the clock tolerance).',
  },
  ERR_TOKEN_LIFETIME_TOO_LONG: {
    httpStatus: 401, closeCode: 4009,
    description: 'The token lives more than 30 days from its creation to its expiry.',
  },
  ERR_TOKEN_CLAIM_INVALID: {
    httpStatus: 401, closeCode: 4010,
    description: 'A claim is missing, of the wrong type or out of range (scope, role, session ID, times, connection data, layout classes).',
  },
  ERR_TOKEN_FORMAT_DISABLED: {
    httpStatus: 401, closeCode: 4011,
    description: 'The token\'s format (legacy OpenTok T1) is not enabled for this app.',
  },
  ERR_APP_UNKNOWN: {
    httpStatus: 401, closeCode: 4012,
    description: 'No app is registered under the presented App ID.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** What the registry records for one code. */
export interface ErrorCodeInfo {
  readonly httpStatus: number;
  readonly closeCode: number;
  readonly description: string;
}

/** A stable Stagepass error code, such as `ERR_TOKEN_EXPIRED`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `value` is a code of the registry. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
