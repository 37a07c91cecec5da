/**
 * Opens the registry's SQLite file, ready for use: created with owner-only modes, in WAL mode with
 * `synchronous = FULL`, migrated, and its master-key state checked.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every committed transaction has been
 * fsync'ed to the WAL before the call returns; a killed process (or a power cut) loses nothing
 * committed. (NORMAL would only fsync at checkpoints: safe against a killed process, not against
 * a power cut. Writes here are rare admin operations and single-use claims, so FULL costs little.)
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { invalidOption } from '@stagepass/protocol';
import { MISSING_MASTER_KEY, WRONG_MASTER_KEY, masterKeyError, type SecretSealer } from './secret-sealing.js';
import { migrate } from './sqlite-schema.js';

/** How long SQLite waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;
const KEY_CHECK = 'master_key_check';

function openFile(path: string): Database.Database {
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
    if (stored === undefined)
      db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run(KEY_CHECK, sealer.keyCheck!);
    else if (!sealer.matchesKeyCheck(stored)) throw masterKeyError(WRONG_MASTER_KEY);
    // Also catches secrets a keyless process wrote while it still had the file open.
    const plain = db
      .prepare<[], { app_id: string; kid: string; secret: string }>(
        "SELECT app_id, kid, secret FROM app_keys WHERE secret LIKE 'plain:%'",
      )
      .all();
    const update = db.prepare('UPDATE app_keys SET secret = ? WHERE app_id = ? AND kid = ?');
    for (const row of plain)
      update.run(sealer.seal(row.app_id, row.kid, sealer.open(row.app_id, row.kid, row.secret)), row.app_id, row.kid);
  }).immediate();
}

/** The database at `path` (or `':memory:'`), or ERR_INVALID_OPTION (option `path` or `masterKey`); closed again on failure. */
export function openSqliteDatabase(path: string, sealer: SecretSealer): Database.Database {
  const db = openFile(path);
  try {
    configure(db, path);
    migrate(db);
    checkMasterKey(db, sealer);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
