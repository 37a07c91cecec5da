import { isOpaqueId, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import type { JwsAlgorithm } from '../keys/algorithms.js';
import type { VerificationKeyInput } from '../keys/key-input.js';
import { APP_JWT_ISSUER_TYPE, MAX_APP_JWT_ID_LENGTH, MAX_APP_JWT_TTL_SECONDS } from './app-jwt-limits.js';
import {
  appKeyring,
  checkTimes,
  invalid,
  openSignedAppJwt,
  refuseSessionToken,
  timeClaim,
  verifyNow,
} from './signed-app-jwt.js';

/** The app whose backend signs the JWTs, and its keys. */
export interface AppJwtVerifierOptions {
  /** The App ID of the request (the REST path's `{appId}`); `iss` must be exactly this. */
  readonly appId: string;
  /**
   * The app's active keys: secrets (HS256) and/or public keys, each bound to its algorithm. An empty
   * list refuses every JWT after the same checks, with the same answer as a bad signature, so a
   * caller can treat an unknown app like a known one and never tell which apps exist.
   */
  readonly keys: readonly VerificationKeyInput[];
  /** Seconds of clock skew forgiven on `iat` and `exp`: 0–300, default 30. */
  readonly clockTolerance?: Seconds;
}

/** What a verified app JWT says. Times are integer UNIX seconds. */
export interface VerifiedAppJwt {
  readonly appId: string;
  /** `jti`: accept it once (remember it until `expireTime` + the clock tolerance). */
  readonly jti: string;
  readonly issuedAt: UnixSeconds;
  readonly expireTime: UnixSeconds;
  /** The `kid` of the key that verified it, if that key has one. */
  readonly keyId: string | undefined;
  readonly algorithm: JwsAlgorithm;
}

/** A reusable app JWT verifier for one app: keys are imported once, here. */
export interface AppJwtVerifier {
  readonly appId: string;
  /** Seconds of clock skew forgiven (also how long past `expireTime` a `jti` must be remembered). */
  readonly clockTolerance: Seconds;
  /**
   * Verifies one app JWT. Throws StagepassError `ERR_AUTH_INVALID` or `ERR_AUTH_EXPIRED`; never
   * returns an unverified result. Does not remember `jti`s: replay protection is the caller's.
   */
  verify(jwt: unknown, options?: { readonly now?: UnixSeconds }): VerifiedAppJwt;
}

/**
 * Creates a reusable verifier of app JWTs for one app. Order: size, strict compact JWS (canonical
 * base64url, JSON objects without duplicate or `__proto__` members, no `crit`), `alg` bound to the
 * configured keys (`none` never), the signature (constant time for HMAC; every candidate key is
 * tried), and only then the claims: `iss` = the App ID, `ist` = "project", no session-token claims,
 * `iat`, `exp`, `jti`; `exp` passed (`ERR_AUTH_EXPIRED`) or more than 300 s ahead (`ERR_AUTH_EXPIRED`).
 *
 * @example
 * ```ts
 * const verifier = createAppJwtVerifier({ appId, keys: [{ secret }] });
 * const { jti, expireTime } = verifier.verify(jwt); // throws ERR_AUTH_INVALID / ERR_AUTH_EXPIRED
 * if (!replayGuard.claim(appId, `app-jwt:${jti}`, expireTime + verifier.clockTolerance)) refuse();
 * ```
 */
export function createAppJwtVerifier(options: AppJwtVerifierOptions): AppJwtVerifier {
  const keyring = appKeyring(options);
  const { appId, clockTolerance } = keyring;

  function verify(jwt: unknown, verifyOptions: { readonly now?: UnixSeconds } = {}): VerifiedAppJwt {
    const now = verifyNow(verifyOptions);
    const { claims, key } = openSignedAppJwt(keyring, jwt);
    // Only now is anything in the claims believed.
    if (claims.iss !== appId) invalid('The app JWT claim iss is not the App ID of the request.');
    if (claims.ist !== APP_JWT_ISSUER_TYPE) invalid(`The app JWT claim ist must be "${APP_JWT_ISSUER_TYPE}".`);
    refuseSessionToken(claims);
    timeClaim(claims.iat, 'iat');
    timeClaim(claims.exp, 'exp');
    const { jti } = claims;
    if (jti === undefined) invalid('The app JWT has no jti claim; each app JWT needs a unique one.');
    if (!isOpaqueId(jti, MAX_APP_JWT_ID_LENGTH))
      invalid(`The app JWT claim jti must be 1–${MAX_APP_JWT_ID_LENGTH} printable ASCII characters.`);
    const { issuedAt, expireTime } = checkTimes(claims, now, clockTolerance, MAX_APP_JWT_TTL_SECONDS);
    return { appId, jti, issuedAt, expireTime, keyId: key.kid, algorithm: key.alg };
  }

  return { appId, clockTolerance, verify };
}
