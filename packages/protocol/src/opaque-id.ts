/**
 * The one rule for opaque IDs (App IDs, session IDs, key IDs, token IDs, connection, stream and
 * subscription IDs): 1 to `max` printable ASCII characters, no spaces. Each kind has its own
 * `max` (see the limits of `@stagepass/token` and `wireLimits`).
 */
export const OPAQUE_ID_PATTERN = /^[\x21-\x7e]+$/;

/**
 * True when `value` is 1–`max` printable ASCII characters without spaces.
 *
 * @example
 * ```ts
 * isOpaqueId(sessionId, wireLimits.MAX_SESSION_ID_LENGTH);
 * ```
 */
export function isOpaqueId(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && OPAQUE_ID_PATTERN.test(value);
}
