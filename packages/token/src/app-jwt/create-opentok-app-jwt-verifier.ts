import { isOpaqueId, type UnixSeconds } from '@stagepass/protocol';
import { MAX_APP_JWT_ID_LENGTH, MAX_OPENTOK_APP_JWT_TTL_SECONDS, APP_JWT_ISSUER_TYPE } from './app-jwt-limits.js';
import type { AppJwtVerifierOptions, VerifiedAppJwt } from './create-app-jwt-verifier.js';
import {
  appKeyring,
  checkTimes,
  invalid,
  openSignedAppJwt,
  refuseSessionToken,
  timeClaim,
  verifyNow,
} from './signed-app-jwt.js';

/** What a verified OpenTok/Vonage project JWT says; `jti` is undefined when it had none. */
export interface VerifiedOpenTokAppJwt extends Omit<VerifiedAppJwt, 'jti'> {
  readonly jti: string | undefined;
  /** Which claim named the app: `iss` (opentok), `application_id` (@vonage/video) or both (opentok's Vonage mode). */
  readonly issuer: 'iss' | 'application_id' | 'both';
}

/** A reusable verifier of the project JWTs that the `opentok` and `@vonage/video` SDKs sign. */
export interface OpenTokAppJwtVerifier {
  readonly appId: string;
  readonly clockTolerance: number;
  /** Throws StagepassError `ERR_AUTH_INVALID` or `ERR_AUTH_EXPIRED`; replay protection is the caller's. */
  verify(jwt: unknown, options?: { readonly now?: UnixSeconds }): VerifiedOpenTokAppJwt;
}

/** The App ID claims: `iss` with `ist: "project"`, and/or `application_id`; every one given must be the App ID. */
function issuerOf(claims: Record<string, unknown>, appId: string): VerifiedOpenTokAppJwt['issuer'] {
  const { iss, application_id: applicationId } = claims;
  if (iss === undefined && applicationId === undefined) {
    invalid('The app JWT names no app: give iss (with ist "project") or application_id.');
  }
  if (iss !== undefined) {
    if (iss !== appId) invalid('The app JWT claim iss is not the App ID of the request.');
    if (claims.ist !== APP_JWT_ISSUER_TYPE) invalid(`The app JWT claim ist must be "${APP_JWT_ISSUER_TYPE}".`);
  }
  if (applicationId !== undefined && applicationId !== appId) {
    invalid('The app JWT claim application_id is not the App ID of the request.');
  }
  if (iss === undefined) return 'application_id';
  return applicationId === undefined ? 'iss' : 'both';
}

/**
 * Creates a verifier of app JWTs as the OpenTok and Vonage SDKs sign them, for the
 * OpenTok-compatible REST routes: a profile of its own, beside {@link createAppJwtVerifier}, never a
 * relaxation of it. The same strict JWS and signature checks; then the App ID from `iss` (with
 * `ist: "project"`) or `application_id` (each given must equal it), `jti` optional (opentok sends
 * none; when given, the caller claims it once), `exp` at most 15 minutes ahead, and never a client
 * session token (`scope` / `session_id`).
 *
 * @example
 * ```ts
 * const verifier = createOpenTokAppJwtVerifier({ appId, keys: [{ secret }] });
 * const { jti, expireTime } = verifier.verify(request.headers['x-opentok-auth']);
 * ```
 */
export function createOpenTokAppJwtVerifier(options: AppJwtVerifierOptions): OpenTokAppJwtVerifier {
  const keyring = appKeyring(options);
  const { appId, clockTolerance } = keyring;

  function verify(jwt: unknown, verifyOptions: { readonly now?: UnixSeconds } = {}): VerifiedOpenTokAppJwt {
    const now = verifyNow(verifyOptions);
    const { claims, key } = openSignedAppJwt(keyring, jwt);
    // Only now is anything in the claims believed.
    const issuer = issuerOf(claims, appId);
    refuseSessionToken(claims);
    timeClaim(claims.iat, 'iat');
    timeClaim(claims.exp, 'exp');
    const { jti } = claims;
    if (jti !== undefined && !isOpaqueId(jti, MAX_APP_JWT_ID_LENGTH))
      invalid(`The app JWT claim jti must be 1–${MAX_APP_JWT_ID_LENGTH} printable ASCII characters.`);
    const { issuedAt, expireTime } = checkTimes(claims, now, clockTolerance, MAX_OPENTOK_APP_JWT_TTL_SECONDS);
    return { appId, jti, issuer, issuedAt, expireTime, keyId: key.kid, algorithm: key.alg };
  }

  return { appId, clockTolerance, verify };
}
