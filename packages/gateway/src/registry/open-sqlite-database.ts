/**
 * Opens the registry's SQLite file, ready for use: created with owner-only modes, in WAL mode with
 * `synchronous = FULL`, migrated, and its master-key state checked.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every committed transaction has been
 * fsync'ed to the WAL before the call returns; a killed process (or a power cut) loses nothing
 * committed. (NORMAL would only fsync at checkpoints: safe against a killed process, not against
 * a power cut. Writes here are rare admin operations and single-use claims, so FULL costs little.)
 */
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StagepassError } from '@stagepass/protocol';
import { MISSING_MASTER_KEY, WRONG_MASTER_KEY, masterKeyError, type SecretSealer } from './secret-sealing.js';
import { migrate } from './sqlite-schema.js';

/** How long SQLite waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;
const KEY_CHECK = 'master_key_check';

/**
 * The file cannot be used (the environment, not the caller's options): ERR_DATABASE_UNAVAILABLE with the
 * system's `reason` (ENOENT, EACCES, SQLITE_NOTADB…). The path is not echoed (a secret pasted there by
 * mistake must not end up in a log); the CLI, which knows what was typed, adds it.
 */
export function databaseUnavailable(problem: string, reason: string, cause?: unknown): StagepassError {
  return new StagepassError('ERR_DATABASE_UNAVAILABLE', problem, { details: { reason }, cause });
}

function refuseEmptyFile(path: string, initializeEmpty: boolean): void {
  if (path === ':memory:' || initializeEmpty) return;
  const stat = statSync(path, { throwIfNoEntry: false });
  // A zero-length file is what a failed copy or restore leaves: taking it as a new registry would lose every app.
  if (stat?.isFile() === true && stat.size === 0)
    throw databaseUnavailable(
      'the database file is empty (0 bytes), as a failed copy or restore leaves it (initializeEmpty takes it as a new registry)',
      'EMPTY',
    );
}

function openFile(path: string, initializeEmpty: boolean): Database.Database {
  try {
    refuseEmptyFile(path, initializeEmpty);
    if (path !== ':memory:') {
      mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600)); // SQLite gives the -wal and -shm files the same mode
    }
    return new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof StagepassError) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : 'unknown error');
    throw databaseUnavailable(`cannot open or create the database (${reason})`, reason, err);
  }
}

function configure(db: Database.Database, path: string): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (path !== ':memory:' && mode !== 'wal') {
    throw databaseUnavailable(
      `the database cannot use WAL mode here (got ${String(mode)}); use a local file system`,
      'NO_WAL',
    );
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/**
 * Fails at open, before any secret is read, when this process cannot read the secrets: encrypted
 * ones without a key, or a key other than theirs. With a key, any plaintext secret is encrypted
 * there and then (in one transaction) and the key check is recorded. Returns how many it encrypted.
 */
function checkMasterKey(db: Database.Database, sealer: SecretSealer): number {
  return db
    .transaction((): number => {
      const stored = db.prepare<[string], string>('SELECT value FROM meta WHERE name = ?').pluck().get(KEY_CHECK);
      if (!sealer.encrypts) {
        const sealed = db.prepare<[], number>("SELECT 1 FROM app_keys WHERE secret LIKE 'enc:%' LIMIT 1").pluck().get();
        if (stored !== undefined || sealed !== undefined) throw masterKeyError(MISSING_MASTER_KEY);
        return 0;
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
      return plain.length;
    })
    .immediate();
}

/** SQLite's own refusals of a file (not a database, corrupt, read-only, I/O): the environment's fault. */
function asUnavailable(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(NOTADB|CORRUPT|READONLY|CANTOPEN|IOERR|PERM|FULL)/.test(code)) return err;
  const what =
    code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')
      ? 'is not a usable database'
      : 'cannot be read and written';
  return databaseUnavailable(`the database file ${what} (${code})`, code, err);
}

/**
 * The database at `path` (or `':memory:'`), closed again on failure; ERR_DATABASE_UNAVAILABLE when the file
 * cannot be used (or is empty, unless `initializeEmpty`), ERR_INVALID_OPTION (option `path` or `masterKey`) else.
 * `onSecretsEncrypted` hears how many plaintext secrets the master key encrypted at this open (when any).
 */
export function openSqliteDatabase(
  path: string,
  sealer: SecretSealer,
  initializeEmpty = false,
  onSecretsEncrypted?: (count: number) => void,
): Database.Database {
  const db = openFile(path, initializeEmpty);
  try {
    configure(db, path);
    migrate(db);
    const encrypted = checkMasterKey(db, sealer);
    if (encrypted > 0) onSecretsEncrypted?.(encrypted);
    return db;
  } catch (err) {
    db.close();
    throw asUnavailable(err);
  }
}
