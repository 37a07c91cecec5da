/**
 * The embedded app registry: apps, keys, settings, revocations and single-use token IDs in one
 * SQLite file (better-sqlite3, synchronous).
 *
 * Durability: WAL journal with `synchronous = FULL`, so every committed transaction has been
 * fsync'ed to the WAL before the call returns; a killed process (or a power cut) loses nothing
 * committed. (NORMAL would only fsync at checkpoints: safe against a killed process, not against
 * a power cut. Writes here are rare admin operations and single-use claims, so FULL costs little.)
 * Every mutation is one IMMEDIATE transaction: it takes the write lock before reading, so two
 * processes on one file serialise instead of failing with SQLITE_BUSY mid-transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StagepassError, invalidOption } from '@stagepass/protocol';
import { limits, type JwsAlgorithm } from '@stagepass/token';
import type {
  AddKeyOptions, AppRegistry, CreateAppOptions, ImportAppOptions, ReplayGuard, Revocation,
} from './app-registry.js';
import { DEFAULT_APP_SETTINGS, type AppRecord, type AppSettings, type KeyRecord, type KeyStatus } from './app-record.js';
import {
  MAX_ACTIVE_KEYS, MAX_CLAIM_ID_LENGTH, checkAppId, checkAppName, checkKid, checkPublicKeyPem, checkRevocation, checkSecret, checkTokenId,
  checkUnixSeconds, checkVerifierAccepts, mergeSettings, sameSettings,
} from './app-validation.js';
import { MISSING_MASTER_KEY, WRONG_MASTER_KEY, createSecretSealer, masterKeyError, type SecretSealer } from './secret-sealing.js';
import { migrate } from './sqlite-schema.js';

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
   * secrets there and then; there is no way back without an export.
   */
  readonly masterKey?: Uint8Array;
  /** The clock, milliseconds since the epoch (tests move it). Default `Date.now`. */
  readonly now?: () => number;
}

/** How long SQLite waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;
/**
 * Revocations and used token IDs are kept this long past the token's expiry: a verifier admits a
 * token until its expiry plus its clock tolerance, which is at most this.
 */
const EXPIRY_GRACE_SECONDS = limits.MAX_CLOCK_TOLERANCE;
/** Used token IDs are purged of expired ones once every this many claims. */
const PURGE_EVERY_CLAIMS = 1000;
/** Length of the HS256 secrets the registry generates: 32 random bytes, hex. */
const GENERATED_SECRET_BYTES = 32;
/** Default key IDs are `k1`, `k2`, …: one more than the highest such number the app has used. */
const DEFAULT_KID = /^k([1-9][0-9]{0,8})$/;
const KEY_CHECK = 'master_key_check';

interface AppRow {
  app_id: string;
  name: string;
  created_at: number;
  version: number;
  legacy_t1: number;
  single_use_tokens: number;
  eject_at_expiry: number;
  allowed_origins: string;
  max_connections_per_session: number | null;
}

interface KeyRow {
  app_id: string;
  kid: string;
  alg: JwsAlgorithm;
  secret: string | null;
  public_key_pem: string | null;
  status: KeyStatus;
  created_at: number;
}

/** One app's issued-before revocations, cached while the app's version stays the same. */
interface IssuedBeforeCache {
  readonly version: number;
  /** Whether the app had any token-ID revocation at this version (purges may make it stale-true, never stale-false). */
  readonly tokens: boolean;
  /** Tokens of every session issued before this (UNIX seconds) are revoked. */
  readonly app: number | undefined;
  readonly sessions: ReadonlyMap<string, number>;
}

function openDatabase(path: string): Database.Database {
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600)); // SQLite gives the -wal and -shm files the same mode
    }
    return new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    // The path is not echoed (a secret pasted there by mistake must not end up in a log).
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : 'unknown error');
    throw invalidOption('path', `cannot open the database (${reason})`);
  }
}

