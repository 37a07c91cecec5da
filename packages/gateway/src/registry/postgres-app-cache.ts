/**
 * Every app of the PostgreSQL registry, held in this process: the admission path reads apps and
 * versions synchronously from here. Filled at open, then refreshed one app at a time when the change
 * feed (or this process's own write) names it, and wholesale by the feed's poll.
 */
import type { AppRecord } from './app-record.js';
import { selectAllRecords, selectRecord, type Queryable } from './postgres-app-rows.js';
import type { PostgresStore } from './postgres-store.js';
import type { SecretSealer } from './secret-sealing.js';

export interface PostgresAppCache {
  get(appId: string): AppRecord | undefined;
  /** Every app, oldest first (as `listApps` orders them). */
  list(): AppRecord[];
  /** Reads the app again (its changes, or its deletion); refreshes of one app run one after another. */
  refresh(appId: string): Promise<void>;
  /** Reads every app again; drops the ones that are gone. */
  reload(): Promise<void>;
  /** Refreshes the apps whose version differs from `versions` (app ID → version), and drops those not in it. */
  sync(versions: ReadonlyMap<string, number>): Promise<void>;
}

export function createPostgresAppCache(store: PostgresStore, sealer: SecretSealer): PostgresAppCache {
  const apps = new Map<string, AppRecord>();
  const pending = new Map<string, Promise<void>>();

  /** A record read at `version` never replaces a newer one (versions only grow, even across a delete). */
  function put(appId: string, record: AppRecord | undefined): void {
    if (record === undefined) apps.delete(appId);
    else if ((apps.get(appId)?.version ?? 0) <= record.version) apps.set(appId, record);
  }

  async function readOne(appId: string): Promise<void> {
    const record = await store.transaction((client: Queryable) => selectRecord(client, appId, sealer));
    put(appId, record);
  }

  function refresh(appId: string): Promise<void> {
    const previous = pending.get(appId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => readOne(appId));
    pending.set(appId, next);
    const forget = (): void => {
      if (pending.get(appId) === next) pending.delete(appId);
    };
    next.then(forget, forget);
    return next;
  }

  return {
    get: (appId) => apps.get(appId),
    list: () =>
      [...apps.values()].sort(
        (a, b) => a.createdAt - b.createdAt || (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0),
      ),
    refresh,
    async reload() {
      const records = await store.transaction(async (client) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return selectAllRecords(client, sealer);
      });
      const seen = new Set<string>();
      for (const record of records) {
        seen.add(record.appId);
        put(record.appId, record);
      }
      for (const appId of [...apps.keys()]) if (!seen.has(appId) && !pending.has(appId)) apps.delete(appId);
    },
    async sync(versions) {
      const changed: Promise<void>[] = [];
      for (const [appId, version] of versions) if (apps.get(appId)?.version !== version) changed.push(refresh(appId));
      for (const appId of [...apps.keys()]) if (!versions.has(appId)) changed.push(refresh(appId));
      await Promise.all(changed);
    },
  };
}
