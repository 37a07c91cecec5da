/**
 * The embedded app registry: apps, keys, settings, revocations and single-use token IDs in one
 * SQLite file (better-sqlite3, synchronous). Its parts: the file itself (open-sqlite-database.ts),
 * apps and keys (sqlite-apps.ts), revocations (sqlite-revocations.ts), the replay guard
 * (sqlite-replay-guard.ts) and the per-turn memo of app versions (version-memo.ts).
 *
 * Every mutation is one IMMEDIATE transaction: it takes the write lock before reading, so two
 * processes on one file serialise instead of failing with SQLITE_BUSY mid-transaction.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { invalidOption } from '@stagepass/protocol';
import type { AppRecord, AppSettings, KeyRecord } from './app-record.js';
import type {
  AddKeyOptions,
  AppRegistry,
  CreateAppOptions,
  ImportAppOptions,
  ReplayGuard,
  Revocation,
} from './app-registry.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSecretSealer, type SecretSealer } from './secret-sealing.js';
import { createSqliteApps } from './sqlite-apps.js';
import { createSqliteReplayGuard } from './sqlite-replay-guard.js';
import { createSqliteRevocations } from './sqlite-revocations.js';
import { createSqliteStore, type SqliteStore } from './sqlite-store.js';

export interface SqliteAppRegistryOptions {
  /**
   * The database file, or `':memory:'`. Missing parent directories are created (mode 0700) and a
   * new file is created readable by its owner only (0600): it holds the apps' secrets.
   */
  readonly path: string;
  /**
   * 32 bytes (see {@link parseMasterKey}): HS256 secrets are then stored encrypted (AES-256-GCM).
   * Opening a database that holds encrypted secrets without it, or with another key, throws
   * ERR_INVALID_OPTION (option `masterKey`). Opening a plaintext database with a key encrypts its
   * secrets there and then (and tells `onSecretsEncrypted`); there is no way back without an export.
   */
  readonly masterKey?: Uint8Array;
  /**
   * Called once, during the open, when `masterKey` encrypted plaintext secrets found in the file (with how
   * many): a write the caller may not expect (e.g. from a read-only command), so it can say so.
   */
  readonly onSecretsEncrypted?: (count: number) => void;
  /** The clock, milliseconds since the epoch (tests move it). Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Take an existing zero-length file as a new, empty registry. Default false: such a file (a failed copy
   * or restore) is refused with ERR_DATABASE_UNAVAILABLE rather than silently losing every app.
   */
  readonly initializeEmpty?: boolean;
}

/** The SQLite registry: an {@link AppRegistry} whose app management answers synchronously. */
export interface SqliteAppRegistry extends AppRegistry, ReplayGuard {
  createApp(options: CreateAppOptions): { app: AppRecord; secret: string };
  importApp(options: ImportAppOptions): AppRecord;
  rotateSecret(appId: string): { key: KeyRecord; secret: string };
  addKey(appId: string, options: AddKeyOptions): KeyRecord;
  retireKey(appId: string, kid: string): KeyRecord;
  updateSettings(appId: string, settings: Partial<AppSettings>): AppRecord;
  deleteApp(appId: string): boolean;
  revoke(appId: string, revocation: Revocation): void;
  close(): void;
}

function checkOptions(options: SqliteAppRegistryOptions): Required<Pick<SqliteAppRegistryOptions, 'path' | 'now'>> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object with path');
  if (typeof options.path !== 'string' || options.path === '' || options.path.includes('\u0000')) {
    throw invalidOption('path', 'must be a file path or ":memory:"');
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw invalidOption('now', 'must be a function returning milliseconds');
  if (options.onSecretsEncrypted !== undefined && typeof options.onSecretsEncrypted !== 'function')
    throw invalidOption('onSecretsEncrypted', 'must be a function taking the number of secrets encrypted');
  return { path: options.path, now: options.now ?? Date.now };
}

/**
 * Opens (creating and migrating as needed) the SQLite app registry, which is also the replay guard
 * of single-use tokens. One instance per process and file; several processes may share a file.
 *
 * @example
 * ```ts
 * const registry = createSqliteAppRegistry({ path: '.stagepass/stagepass.db', masterKey });
 * const { app, secret } = registry.createApp({ name: 'Demo' });
 * registry.rotateSecret(app.appId);            // k2 active; k1 keeps verifying until retired
 * registry.retireKey(app.appId, 'k1');
 * registry.close();
 * ```
 */
export function createSqliteAppRegistry(options: SqliteAppRegistryOptions): SqliteAppRegistry {
  const { path, now } = checkOptions(options);
  const sealer = createSecretSealer(options.masterKey);
  const db = openSqliteDatabase(path, sealer, options.initializeEmpty === true, options.onSecretsEncrypted);
  try {
    return { ...openRegistry(db, createSqliteStore(db, now), sealer), fileProblem: watchFile(path) };
  } catch (err) {
    db.close();
    throw err;
  }
}

const RESTART = 'restart the gateway on the database the apps are in';

/** How `fileProblem` tells the file at `path` is still the one opened: its device and inode. */
function watchFile(path: string): () => string | undefined {
  if (path === ':memory:') return () => undefined;
  const opened = statSync(path);
  return () => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now === undefined) return `the database file was deleted while the gateway ran: ${RESTART}`;
    if (now.ino !== opened.ino || now.dev !== opened.dev)
      return `the database file was replaced while the gateway ran: ${RESTART}`;
    return undefined;
  };
}

function openRegistry(
  db: Database.Database,
  store: SqliteStore,
  sealer: SecretSealer,
): Omit<SqliteAppRegistry, 'fileProblem'> {
  const apps = createSqliteApps(store, sealer);
  const revocations = createSqliteRevocations(store);
  const replay = createSqliteReplayGuard(store);
  store.write(() => {
    revocations.purge();
    replay.purge();
  });

  return {
    ...apps,
    getAppVersion: (appId) => (typeof appId === 'string' ? store.versions.get(appId) : undefined),
    deleteApp(appId) {
      if (typeof appId === 'string') revocations.forget(appId);
      return apps.deleteApp(appId);
    },
    revoke: revocations.revoke,
    isRevoked: revocations.isRevoked,
    claim: replay.claim,
    close() {
      if (db.open) db.close();
      revocations.clear();
    },
  };
}