function configure(db: Database.Database, path: string): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (path !== ':memory:' && mode !== 'wal') {
    throw invalidOption('path', `the database cannot use WAL mode here (got ${String(mode)}); use a local file system`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

function checkOptions(options: SqliteAppRegistryOptions): Required<Pick<SqliteAppRegistryOptions, 'path' | 'now'>> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object with path');
  if (typeof options.path !== 'string' || options.path === '' || options.path.includes('\u0000')) {
    throw invalidOption('path', 'must be a file path or ":memory:"');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw invalidOption('now', 'must be a function returning milliseconds');
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
export function createSqliteAppRegistry(options: SqliteAppRegistryOptions): AppRegistry & ReplayGuard {
  const { path, now } = checkOptions(options);
  const sealer = createSecretSealer(options.masterKey);
  const db = openDatabase(path);
  try {
    configure(db, path);
    migrate(db);
    checkMasterKey(db, sealer);
    return openRegistry(db, sealer, now);
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Fails at open, before any secret is read, when this process cannot read the secrets: encrypted
 * ones without a key, or a key other than theirs. With a key, any plaintext secret is encrypted
 * there and then (in one transaction) and the key check is recorded.
 */
function checkMasterKey(db: Database.Database, sealer: SecretSealer): void {
  db.transaction(() => {
    const stored = db.prepare<[string], string>('SELECT value FROM meta WHERE name = ?').pluck().get(KEY_CHECK);
    if (!sealer.encrypts) {
      const sealed = db.prepare<[], number>("SELECT 1 FROM app_keys WHERE secret LIKE 'enc:%' LIMIT 1").pluck().get();
      if (stored !== undefined || sealed !== undefined) throw masterKeyError(MISSING_MASTER_KEY);
      return;
    }
    if (stored === undefined) db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run(KEY_CHECK, sealer.keyCheck!);
    else if (!sealer.matchesKeyCheck(stored)) throw masterKeyError(WRONG_MASTER_KEY);
    // Also catches secrets a keyless process wrote while it still had the file open.
    const plain = db.prepare<[], { app_id: string; kid: string; secret: string }>(
      "SELECT app_id, kid, secret FROM app_keys WHERE secret LIKE 'plain:%'").all();
    const update = db.prepare('UPDATE app_keys SET secret = ? WHERE app_id = ? AND kid = ?');
    for (const row of plain) update.run(sealer.seal(row.app_id, row.kid, sealer.open(row.app_id, row.kid, row.secret)), row.app_id, row.kid);
  }).immediate();
}

function openRegistry(db: Database.Database, sealer: SecretSealer, now: () => number): AppRegistry & ReplayGuard {
  const nowSeconds = (): number => Math.floor(now() / 1000);

  // Prepared once: every method below runs only these.
  const sql = {
    app: db.prepare<[string], AppRow>('SELECT * FROM apps WHERE app_id = ?'),
    apps: db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY created_at, app_id'),
    version: db.prepare<[string], number>('SELECT version FROM apps WHERE app_id = ?').pluck(),
    keys: db.prepare<[string], KeyRow>('SELECT * FROM app_keys WHERE app_id = ? ORDER BY rowid'),
    allKeys: db.prepare<[], KeyRow>('SELECT * FROM app_keys ORDER BY rowid'),
    key: db.prepare<[string, string], KeyRow>('SELECT * FROM app_keys WHERE app_id = ? AND kid = ?'),
    activeKeyCount: db.prepare<[string], number>("SELECT count(*) FROM app_keys WHERE app_id = ? AND status = 'active'").pluck(),
    kids: db.prepare<[string], string>('SELECT kid FROM app_keys WHERE app_id = ?').pluck(),
    deletedVersion: db.prepare<[string], number>('SELECT version FROM deleted_apps WHERE app_id = ?').pluck(),
    forgetDeleted: db.prepare<[string]>('DELETE FROM deleted_apps WHERE app_id = ?'),
    rememberDeleted: db.prepare<[string, number]>(
      'INSERT INTO deleted_apps (app_id, version) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET version = excluded.version'),
    insertApp: db.prepare<[AppRow]>(`INSERT INTO apps VALUES (
      @app_id, @name, @created_at, @version, @legacy_t1, @single_use_tokens, @eject_at_expiry, @allowed_origins, @max_connections_per_session)`),
    updateSettings: db.prepare<[AppRow]>(`UPDATE apps SET version = version + 1, legacy_t1 = @legacy_t1,
      single_use_tokens = @single_use_tokens, eject_at_expiry = @eject_at_expiry, allowed_origins = @allowed_origins,
      max_connections_per_session = @max_connections_per_session WHERE app_id = @app_id`),
    bumpVersion: db.prepare<[string]>('UPDATE apps SET version = version + 1 WHERE app_id = ?'),
    deleteApp: db.prepare<[string]>('DELETE FROM apps WHERE app_id = ?'),
    insertKey: db.prepare<[Omit<KeyRow, 'status'>]>(`INSERT INTO app_keys (app_id, kid, alg, secret, public_key_pem, status, created_at)
      VALUES (@app_id, @kid, @alg, @secret, @public_key_pem, 'active', @created_at)`),
    retireKey: db.prepare<[number, string, string]>("UPDATE app_keys SET status = 'retired', retired_at = ? WHERE app_id = ? AND kid = ?"),
    revokeToken: db.prepare<[string, string, number]>(`INSERT INTO token_revocations (app_id, token_id, expire_time) VALUES (?, ?, ?)
      ON CONFLICT (app_id, token_id) DO UPDATE SET expire_time = max(expire_time, excluded.expire_time)`),
    revokeIssuedBefore: db.prepare<[string, string, number]>(`INSERT INTO issued_before_revocations (app_id, session_id, issued_before)
      VALUES (?, ?, ?) ON CONFLICT (app_id, session_id) DO UPDATE SET issued_before = max(issued_before, excluded.issued_before)`),
    purgeTokenRevocations: db.prepare<[number]>('DELETE FROM token_revocations WHERE expire_time < ?'),
    // No token issued before (now − 30 days − tolerance) can still be valid: its row is moot.
    purgeIssuedBefore: db.prepare<[number]>('DELETE FROM issued_before_revocations WHERE issued_before < ?'),
    // One statement, so the version and the token lookup come from the same snapshot.
    revocationProbe: db.prepare<[string, string], { version: number; revoked: number }>(`SELECT version,
      EXISTS (SELECT 1 FROM token_revocations WHERE app_id = apps.app_id AND token_id = ?) AS revoked
      FROM apps WHERE app_id = ?`),
    anyTokenRevocation: db.prepare<[string], { any: number }>(
      'SELECT EXISTS (SELECT 1 FROM token_revocations WHERE app_id = ?) AS any'),
    tokenRevoked: db.prepare<[string, string], { revoked: number }>(
      'SELECT 1 AS revoked FROM token_revocations WHERE app_id = ? AND token_id = ?'),
    issuedBefore: db.prepare<[string], { session_id: string; issued_before: number }>(
      'SELECT session_id, issued_before FROM issued_before_revocations WHERE app_id = ?'),
    claim: db.prepare<[string, string, number]>(
      'INSERT INTO used_tokens (app_id, token_id, expire_time) VALUES (?, ?, ?) ON CONFLICT (app_id, token_id) DO NOTHING'),
    purgeUsedTokens: db.prepare<[number]>('DELETE FROM used_tokens WHERE expire_time < ?'),
  };

  /** Issued-before revocations per app. Keyed by the app's version, which every revoke bumps. */
  const issuedBeforeCache = new Map<string, IssuedBeforeCache>();
  let claimsSincePurge = 0;

  // App versions read in this event-loop turn. A version read is a native SQLite call, the dearest
  // step of an admission after the signature; admissions that arrive together (one turn) share one
  // read per app. This registry's own writes clear it at once; another process's commits are seen
  // from the next turn.
  const versionsThisTurn = new Map<string, number | undefined>();
  let versionsClearScheduled = false;
  function clearVersions(): void {
    versionsClearScheduled = false;
    versionsThisTurn.clear();
  }

  const write = <T>(fn: () => T): T => {
    try {
      return db.transaction(fn).immediate();
    } finally {
      versionsThisTurn.clear();
    }
  };
  const read = <T>(fn: () => T): T => db.transaction(fn).deferred();

  function toKey(row: KeyRow): KeyRecord {
    return Object.freeze({
      kid: row.kid,
      alg: row.alg,
      secret: row.secret === null ? undefined : sealer.open(row.app_id, row.kid, row.secret),
      publicKeyPem: row.public_key_pem ?? undefined,
      status: row.status,
      createdAt: row.created_at,
    });
  }

  function toSettings(row: AppRow): AppSettings {
    return Object.freeze({
      legacyT1: row.legacy_t1 === 1,
      singleUseTokens: row.single_use_tokens === 1,
      ejectAtExpiry: row.eject_at_expiry === 1,
      allowedOrigins: Object.freeze(JSON.parse(row.allowed_origins) as string[]),
      maxConnectionsPerSession: row.max_connections_per_session,
    });
  }

  function toRecord(row: AppRow, keys: readonly KeyRow[]): AppRecord {
    return Object.freeze({
      appId: row.app_id,
      name: row.name,
      createdAt: row.created_at,
      settings: toSettings(row),
      keys: Object.freeze(keys.map(toKey)),
      version: row.version,
    });
  }

  function settingsColumns(settings: AppSettings): Pick<AppRow, 'legacy_t1' | 'single_use_tokens' | 'eject_at_expiry' | 'allowed_origins' | 'max_connections_per_session'> {
    return {
      legacy_t1: settings.legacyT1 ? 1 : 0,
      single_use_tokens: settings.singleUseTokens ? 1 : 0,
      eject_at_expiry: settings.ejectAtExpiry ? 1 : 0,
      allowed_origins: JSON.stringify(settings.allowedOrigins),
      max_connections_per_session: settings.maxConnectionsPerSession,
    };
  }

  function notFound(): StagepassError {
    // The ID is not echoed: a secret pasted where an App ID belongs must not end up in a log.
    return new StagepassError('ERR_NOT_FOUND', 'no app with this App ID');
  }

  /** The app's row inside a write transaction, or ERR_NOT_FOUND. */
  function requireApp(appId: unknown): AppRow {
    const row = typeof appId === 'string' ? sql.app.get(appId) : undefined;
    if (row === undefined) throw typeof appId === 'string' ? notFound() : invalidOption('appId', 'must be a string');
    return row;
  }

  function loadApp(appId: string): AppRecord | undefined {
    const row = sql.app.get(appId);
    return row === undefined ? undefined : toRecord(row, sql.keys.all(appId));
  }

  function nextKid(appId: string): string {
    let highest = 0;
    for (const kid of sql.kids.all(appId)) {
      const match = DEFAULT_KID.exec(kid);
      if (match !== null) highest = Math.max(highest, Number(match[1]));
    }
    return `k${highest + 1}`;
  }

  /** The material of a new key, checked (and, for public keys, normalised to SPKI PEM). */
  function keyMaterial(options: { secret?: unknown; publicKeyPem?: unknown }, kid: string): Pick<KeyRow, 'alg'> & { secret?: string; publicKeyPem?: string } {
    if (options.secret !== undefined && options.publicKeyPem !== undefined) {
      throw invalidOption('secret', 'give secret or publicKeyPem, not both');
    }
    if (options.secret !== undefined) {
      const secret = checkSecret(options.secret);
      checkVerifierAccepts({ secret, kid, alg: 'HS256' }, 'secret');
      return { alg: 'HS256', secret };
    }
    if (options.publicKeyPem !== undefined) {
      const { pem, alg } = checkPublicKeyPem(options.publicKeyPem);
      checkVerifierAccepts({ publicKey: pem, kid, alg }, 'publicKeyPem');
      return { alg, publicKeyPem: pem };
    }
    throw invalidOption('secret', 'give secret (an HS256 secret, e.g. an OpenTok API secret) or publicKeyPem (e.g. a Vonage application\'s public key)');
  }

  /** Inserts one active key; the caller bumps the version (or creates the app at its first). */
  function insertKey(appId: string, kid: string, material: ReturnType<typeof keyMaterial>): void {
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
      created_at: now(),
    });
  }

  function insertApp(appId: string, name: string, settings: AppSettings): void {
    if (sql.app.get(appId) !== undefined) throw invalidOption('appId', 'an app with this ID already exists');
    const version = (sql.deletedVersion.get(appId) ?? 0) + 1;
    sql.forgetDeleted.run(appId);
    sql.insertApp.run({ app_id: appId, name, created_at: now(), version, ...settingsColumns(settings) });
  }

  function checkObject(options: unknown): Record<string, unknown> {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
    return options as Record<string, unknown>;
  }

  function purgeRevocations(): void {
    const seconds = nowSeconds();
    sql.purgeTokenRevocations.run(seconds - EXPIRY_GRACE_SECONDS);
    sql.purgeIssuedBefore.run(seconds - limits.MAX_LIFETIME_SECONDS - EXPIRY_GRACE_SECONDS);
  }

  function loadIssuedBefore(appId: string, version: number): IssuedBeforeCache {
    let app: number | undefined;
    const sessions = new Map<string, number>();
    for (const row of sql.issuedBefore.all(appId)) {
      if (row.session_id === '') app = row.issued_before;
      else sessions.set(row.session_id, row.issued_before);
    }
    const tokens = sql.anyTokenRevocation.get(appId)?.any === 1;
    const entry = { version, tokens, app, sessions };
    issuedBeforeCache.set(appId, entry);
    return entry;
  }

  write(() => {
    purgeRevocations();
    sql.purgeUsedTokens.run(nowSeconds() - EXPIRY_GRACE_SECONDS);
  });

  return {
    getApp(appId) {
      if (typeof appId !== 'string') return undefined;
      return read(() => loadApp(appId));
    },

    getAppVersion(appId) {
      if (typeof appId !== 'string') return undefined;
      const seen = versionsThisTurn.get(appId);
      if (seen !== undefined || versionsThisTurn.has(appId)) return seen;
      const version = sql.version.get(appId);
      versionsThisTurn.set(appId, version);
      if (!versionsClearScheduled) {
        versionsClearScheduled = true;
        setImmediate(clearVersions).unref();
      }
      return version;
    },

    listApps() {
      return read(() => {
        const keysByApp = new Map<string, KeyRow[]>();
        for (const key of sql.allKeys.all()) {
          const list = keysByApp.get(key.app_id);
          if (list === undefined) keysByApp.set(key.app_id, [key]);
          else list.push(key);
        }
        return sql.apps.all().map((row) => toRecord(row, keysByApp.get(row.app_id) ?? []));
      });
    },

    createApp(options: CreateAppOptions) {
      const given = checkObject(options);
      const name = checkAppName(given.name);
      const appId = given.appId === undefined ? randomUUID() : checkAppId(given.appId);
      const settings = mergeSettings(DEFAULT_APP_SETTINGS, given.settings);
      const secret = randomBytes(GENERATED_SECRET_BYTES).toString('hex');
      const app = write(() => {
        insertApp(appId, name, settings);
        insertKey(appId, 'k1', { alg: 'HS256', secret });
        return loadApp(appId)!;
      });
      return { app, secret };
    },

    importApp(options: ImportAppOptions) {
      const given = checkObject(options);
      const appId = checkAppId(given.appId);
      const name = checkAppName(given.name);
      const material = keyMaterial(given, 'k1');
      const settings = mergeSettings(DEFAULT_APP_SETTINGS, given.settings);
      return write(() => {
        insertApp(appId, name, settings);
        insertKey(appId, 'k1', material);
        return loadApp(appId)!;
      });
    },

    rotateSecret(appId) {
      const secret = randomBytes(GENERATED_SECRET_BYTES).toString('hex');
      const key = write(() => {
        requireApp(appId);
        const kid = nextKid(appId);
        insertKey(appId, kid, { alg: 'HS256', secret });
        sql.bumpVersion.run(appId);
        return toKey(sql.key.get(appId, kid)!);
      });
      return { key, secret };
    },

    addKey(appId, options: AddKeyOptions) {
      const given = checkObject(options);
      const explicitKid = given.kid === undefined ? undefined : checkKid(given.kid);
      const material = keyMaterial(given, explicitKid ?? 'k1');
      return write(() => {
        requireApp(appId);
        const kid = explicitKid ?? nextKid(appId);
        insertKey(appId, kid, material);
        sql.bumpVersion.run(appId);
        return toKey(sql.key.get(appId, kid)!);
      });
    },

    retireKey(appId, kid) {
      return write(() => {
        requireApp(appId);
        const row = typeof kid === 'string' ? sql.key.get(appId, kid) : undefined;
        if (row === undefined) {
          checkKid(kid);
          throw new StagepassError('ERR_NOT_FOUND', 'the app has no key with this key ID');
        }
        if (row.status === 'retired') return toKey(row);
        if (sql.activeKeyCount.get(appId) === 1) {
          throw invalidOption('kid', 'this is the app\'s last active key; add or rotate in another key first (without one, no token of the app would verify)');
        }
        sql.retireKey.run(now(), appId, kid);
        sql.bumpVersion.run(appId);
        return toKey(sql.key.get(appId, kid)!);
      });
    },

    updateSettings(appId, settings) {
      return write(() => {
        const row = requireApp(appId);
        const current = toSettings(row);
        const next = mergeSettings(current, settings);
        if (!sameSettings(current, next)) sql.updateSettings.run({ ...row, ...settingsColumns(next) });
        return loadApp(row.app_id)!;
      });
    },

    deleteApp(appId) {
      if (typeof appId !== 'string') return false;
      issuedBeforeCache.delete(appId);
      return write(() => {
        const version = sql.version.get(appId);
        if (version === undefined) return false;
        sql.rememberDeleted.run(appId, version);
        sql.deleteApp.run(appId); // keys, revocations and used token IDs go with it (ON DELETE CASCADE)
        return true;
      });
    },

    revoke(appId, revocation: Revocation) {
      const seconds = nowSeconds();
      const checked = checkRevocation(revocation, seconds);
      write(() => {
        requireApp(appId);
        if (checked.kind === 'token') {
          sql.revokeToken.run(appId, checked.tokenId, checked.expireTime);
        } else {
          sql.revokeIssuedBefore.run(appId, checked.sessionId ?? '', checked.issuedBefore);
        }
        purgeRevocations();
        // The bump is how other processes (and the gateway's verifier cache) notice the change.
        sql.bumpVersion.run(appId);
      });
      issuedBeforeCache.delete(appId);
    },

    isRevoked(appId, sessionId, tokenId, issuedAt, appVersion) {
      if (appVersion !== undefined) {
        // The caller read the version a moment ago (admission: in the same synchronous step): answer
        // from memory, and query the token only when the app has token revocations at all.
        const cached = issuedBeforeCache.get(appId);
        const entry = cached?.version === appVersion ? cached : loadIssuedBefore(appId, appVersion);
        if (entry.tokens && sql.tokenRevoked.get(appId, tokenId) !== undefined) return true;
        if (entry.app !== undefined && issuedAt < entry.app) return true;
        const session = entry.sessions.get(sessionId);
        return session !== undefined && issuedAt < session;
      }
      // One indexed lookup: the app's version and whether this token ID is revoked. Issued-before
      // rows come from memory while the version is unchanged; every revoke, from this process or
      // another one sharing the file, bumps the version, so a stale cache is never used.
      const probe = sql.revocationProbe.get(tokenId, appId);
      if (probe === undefined) return false; // unknown app: admission refuses it with ERR_APP_UNKNOWN
      if (probe.revoked === 1) return true;
      const cached = issuedBeforeCache.get(appId);
      const entry = cached?.version === probe.version ? cached : loadIssuedBefore(appId, probe.version);
      if (entry.app !== undefined && issuedAt < entry.app) return true;
      const session = entry.sessions.get(sessionId);
      return session !== undefined && issuedAt < session;
    },

    claim(appId, tokenId, expireTime) {
      checkTokenId(tokenId, 'tokenId', MAX_CLAIM_ID_LENGTH);
      checkUnixSeconds(expireTime, 'expireTime');
      if (++claimsSincePurge >= PURGE_EVERY_CLAIMS) {
        claimsSincePurge = 0;
        sql.purgeUsedTokens.run(nowSeconds() - EXPIRY_GRACE_SECONDS);
      }
      try {
        // Atomic in SQLite: of two claims of one ID, from any process, exactly one inserts.
        return sql.claim.run(appId, tokenId, expireTime).changes === 1;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw notFound();
        throw err;
      }
    },

    close() {
      if (db.open) db.close();
      issuedBeforeCache.clear();
    },
  };
}
