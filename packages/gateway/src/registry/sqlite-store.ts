import type { Database } from 'better-sqlite3';
import { StagepassError, invalidOption } from '@stagepass/protocol';
import { createVersionMemo, type VersionMemo } from './version-memo.js';

/** What the parts of the SQLite registry (apps, revocations, replay guard) share: one database, one clock. */
export interface SqliteStore {
  readonly db: Database;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** UNIX seconds. */
  nowSeconds(): number;
  /** App versions, read once per event-loop turn (see {@link VersionMemo}). */
  readonly versions: VersionMemo;
  /**
   * Runs `fn` in one IMMEDIATE transaction: it takes the write lock before reading, so two processes
   * on one file serialise instead of failing with SQLITE_BUSY mid-transaction. Then the version memo
   * is cleared, so this process sees its own change at once.
   */
  write<T>(fn: () => T): T;
  /** Runs `fn` in one read transaction (one snapshot). */
  read<T>(fn: () => T): T;
}

export function createSqliteStore(db: Database, now: () => number): SqliteStore {
  const version = db.prepare<[string], number>('SELECT version FROM apps WHERE app_id = ?').pluck();
  const versions = createVersionMemo((appId) => version.get(appId));
  return {
    db,
    now,
    nowSeconds: () => Math.floor(now() / 1000),
    versions,
    write(fn) {
      try {
        return db.transaction(fn).immediate();
      } finally {
        versions.clear();
      }
    },
    read: (fn) => db.transaction(fn).deferred(),
  };
}

/** The refusal for an App ID the registry does not hold (ERR_NOT_FOUND), or for one that is not a string. */
export function unknownApp(appId: unknown): StagepassError {
  if (typeof appId !== 'string') return invalidOption('appId', 'must be a string');
  // The ID is not echoed: a secret pasted where an App ID belongs must not end up in a log.
  return new StagepassError('ERR_NOT_FOUND', 'no app with this App ID');
}
