import { randomBase64url } from './lib/random.js';

/**
 * Makes a new session ID offline: 192 bits from a CSPRNG, base64url (32 URL-safe characters).
 * Session IDs are opaque; any 1–512 printable ASCII characters without spaces are accepted,
 * so OpenTok's `1_MX4…` IDs work too.
 *
 * @example
 * ```ts
 * const sessionId = createSessionId(); // e.g. "qK2v…"
 * ```
 */
export function createSessionId(): string {
  return randomBase64url(24);
}
