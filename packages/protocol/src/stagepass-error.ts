import type { ErrorCode } from './error-codes.js';

/** Extra, non-secret facts about an error (an option name, a limit). Never a token, secret or data. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

/**
 * The one error type of Stagepass. Match on `code`, which is stable; the message is for people
 * and says what was wrong and what to do. No message or detail ever holds a token, a secret or
 * connection data.
 *
 * @example
 * ```ts
 * try { verifier.verify(token, { appId }); }
 * catch (err) {
 *   if (err instanceof StagepassError && err.code === 'ERR_TOKEN_EXPIRED') { ... }
 * }
 * ```
 */
export class StagepassError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'StagepassError';
    this.code = code;
    this.details = details;
  }

  /** A plain object for JSON output: `{ code, message, ...details }`. */
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { ...this.details, code: this.code, message: this.message };
  }
}

/** True when `value` is a {@link StagepassError}, also across copies of this package. */
export function isStagepassError(value: unknown): value is StagepassError {
  return value instanceof StagepassError
    || (value instanceof Error && value.name === 'StagepassError' && typeof (value as { code?: unknown }).code === 'string');
}
