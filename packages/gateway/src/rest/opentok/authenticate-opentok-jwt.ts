import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError, isOpaqueId, wireLimits } from '@stagepass/protocol';
import { createOpenTokAppJwtVerifier, inspectToken, type OpenTokAppJwtVerifier } from '@stagepass/token';
import type { AppRegistry, ReplayGuard } from '../../registry/app-registry.js';
import type { AppRecord } from '../../registry/app-record.js';
import { createAppVersionCache } from '../../registry/app-version-cache.js';
import { toAppKeys } from '../../registry/to-app-keys.js';
import { authInvalid, presentedJwt, verifierOfUsableKeys } from '../request-jwt.js';

/** The replay guard's namespace for the `jti`s of OpenTok/Vonage project JWTs (apart from `/v1`'s). */
const REPLAY_PREFIX = 'opentok-jwt:';
const MISSING = 'The request has no project JWT; send X-OPENTOK-AUTH: <jwt> or Authorization: Bearer <jwt>.';

export interface OpenTokAuthenticatorOptions {
  readonly registry: AppRegistry;
  readonly replay: ReplayGuard;
  readonly logger: Logger | undefined;
}

/**
 * Checks one request's project JWT; resolves with the App ID it authenticated. `pathAppId` is the
 * path's `{appId}`, or undefined on `/session/create` (whose App ID is the JWT's own). Rejects with
 * ERR_AUTH_INVALID / ERR_AUTH_EXPIRED / ERR_AUTH_REPLAYED.
 */
export type OpenTokAuthenticator = (
  req: IncomingMessage,
  pathAppId: string | undefined,
  nowMs: number,
) => Promise<string>;

/**
 * The App ID a JWT names, read before its signature is checked, only to pick the keys that check it:
 * the verifier then requires every App ID claim to be exactly that app.
 */
function claimedAppId(jwt: string): string {
  let claims: Record<string, unknown>;
  try {
    claims = inspectToken(jwt).claims;
  } catch {
    authInvalid('The project JWT is not a compact JWS of three dot-separated parts; pass it exactly as it was signed.');
  }
  const appId = claims.iss ?? claims.application_id;
  if (!isOpaqueId(appId, wireLimits.MAX_APP_ID_LENGTH)) {
    authInvalid('The project JWT names no app: give iss (with ist "project") or application_id.');
  }
  return appId;
}

/**
 * Authenticates the OpenTok-compatible routes with their own profile (never `/v1`'s): the project
 * JWTs the `opentok` and `@vonage/video` SDKs sign, checked by {@link createOpenTokAppJwtVerifier}
 * with the app's active keys (secrets for HS256, a Vonage application's public key for RS256). The
 * App ID named in the JWT must be the path's. A `jti`, when there is one, is claimed once in the
 * registry's replay guard (kept until the JWT's `exp` + tolerance, at most 15 minutes ahead, then
 * purged); a JWT without `jti` (opentok's) is not deduplicated: two calls in one second carry the
 * same bytes, legitimately.
 */
export function createOpenTokAuthenticator(options: OpenTokAuthenticatorOptions): OpenTokAuthenticator {
  const { registry, replay, logger } = options;

  function build(app: AppRecord): OpenTokAppJwtVerifier {
    const { appId, keys } = toAppKeys(app);
    return verifierOfUsableKeys(appId, keys, createOpenTokAppJwtVerifier, logger, 'project JWT');
  }

  const verifiers = createAppVersionCache({ registry, build });

  return async (req, pathAppId, nowMs) => {
    const jwt = presentedJwt(req, 'project JWT', MISSING);
    const appId = pathAppId ?? claimedAppId(jwt);
    if (!isOpaqueId(appId, wireLimits.MAX_APP_ID_LENGTH)) authInvalid('The path does not hold a valid App ID.');
    // An unknown app gets a verifier without keys: refused after the same checks, with the same answer.
    const verifier = verifiers.get(appId) ?? createOpenTokAppJwtVerifier({ appId, keys: [] });
    const verified = verifier.verify(jwt, { now: Math.floor(nowMs / 1000) });
    if (
      verified.jti !== undefined &&
      !(await replay.claim(appId, REPLAY_PREFIX + verified.jti, verified.expireTime + verifier.clockTolerance))
    ) {
      throw new StagepassError(
        'ERR_AUTH_REPLAYED',
        'This project JWT (its jti) was already used; sign a fresh one for each request.',
      );
    }
    return appId;
  };
}
