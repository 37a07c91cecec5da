import { StagepassError } from '@stagepass/protocol';
import type { AppRegistry, ReplayGuard } from '../registry/app-registry.js';
import type { AdmittedClient } from '../session/session-service.js';
import { createVerifierCache } from './verifier-cache.js';

/** What a client presented: the App ID and session from the upgrade URL, its Origin, and its token. */
export interface AdmissionRequest {
  readonly appId: string;
  readonly sessionId: string;
  /** The upgrade request's Origin header; undefined when it had none (not a browser). */
  readonly origin: string | undefined;
  readonly token: string;
}

export interface AdmissionOptions {
  readonly registry: Pick<AppRegistry, 'getApp' | 'getAppVersion' | 'isRevoked'>;
  readonly replay: ReplayGuard;
  /** Seconds of clock skew forgiven on token times, 0–300. */
  readonly clockTolerance: number;
  /** Wall clock, milliseconds. */
  readonly now: () => number;
  /** Session size when the app does not set maxConnectionsPerSession. */
  readonly maxConnectionsPerSession: number;
  readonly onKeyError?: (appId: string, err: unknown) => void;
}

/**
 * Decides admissions. Asynchronous, because the revocation check and the replay guard may cross a
 * network (cluster mode); two admissions may interleave, and the replay guard's atomic `claim` is
 * what lets exactly one of two presenting one single-use token through.
 */
export interface Admission {
  /**
   * Checks, in order: the app exists (ERR_APP_UNKNOWN), the Origin is allowed
   * (ERR_ORIGIN_NOT_ALLOWED), the token verifies for this app and session (any ERR_TOKEN_… code),
   * it is not revoked (ERR_TOKEN_REVOKED), and, for single-use apps, it was never used
   * (ERR_TOKEN_REPLAYED; this claims it). Rejects with a StagepassError with the code on refusal.
   * Joining the session (ERR_SESSION_FULL) is the caller's last step; the socket may have closed
   * while this was pending, so the caller checks it again before joining.
   */
  admit(request: AdmissionRequest): Promise<AdmittedClient>;
  /**
   * What a `resume` passes before the session core sees it: the app exists (ERR_APP_UNKNOWN) and the
   * Origin is allowed (ERR_ORIGIN_NOT_ALLOWED). The connection's own token was admitted at its join.
   */
  checkApp(appId: string, origin: string | undefined): Promise<void>;
}

/**
 * Creates the admission step of a gateway.
 *
 * @example
 * ```ts
 * const admission = createAdmission({ registry, replay: registry, clockTolerance: 30, now: Date.now, maxConnectionsPerSession: 1000 });
 * const client = await admission.admit({ appId, sessionId, origin: req.headers.origin, token });
 * ```
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { registry, replay, now } = options;
  const cache = createVerifierCache({
    registry,
    clockTolerance: options.clockTolerance,
    onKeyError: options.onKeyError,
  });

  /** The app, once it exists and admits this Origin. */
  function appFor(appId: string, origin: string | undefined) {
    const app = cache.lookup(appId);
    if (app === undefined) {
      throw new StagepassError(
        'ERR_APP_UNKNOWN',
        'No app is registered under this App ID; check the App ID the client sends.',
      );
    }
    const { settings } = app;
    if (settings.allowedOrigins.length > 0 && (origin === undefined || !settings.allowedOrigins.includes(origin))) {
      throw new StagepassError(
        'ERR_ORIGIN_NOT_ALLOWED',
        origin === undefined
          ? 'This app admits only pages from its allowed origins, and the request had no Origin header.'
          : "The page's origin is not in this app's allowed origins.",
      );
    }
    return app;
  }

  return {
    async checkApp(appId, origin) {
      appFor(appId, origin);
    },
    async admit({ appId, sessionId, origin, token }) {
      const app = appFor(appId, origin);
      const { settings } = app;
      if (!app.verifiable) {
        throw new StagepassError(
          'ERR_TOKEN_SIGNATURE_INVALID',
          'This app has no active key, so no token verifies; add or rotate a key.',
        );
      }
      const granted = cache.verifier.verify(token, { appId, sessionId, now: Math.floor(now() / 1000) });
      // Asked in the turn lookup read the app's version: the registry answers from memory.
      if (await registry.isRevoked(appId, sessionId, granted.tokenId, granted.issuedAt)) {
        throw new StagepassError('ERR_TOKEN_REVOKED', "This token was revoked by the app's backend.");
      }
      if (settings.singleUseTokens && !(await replay.claim(appId, granted.tokenId, granted.expireTime))) {
        throw new StagepassError(
          'ERR_TOKEN_REPLAYED',
          'This app admits each token once, and this one was already used.',
        );
      }
      return {
        appId,
        sessionId,
        role: granted.role,
        capabilities: granted.capabilities,
        data: granted.data ?? null,
        tokenId: granted.tokenId,
        issuedAt: granted.issuedAt,
        expireTime: granted.expireTime,
        ejectAtExpiry: settings.ejectAtExpiry,
        maxConnectionsPerSession: settings.maxConnectionsPerSession ?? options.maxConnectionsPerSession,
        initialLayoutClassList: granted.initialLayoutClassList,
      };
    },
  };
}
