/** The apps and keys of the SQLite registry: records, app management, key rotation. */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StagepassError, invalidOption } from '@stagepass/protocol';
import type { AddKeyOptions, CreateAppOptions, ImportAppOptions } from './app-registry.js';
import type { SqliteAppRegistry } from './sqlite-app-registry.js';
import { DEFAULT_APP_SETTINGS, type AppRecord, type AppSettings, type KeyRecord } from './app-record.js';
import { MAX_ACTIVE_KEYS, checkAppId, checkAppName, checkKid, mergeSettings, sameSettings } from './app-validation.js';
import { checkObject, generatedSecret, keyMaterial, nextDefaultKid, type KeyMaterial } from './key-material.js';
import { settingsColumns, toKey, toRecord, toSettings, type AppRow, type KeyRow } from './sqlite-app-rows.js';
import { unknownApp, type SqliteStore } from './sqlite-store.js';
import type { SecretSealer } from './secret-sealing.js';

/** The app-management half of {@link AppRegistry}, as the SQLite registry keeps it. */
export type SqliteApps = Pick<
  SqliteAppRegistry,
  | 'getApp'
  | 'listApps'
  | 'createApp'
  | 'importApp'
  | 'rotateSecret'
  | 'addKey'
  | 'retireKey'
  | 'updateSettings'
  | 'deleteApp'
>;

function prepare(db: Database) {
  return {
    app: db.prepare<[string], AppRow>('SELECT * FROM apps WHERE app_id = ?'),
    apps: db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY created_at, app_id'),
    version: db.prepare<[string], number>('SELECT version FROM apps WHERE app_id = ?').pluck(),
    keys: db.prepare<[string], KeyRow>('SELECT * FROM app_keys WHERE app_id = ? ORDER BY rowid'),
    allKeys: db.prepare<[], KeyRow>('SELECT * FROM app_keys ORDER BY rowid'),
    key: db.prepare<[string, string], KeyRow>('SELECT * FROM app_keys WHERE app_id = ? AND kid = ?'),
    activeKeyCount: db
      .prepare<[string], number>("SELECT count(*) FROM app_keys WHERE app_id = ? AND status = 'active'")
      .pluck(),
    kids: db.prepare<[string], string>('SELECT kid FROM app_keys WHERE app_id = ?').pluck(),
    deletedVersion: db.prepare<[string], number>('SELECT version FROM deleted_apps WHERE app_id = ?').pluck(),
    forgetDeleted: db.prepare<[string]>('DELETE FROM deleted_apps WHERE app_id = ?'),
    rememberDeleted: db.prepare<[string, number]>(
      'INSERT INTO deleted_apps (app_id, version) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET version = excluded.version',
    ),
    insertApp: db.prepare<[AppRow]>(`INSERT INTO apps (app_id, name, created_at, version, legacy_t1,
      single_use_tokens, eject_at_expiry, allowed_origins, max_connections_per_session, media_mode) VALUES (
      @app_id, @name, @created_at, @version, @legacy_t1, @single_use_tokens, @eject_at_expiry, @allowed_origins,
      @max_connections_per_session, @media_mode)`),
    updateSettings: db.prepare<[AppRow]>(`UPDATE apps SET version = version + 1, legacy_t1 = @legacy_t1,
      single_use_tokens = @single_use_tokens, eject_at_expiry = @eject_at_expiry, allowed_origins = @allowed_origins,
      max_connections_per_session = @max_connections_per_session, media_mode = @media_mode WHERE app_id = @app_id`),
    bumpVersion: db.prepare<[string]>('UPDATE apps SET version = version + 1 WHERE app_id = ?'),
    deleteApp: db.prepare<[string]>('DELETE FROM apps WHERE app_id = ?'),
    insertKey: db.prepare<
      [Omit<KeyRow, 'status'>]
    >(`INSERT INTO app_keys (app_id, kid, alg, secret, public_key_pem, status, created_at)
      VALUES (@app_id, @kid, @alg, @secret, @public_key_pem, 'active', @created_at)`),
    retireKey: db.prepare<[number, string, string]>(
      "UPDATE app_keys SET status = 'retired', retired_at = ? WHERE app_id = ? AND kid = ?",
    ),
  };
}

/** What the functions below work on: the store, its prepared statements, the sealer of secrets. */
interface Apps {
  readonly store: SqliteStore;
  readonly sql: ReturnType<typeof prepare>;
  readonly sealer: SecretSealer;
}

/** The app's row inside a write transaction, or ERR_NOT_FOUND. */
function requireApp({ sql }: Apps, appId: unknown): AppRow {
  const row = typeof appId === 'string' ? sql.app.get(appId) : undefined;
  if (row === undefined) throw unknownApp(appId);
  return row;
}

function loadApp({ sql, sealer }: Apps, appId: string): AppRecord | undefined {
  const row = sql.app.get(appId);
  return row === undefined ? undefined : toRecord(row, sql.keys.all(appId), sealer);
}

function nextKid({ sql }: Apps, appId: string): string {
  return nextDefaultKid(sql.kids.all(appId));
}

/** Inserts one active key; the caller bumps the version (or creates the app at its first). */
function insertKey({ store, sql, sealer }: Apps, appId: string, kid: string, material: KeyMaterial): void {
  if (sql.key.get(appId, kid) !== undefined) {
    throw invalidOption('kid', 'the app already has a key with this ID (retired keys keep their IDs)');
  }
  if (sql.activeKeyCount.get(appId)! >= MAX_ACTIVE_KEYS) {
    throw invalidOption('kid', `the app already has ${MAX_ACTIVE_KEYS} active keys; retire one first`);
  }
  sql.insertKey.run({
    app_id: appId,
    kid,
    alg: material.alg,
    secret: material.secret === undefined ? null : sealer.seal(appId, kid, material.secret),
    public_key_pem: material.publicKeyPem ?? null,
    created_at: store.now(),
  });
}

