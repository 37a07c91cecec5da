import type { ErrorCode } from './error-codes.js';

/** Extra, non-secret facts about an error (an option name, a limit). Never a token, secret or data. `{ option: 'ttl', limit: 2592000 }` */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

/**
 * The third argument of {@link StagepassError}: structured facts, so no caller parses a message.
 *
 * @example
 * ```ts
 * new StagepassError('ERR_INVALID_OPTION', 'ttl: must be positive', { option: 'ttl', rule: 'must be positive' });
 * ```
 */
export interface StagepassErrorOptions {
  /** The option, argument or field at fault, as its owner names it (`ttl`, `apps[0].keys[1].secret`). */
  readonly option?: string;
  /**
   * What the value must be, without the option's name (`must be a whole number from 1 to 10`), so
   * that a caller that knows the option by another name (a CLI flag) can say it in its own words.
   */
  readonly rule?: string;
  /** The underlying error, when one caused this one (kept out of `toJSON`). */
  readonly cause?: unknown;
  /** Other facts (a limit, a count). */
  readonly details?: ErrorDetails;
}

/**
 * The one error type of Stagepass. Match on `code`, which is stable; the message is for people
 * and says what was wrong and what to do. No message or detail ever holds a token, a secret or
 * connection data. `option` and `rule` carry, for a caller's mistake, the field at fault and what
 * it must be, so that nobody rewrites another module's message.
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
  /** The option at fault (also in `details.option`). */
  readonly option: string | undefined;
  /** What the option must be, without its name. */
  readonly rule: string | undefined;
  /** `details` of the options, plus `option` when there is one. */
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: StagepassErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StagepassError';
    this.code = code;
    this.option = options.option;
    this.rule = options.rule;
    this.details =
      options.option === undefined ? (options.details ?? {}) : { ...options.details, option: options.option };
  }

  /** A plain object for JSON output: `{ code, message, ...details }`. */
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { ...this.details, code: this.code, message: this.message };
  }
}

/**
 * A caller's mistake in an option: ERR_INVALID_OPTION with the message `option: rule` (or
 * `scope: option rule.` when a scope such as `createGateway` is given), and `option` and `rule` set.
 *
 * @example
 * ```ts
 * throw invalidOption('ttl', 'must be at most 30 days');   // "ttl: must be at most 30 days"
 * ```
 */
export function invalidOption(option: string, rule: string, scope?: string, cause?: unknown): StagepassError {
  const message = scope === undefined ? `${option}: ${rule}` : `${scope}: ${option} ${rule}.`;
  return new StagepassError('ERR_INVALID_OPTION', message, { option, rule, cause });
}

/**
 * True when `value` is a {@link StagepassError}, also across copies of this package.
 *
 * @example
 * ```ts
 * catch (err) { if (isStagepassError(err)) console.error(err.code); else throw err; }
 * ```
 */
export function isStagepassError(value: unknown): value is StagepassError {
  return (
    value instanceof StagepassError ||
    (value instanceof Error &&
      value.name === 'StagepassError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}
