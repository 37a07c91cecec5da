import type { AppRecord } from './app-record.js';
import type { AppRegistry } from './app-registry.js';

/**
 * Something derived from an app's record (a token verifier, an app-JWT verifier), reused while the
 * app's registry version is unchanged and rebuilt when it moved.
 */
export interface AppVersionCache<T> {
  /**
   * The value built from the app as of its current version; undefined for an unknown app, for
   * which nothing is kept. Costs one `getAppVersion` while the app is unchanged, and one `getApp`
   * plus one `build` when its version moved.
   */
  get(appId: string): T | undefined;
}

export interface AppVersionCacheOptions<T> {
  readonly registry: Pick<AppRegistry, 'getApp' | 'getAppVersion'>;
  /** Derives the value from the app's record (called once per version of the app). */
  readonly build: (app: AppRecord) => T;
  /** Told when the value of an app that is gone (deleted) is dropped. */
  readonly onDrop?: (appId: string) => void;
}

/**
 * Creates a cache of values derived from apps, keyed by each app's registry version.
 *
 * @example
 * ```ts
 * const verifiers = createAppVersionCache({ registry, build: (app) => createAppJwtVerifier(toAppKeys(app)) });
 * const verifier = verifiers.get(appId); // rebuilt only after a rotation, retirement, setting change…
 * ```
 */
export function createAppVersionCache<T>(options: AppVersionCacheOptions<T>): AppVersionCache<T> {
  const { registry, build, onDrop } = options;
  const entries = new Map<string, { readonly version: number; readonly value: T }>();

  function drop(appId: string): undefined {
    if (entries.delete(appId)) onDrop?.(appId);
    return undefined;
  }

  return {
    get(appId) {
      // Through `registry.` each time: a registry may be wrapped or replaced method by method.
      const version = registry.getAppVersion(appId);
      if (version === undefined) return drop(appId);
      const cached = entries.get(appId);
      if (cached !== undefined && cached.version === version) return cached.value;
      const app = registry.getApp(appId);
      if (app === undefined) return drop(appId);
      const value = build(app);
      entries.set(appId, { version: app.version, value });
      return value;
    },
  };
}
