import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError, isOpaqueId, wireLimits } from '@stagepass/protocol';
import { createAppJwtVerifier, type AppJwtVerifier, type VerificationKeyInput } from '@stagepass/token';
import type { AppRegistry, ReplayGuard } from '../registry/app-registry.js';
import type { AppRecord } from '../registry/app-record.js';
import { createAppVersionCache } from '../registry/app-version-cache.js';
import { toAppKeys } from '../registry/to-app-keys.js';
import { authInvalid, presentedJwt, verifierOfUsableKeys } from './request-jwt.js';

/** The replay guard's namespace for app JWT IDs, apart from the IDs of single-use session tokens. */
const REPLAY_PREFIX = 'app-jwt:';
const MISSING = 'The request has no app JWT; send Authorization: Bearer <jwt> (stagepass session … mints one).';

export interface AppJwtAuthenticatorOptions {
  readonly registry: AppRegistry;
  readonly replay: ReplayGuard;
  readonly logger: Logger | undefined;
  /** Seconds of clock skew forgiven on `iat` and `exp`, 0–300. Default 30 (the verifier's). */
  readonly clockTolerance?: number;
}

/** Checks one request's app JWT for the App ID of its path; rejects with ERR_AUTH_… refusals. */
export type AppJwtAuthenticator = (req: IncomingMessage, appId: string, nowMs: number) => Promise<void>;

/**
 * Authenticates REST requests by app JWT. One verifier per app, rebuilt only when the registry's
 * app version changes (a rotated or retired key, a deleted app). An unknown App ID gets a verifier
 * without keys, so it is refused after the same checks and with the same answer as a bad signature.
 * Each verified `jti` is claimed once in the replay guard, for as long as the JWT could be accepted.
 */
export function createAppJwtAuthenticator(options: AppJwtAuthenticatorOptions): AppJwtAuthenticator {
  const { registry, replay, logger } = options;
  const tolerance = options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance };

  /** A verifier of the app's active keys (toAppKeys drops retired ones). */
  function build(app: AppRecord): AppJwtVerifier {
    const { appId, keys } = toAppKeys(app);
    const create = (input: { appId: string; keys: readonly VerificationKeyInput[] }) =>
      createAppJwtVerifier({ ...input, ...tolerance });
    return verifierOfUsableKeys(appId, keys, create, logger, 'app JWT');
  }

  const verifiers = createAppVersionCache({ registry, build });

  return async (req, appId, nowMs) => {
    const jwt = presentedJwt(req, 'app JWT', MISSING);
    if (!isOpaqueId(appId, wireLimits.MAX_APP_ID_LENGTH)) authInvalid('The path does not hold a valid App ID.');
    const verifier = verifiers.get(appId) ?? createAppJwtVerifier({ appId, keys: [], ...tolerance });
    const verified = verifier.verify(jwt, { now: Math.floor(nowMs / 1000) });
    if (!(await replay.claim(appId, REPLAY_PREFIX + verified.jti, verified.expireTime + verifier.clockTolerance))) {
      throw new StagepassError(
        'ERR_AUTH_REPLAYED',
        'This app JWT (its jti) was already used; sign a fresh one for each request.',
      );
    }
  };
}
