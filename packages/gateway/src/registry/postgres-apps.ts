/**
 * The apps and keys of the PostgreSQL registry: app management, key rotation. Each change is one
 * transaction that locks the app's row (FOR UPDATE), so two gateways or CLIs changing one app
 * serialise; it bumps the app's version and sends a NOTIFY on {@link REGISTRY_CHANNEL}, delivered to
 * every listening gateway when the transaction commits. The returned promise resolves once this
 * process's cache holds the change.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { StagepassError, invalidOption } from '@stagepass/protocol';
import type { AddKeyOptions, CreateAppOptions, ImportAppOptions } from './app-registry.js';
import { DEFAULT_APP_SETTINGS, type AppRecord, type AppSettings, type KeyRecord } from './app-record.js';
import { MAX_ACTIVE_KEYS, checkAppId, checkAppName, checkKid, mergeSettings, sameSettings } from './app-validation.js';
import { checkObject, generatedSecret, keyMaterial, nextDefaultKid, type KeyMaterial } from './key-material.js';
import type { PostgresAppCache } from './postgres-app-cache.js';
import { selectApp, selectKeys, settingsValues, toPgKey, toPgSettings, type PgKeyRow } from './postgres-app-rows.js';
import type { PostgresStore } from './postgres-store.js';
import type { SecretSealer } from './secret-sealing.js';
import { unknownApp } from './sqlite-store.js';

/** The channel every registry change is announced on; the payload is the App ID. */
export const REGISTRY_CHANNEL = 'stagepass_registry';

/** App management as the PostgreSQL registry does it: every method resolves after commit and cache refresh. */
export interface PostgresApps {
  createApp(options: CreateAppOptions): Promise<{ app: AppRecord; secret: string }>;
  importApp(options: ImportAppOptions): Promise<AppRecord>;
  rotateSecret(appId: string): Promise<{ key: KeyRecord; secret: string }>;
  addKey(appId: string, options: AddKeyOptions): Promise<KeyRecord>;
  retireKey(appId: string, kid: string): Promise<KeyRecord>;
  updateSettings(appId: string, settings: Partial<AppSettings>): Promise<AppRecord>;
  deleteApp(appId: string): Promise<boolean>;
}

interface Apps {
  readonly store: PostgresStore;
  readonly cache: PostgresAppCache;
  readonly sealer: SecretSealer;
}

/** Announces a change of `appId`; PostgreSQL delivers it at commit (and drops it on rollback). */
export async function notifyChange(client: PoolClient, appId: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, appId]);
}

async function bumpVersion(client: PoolClient, appId: string): Promise<void> {
  await client.query('UPDATE apps SET version = version + 1 WHERE app_id = $1', [appId]);
  await notifyChange(client, appId);
}

/** Runs one change of `appId` and waits for this process's cache to hold it. */
async function change<T>(apps: Apps, appId: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const result = await apps.store.transaction(fn);
  await apps.cache.refresh(appId);
  return result;
}

/** The app's row, locked for this transaction, or ERR_NOT_FOUND. */
async function lockApp(client: PoolClient, appId: unknown): Promise<void> {
  if (typeof appId !== 'string' || (await selectApp(client, appId, true)) === undefined) throw unknownApp(appId);
}

async function activeKeyCount(client: PoolClient, appId: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM app_keys WHERE app_id = $1 AND status = 'active'",
    [appId],
  );
  return rows[0]!.n;
}

async function insertKey(apps: Apps, client: PoolClient, appId: string, kid: string, material: KeyMaterial) {
  const existing = await client.query('SELECT 1 FROM app_keys WHERE app_id = $1 AND kid = $2', [appId, kid]);
  if (existing.rowCount !== 0) {
    throw invalidOption('kid', 'the app already has a key with this ID (retired keys keep their IDs)');
  }
  if ((await activeKeyCount(client, appId)) >= MAX_ACTIVE_KEYS) {
    throw invalidOption('kid', `the app already has ${MAX_ACTIVE_KEYS} active keys; retire one first`);
  }
  const secret = material.secret === undefined ? null : apps.sealer.seal(appId, kid, material.secret);
  const { rows } = await client.query<PgKeyRow>(
    `INSERT INTO app_keys (app_id, kid, alg, secret, public_key_pem, status, created_at)
     VALUES ($1, $2, $3, $4, $5, 'active', $6) RETURNING app_id, kid, alg, secret, public_key_pem, status, created_at`,
    [appId, kid, material.alg, secret, material.publicKeyPem ?? null, apps.store.now()],
  );
  return toPgKey(rows[0]!, apps.sealer);
}