/** A new app with its first key, `k1`. */
function insertApp(apps: Apps, appId: string, name: string, settings: AppSettings, material: KeyMaterial): AppRecord {
  const { store, sql } = apps;
  return store.write(() => {
    if (sql.app.get(appId) !== undefined) throw invalidOption('appId', 'an app with this ID already exists');
    const version = (sql.deletedVersion.get(appId) ?? 0) + 1;
    sql.forgetDeleted.run(appId);
    sql.insertApp.run({ app_id: appId, name, created_at: store.now(), version, ...settingsColumns(settings) });
    insertKey(apps, appId, 'k1', material);
    return loadApp(apps, appId)!;
  });
}

/** Adds a key (its ID given, or the next `kN`) and bumps the version. */
function addKey(apps: Apps, appId: string, kid: string | undefined, material: KeyMaterial): KeyRecord {
  const { store, sql, sealer } = apps;
  return store.write(() => {
    requireApp(apps, appId);
    const added = kid ?? nextKid(apps, appId);
    insertKey(apps, appId, added, material);
    sql.bumpVersion.run(appId);
    return toKey(sql.key.get(appId, added)!, sealer);
  });
}

function listApps({ store, sql, sealer }: Apps): AppRecord[] {
  return store.read(() => {
    const keysByApp = new Map<string, KeyRow[]>();
    for (const key of sql.allKeys.all()) {
      const list = keysByApp.get(key.app_id);
      if (list === undefined) keysByApp.set(key.app_id, [key]);
      else list.push(key);
    }
    return sql.apps.all().map((row) => toRecord(row, keysByApp.get(row.app_id) ?? [], sealer));
  });
}

function retireKey(apps: Apps, appId: string, kid: string): KeyRecord {
  const { store, sql, sealer } = apps;
  return store.write(() => {
    requireApp(apps, appId);
    const row = typeof kid === 'string' ? sql.key.get(appId, kid) : undefined;
    if (row === undefined) {
      checkKid(kid);
      throw new StagepassError('ERR_NOT_FOUND', 'the app has no key with this key ID');
    }
    if (row.status === 'retired') return toKey(row, sealer);
    if (sql.activeKeyCount.get(appId) === 1) {
      throw invalidOption(
        'kid',
        "this is the app's last active key; add or rotate in another key first (without one, no token of the app would verify)",
      );
    }
    sql.retireKey.run(store.now(), appId, kid);
    sql.bumpVersion.run(appId);
    return toKey(sql.key.get(appId, kid)!, sealer);
  });
}

function updateSettings(apps: Apps, appId: string, settings: Partial<AppSettings>): AppRecord {
  const { store, sql } = apps;
  return store.write(() => {
    const row = requireApp(apps, appId);
    const current = toSettings(row);
    const next = mergeSettings(current, settings);
    if (!sameSettings(current, next)) sql.updateSettings.run({ ...row, ...settingsColumns(next) });
    return loadApp(apps, row.app_id)!;
  });
}

function deleteApp({ store, sql }: Apps, appId: string): boolean {
  if (typeof appId !== 'string') return false;
  return store.write(() => {
    const version = sql.version.get(appId);
    if (version === undefined) return false;
    sql.rememberDeleted.run(appId, version);
    sql.deleteApp.run(appId); // keys, revocations and used token IDs go with it (ON DELETE CASCADE)
    return true;
  });
}

/** Apps and keys in the SQLite store; every change bumps the app's version (or creates the app at its first). */
export function createSqliteApps(store: SqliteStore, sealer: SecretSealer): SqliteApps {
  const apps: Apps = { store, sql: prepare(store.db), sealer };
  return {
    getApp: (appId) => (typeof appId === 'string' ? store.read(() => loadApp(apps, appId)) : undefined),
    listApps: () => listApps(apps),

    createApp(options: CreateAppOptions) {
      const given = checkObject(options);
      const name = checkAppName(given.name);
      const appId = given.appId === undefined ? randomUUID() : checkAppId(given.appId);
      const settings = mergeSettings(DEFAULT_APP_SETTINGS, given.settings);
      const secret = generatedSecret();
      return { app: insertApp(apps, appId, name, settings, { alg: 'HS256', secret }), secret };
    },

    importApp(options: ImportAppOptions) {
      const given = checkObject(options);
      const appId = checkAppId(given.appId);
      const name = checkAppName(given.name);
      const material = keyMaterial(given, 'k1');
      return insertApp(apps, appId, name, mergeSettings(DEFAULT_APP_SETTINGS, given.settings), material);
    },

    rotateSecret(appId) {
      const secret = generatedSecret();
      return { key: addKey(apps, appId, undefined, { alg: 'HS256', secret }), secret };
    },

    addKey(appId, options: AddKeyOptions) {
      const given = checkObject(options);
      const kid = given.kid === undefined ? undefined : checkKid(given.kid);
      return addKey(apps, appId, kid, keyMaterial(given, kid ?? 'k1'));
    },

    retireKey: (appId, kid) => retireKey(apps, appId, kid),
    updateSettings: (appId, settings) => updateSettings(apps, appId, settings),
    deleteApp: (appId) => deleteApp(apps, appId),
  };
}
