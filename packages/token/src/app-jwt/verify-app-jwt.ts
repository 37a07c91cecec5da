import { invalidOption, type UnixSeconds } from '@stagepass/protocol';
import { createAppJwtVerifier, type AppJwtVerifierOptions, type VerifiedAppJwt } from './create-app-jwt-verifier.js';

export interface VerifyAppJwtOptions extends AppJwtVerifierOptions {
  /** The current time, integer UNIX seconds (default: now). */
  readonly now?: UnixSeconds;
}

/**
 * Verifies one app JWT with one app's keys. For many requests, make one
 * {@link createAppJwtVerifier} per app and reuse it: keys are then imported once.
 * Throws StagepassError `ERR_AUTH_INVALID` or `ERR_AUTH_EXPIRED`; replay protection (`jti`) is the caller's.
 *
 * @example
 * ```ts
 * const { jti, expireTime } = verifyAppJwt(jwt, { appId, keys: [{ secret }] });
 * ```
 */
export function verifyAppJwt(jwt: unknown, options: VerifyAppJwtOptions): VerifiedAppJwt {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('options', 'must be an object with appId and keys');
  return createAppJwtVerifier(options).verify(jwt, { now: options.now });
}