/** A new app with its first key, `k1`; an app created again under a deleted one's ID goes on counting versions. */
async function insertApp(apps: Apps, appId: string, name: string, settings: AppSettings, material: KeyMaterial) {
  await change(apps, appId, async (client) => {
    // Serialises creators of one ID (the row does not exist yet to lock): a transaction-scoped lock on its hash.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('stagepass app ' || $1, 0))", [appId]);
    if ((await selectApp(client, appId)) !== undefined)
      throw invalidOption('appId', 'an app with this ID already exists');
    const deleted = await client.query<{ version: string }>(
      'DELETE FROM deleted_apps WHERE app_id = $1 RETURNING version',
      [appId],
    );
    const version = Number(deleted.rows[0]?.version ?? 0) + 1;
    await client.query(
      `INSERT INTO apps (app_id, name, created_at, version, legacy_t1, single_use_tokens, eject_at_expiry,
       allowed_origins, max_connections_per_session, media_mode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [appId, name, apps.store.now(), version, ...settingsValues(settings)],
    );
    await insertKey(apps, client, appId, 'k1', material);
    await notifyChange(client, appId);
  });
  return apps.cache.get(appId)!;
}

async function addKey(apps: Apps, appId: string, kid: string | undefined, material: KeyMaterial): Promise<KeyRecord> {
  return change(apps, appId, async (client) => {
    await lockApp(client, appId);
    const added = kid ?? nextDefaultKid((await selectKeys(client, appId)).map((key) => key.kid));
    const key = await insertKey(apps, client, appId, added, material);
    await bumpVersion(client, appId);
    return key;
  });
}

async function retireKey(apps: Apps, appId: string, kid: string): Promise<KeyRecord> {
  return change(apps, appId, async (client) => {
    await lockApp(client, appId);
    const row = (await selectKeys(client, appId)).find((key) => key.kid === kid);
    if (row === undefined) {
      checkKid(kid);
      throw new StagepassError('ERR_NOT_FOUND', 'the app has no key with this key ID');
    }
    if (row.status === 'retired') return toPgKey(row, apps.sealer);
    if ((await activeKeyCount(client, appId)) === 1) {
      throw invalidOption(
        'kid',
        "this is the app's last active key; add or rotate in another key first (without one, no token of the app would verify)",
      );
    }
    await client.query("UPDATE app_keys SET status = 'retired', retired_at = $1 WHERE app_id = $2 AND kid = $3", [
      apps.store.now(),
      appId,
      kid,
    ]);
    await bumpVersion(client, appId);
    return toPgKey({ ...row, status: 'retired' }, apps.sealer);
  });
}

async function updateSettings(apps: Apps, appId: string, settings: Partial<AppSettings>): Promise<AppRecord> {
  await change(apps, appId, async (client) => {
    const row = typeof appId === 'string' ? await selectApp(client, appId, true) : undefined;
    if (row === undefined) throw unknownApp(appId);
    const current = toPgSettings(row);
    const next = mergeSettings(current, settings);
    if (sameSettings(current, next)) return;
    await client.query(
      `UPDATE apps SET version = version + 1, legacy_t1 = $2, single_use_tokens = $3, eject_at_expiry = $4,
       allowed_origins = $5, max_connections_per_session = $6, media_mode = $7 WHERE app_id = $1`,
      [appId, ...settingsValues(next)],
    );
    await notifyChange(client, appId);
  });
  return apps.cache.get(appId)!;
}

async function deleteApp(apps: Apps, appId: string): Promise<boolean> {
  if (typeof appId !== 'string') return false;
  return change(apps, appId, async (client) => {
    const deleted = await client.query<{ version: string }>('DELETE FROM apps WHERE app_id = $1 RETURNING version', [
      appId,
    ]); // keys, revocations and used token IDs go with it (ON DELETE CASCADE)
    const version = deleted.rows[0]?.version;
    if (version === undefined) return false;
    await client.query(
      `INSERT INTO deleted_apps (app_id, version) VALUES ($1, $2)
       ON CONFLICT (app_id) DO UPDATE SET version = excluded.version`,
      [appId, version],
    );
    await notifyChange(client, appId);
    return true;
  });
}

/** Apps and keys in the PostgreSQL store; the checks of every input are the SQLite store's own. */
export function createPostgresApps(store: PostgresStore, cache: PostgresAppCache, sealer: SecretSealer): PostgresApps {
  const apps: Apps = { store, cache, sealer };
  return {
    async createApp(options) {
      const given = checkObject(options);
      const name = checkAppName(given.name);
      const appId = given.appId === undefined ? randomUUID() : checkAppId(given.appId);
      const settings = mergeSettings(DEFAULT_APP_SETTINGS, given.settings);
      const secret = generatedSecret();
      return { app: await insertApp(apps, appId, name, settings, { alg: 'HS256', secret }), secret };
    },
    async importApp(options) {
      const given = checkObject(options);
      const appId = checkAppId(given.appId);
      const name = checkAppName(given.name);
      const material = keyMaterial(given, 'k1');
      return insertApp(apps, appId, name, mergeSettings(DEFAULT_APP_SETTINGS, given.settings), material);
    },
    async rotateSecret(appId) {
      const secret = generatedSecret();
      return { key: await addKey(apps, appId, undefined, { alg: 'HS256', secret }), secret };
    },
    async addKey(appId, options) {
      const given = checkObject(options);
      const kid = given.kid === undefined ? undefined : checkKid(given.kid);
      return addKey(apps, appId, kid, keyMaterial(given, kid ?? 'k1'));
    },
    retireKey: async (appId, kid) => retireKey(apps, appId, kid),
    updateSettings: async (appId, settings) => updateSettings(apps, appId, settings),
    deleteApp: async (appId) => deleteApp(apps, appId),
  };
}
