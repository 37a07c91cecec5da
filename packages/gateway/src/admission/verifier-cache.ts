import { StagepassError } from '@stagepass/protocol';
import { createVerifier, type TokenVerifier } from '@stagepass/token';
import type { AppRecord, AppSettings } from '../registry/app-record.js';
import type { AppRegistry } from '../registry/app-registry.js';
import { createAppVersionCache } from '../registry/app-version-cache.js';
import { toAppKeys } from '../registry/to-app-keys.js';

/** What admission needs to know about an app, as of its registry version. */
export interface CachedApp {
  readonly settings: AppSettings;
  /** False when the app has no active key the verifier could load: every token is refused. */
  readonly verifiable: boolean;
}

export interface VerifierCache {
  /** The one verifier, holding the active keys of every app looked up so far. */
  readonly verifier: TokenVerifier;
  /**
   * The app's settings, with its keys loaded into the verifier; undefined for an unknown app.
   * Costs one `getAppVersion` while the app is unchanged; reloads the app when its version moved.
   */
  lookup(appId: string): CachedApp | undefined;
}

export interface VerifierCacheOptions {
  readonly registry: Pick<AppRegistry, 'getApp' | 'getAppVersion'>;
  /** Seconds, 0–300. */
  readonly clockTolerance: number;
  /** Told when an app's stored keys cannot be loaded (never given the keys themselves). */
  readonly onKeyError?: (appId: string, err: unknown) => void;
}

/**
 * Keeps one token verifier in step with the registry: an app's keys are (re)loaded only when its
 * registry version changed, so admitting a client costs one cheap version check, not a key import.
 */
export function createVerifierCache(options: VerifierCacheOptions): VerifierCache {
  const verifier = createVerifier({ clockTolerance: options.clockTolerance });

  function load(app: AppRecord): CachedApp {
    const keys = toAppKeys(app);
    let verifiable = keys.keys.length > 0;
    if (verifiable) {
      try {
        verifier.setApp(keys);
      } catch (err) {
        if (!(err instanceof StagepassError)) throw err;
        options.onKeyError?.(app.appId, err);
        verifiable = false;
      }
    }
    if (!verifiable) verifier.deleteApp(app.appId);
    return { settings: app.settings, verifiable };
  }

  const apps = createAppVersionCache({
    registry: options.registry,
    build: load,
    onDrop: (appId) => verifier.deleteApp(appId),
  });
  return { verifier, lookup: (appId) => apps.get(appId) };
}
