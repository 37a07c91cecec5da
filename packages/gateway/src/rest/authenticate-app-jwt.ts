import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError, isOpaqueId, wireLimits } from '@stagepass/protocol';
import { createAppJwtVerifier, type AppJwtVerifier, type VerificationKeyInput } from '@stagepass/token';
import type { AppRegistry, ReplayGuard } from '../registry/app-registry.js';
import type { AppRecord } from '../registry/app-record.js';
import { createAppVersionCache } from '../registry/app-version-cache.js';
import { toAppKeys } from '../registry/to-app-keys.js';

/** The replay guard's namespace for app JWT IDs, apart from the IDs of single-use session tokens. */
const REPLAY_PREFIX = 'app-jwt:';
const BEARER = /^Bearer +([^\s]+) *$/i;

export interface AppJwtAuthenticatorOptions {
  readonly registry: AppRegistry;
  readonly replay: ReplayGuard;
  readonly logger: Logger | undefined;
  /** Seconds of clock skew forgiven on `iat` and `exp`, 0–300. Default 30 (the verifier's). */
  readonly clockTolerance?: number;
}

/** Checks one request's app JWT for the App ID of its path; rejects with ERR_AUTH_… refusals. */
export type AppJwtAuthenticator = (req: IncomingMessage, appId: string, nowMs: number) => Promise<void>;

function authInvalid(message: string): never {
  throw new StagepassError('ERR_AUTH_INVALID', message);
}

/** One header's values, refusing a repeated one: two credentials are one too many. */
function single(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  if (values === undefined) return undefined;
  if (values.length !== 1) authInvalid(`Give the ${name} header once.`);
  return values[0];
}

/** The JWT of `Authorization: Bearer <jwt>` or `X-OPENTOK-AUTH: <jwt>` (as the OpenTok SDKs send it). */
function presentedJwt(req: IncomingMessage): string {
  const authorization = single(req, 'authorization');
  const opentok = single(req, 'x-opentok-auth');
  if (authorization !== undefined && opentok !== undefined) {
    authInvalid('Give the app JWT in one header: Authorization: Bearer, or X-OPENTOK-AUTH.');
  }
  if (opentok !== undefined) return opentok.trim();
  if (authorization === undefined) {
    authInvalid('The request has no app JWT; send Authorization: Bearer <jwt> (stagepass session … mints one).');
  }
  const match = BEARER.exec(authorization);
  if (match === null) authInvalid('The Authorization header must be "Bearer <app JWT>".');
  return match[1]!;
}

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
    try {
      return createAppJwtVerifier({ appId, keys, ...tolerance });
    } catch {
      // One unusable key record must not lock the app out: keep the keys that import alone.
      const usable = keys.filter((key: VerificationKeyInput) => {
        try {
          createAppJwtVerifier({ appId, keys: [key], ...tolerance });
          return true;
        } catch {
          logger?.warn({ appId, kid: key.kid ?? null }, 'app key unusable for app JWTs; skipped');
          return false;
        }
      });
      return createAppJwtVerifier({ appId, keys: usable, ...tolerance });
    }
  }

  const verifiers = createAppVersionCache({ registry, build });

  return async (req, appId, nowMs) => {
    const jwt = presentedJwt(req);
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
