import { createHmac } from 'node:crypto';
import type { UnixSeconds } from '@stagepass/protocol';

/** A TURN username and password, as `RTCIceServer` names them. */
export interface TurnCredential {
  /** `<expiry unix seconds>:<connectionId>`. */
  readonly username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  readonly credential: string;
}

/**
 * The time-limited TURN credential of one connection, in the TURN REST API scheme that coturn checks
 * with `use-auth-secret` / `static-auth-secret`: the username is the expiry (UNIX seconds) and the
 * connection ID joined by `:`, the password the base64 HMAC-SHA1 of the username under the shared
 * secret. The TURN server recomputes it, so nothing is stored; it refuses the username once its expiry
 * has passed.
 *
 * @example
 * ```ts
 * turnCredential('a-long-shared-secret', 'C1', 1767225600);
 * // { username: '1767225600:C1', credential: '…base64…' }
 * ```
 */
export function turnCredential(secret: string, connectionId: string, expiry: UnixSeconds): TurnCredential {
  const username = `${expiry}:${connectionId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * When a connection's TURN credential expires: `ttl` seconds from now, but never after its token's
 * expiry (a relay must not outlive the admission it was handed out with).
 *
 * @example
 * ```ts
 * turnExpiry(1_700_000_000_000, 3600, 1_700_000_600); // 1700000600 (the token's exp comes first)
 * ```
 */
export function turnExpiry(nowMs: number, ttl: number, tokenExpireTime: UnixSeconds): UnixSeconds {
  return Math.min(tokenExpireTime, Math.floor(nowMs / 1000) + ttl);
}
