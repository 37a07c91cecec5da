/**
 * Revocations in the SQLite registry: tokens by ID, and every token of an app or a session issued
 * before a time. Every revoke bumps the app's version, which is how other processes (and each
 * process's caches) notice; the issued-before rows are kept in memory per app, keyed by that version.
 */
import type { Database } from 'better-sqlite3';
import { limits } from '@stagepass/token';
import type { AppRegistry, Revocation } from './app-registry.js';
import { checkRevocation } from './app-validation.js';
import { EXPIRY_GRACE_SECONDS } from './expiry-grace.js';
import { unknownApp, type SqliteStore } from './sqlite-store.js';

/** The revocation half of {@link AppRegistry}, with the housekeeping the registry calls. */
export interface SqliteRevocations extends Pick<AppRegistry, 'revoke' | 'isRevoked'> {
  /** Deletes revocations that can no longer refuse any token (inside the caller's write). */
  purge(): void;
  /** Drops the app's in-memory rows (a deleted app). */
  forget(appId: string): void;
  /** Drops every app's in-memory rows (close). */
  clear(): void;
}

/** One app's issued-before revocations, as of one version of the app. */
interface IssuedBefore {
  readonly version: number;
  /** Whether the app had any token-ID revocation at this version (purges may make it stale-true, never stale-false). */
  readonly tokens: boolean;
  /** Tokens of every session issued before this (UNIX seconds) are revoked. */
  readonly app: number | undefined;
  readonly sessions: ReadonlyMap<string, number>;
}

function prepare(db: Database) {
  return {
    exists: db.prepare<[string], number>('SELECT 1 FROM apps WHERE app_id = ?').pluck(),
    bumpVersion: db.prepare<[string]>('UPDATE apps SET version = version + 1 WHERE app_id = ?'),
    revokeToken: db.prepare<
      [string, string, number]
    >(`INSERT INTO token_revocations (app_id, token_id, expire_time) VALUES (?, ?, ?)
      ON CONFLICT (app_id, token_id) DO UPDATE SET expire_time = max(expire_time, excluded.expire_time)`),
    revokeIssuedBefore: db.prepare<
      [string, string, number]
    >(`INSERT INTO issued_before_revocations (app_id, session_id, issued_before)
      VALUES (?, ?, ?) ON CONFLICT (app_id, session_id) DO UPDATE SET issued_before = max(issued_before, excluded.issued_before)`),
    purgeTokenRevocations: db.prepare<[number]>('DELETE FROM token_revocations WHERE expire_time < ?'),
    // No token issued before (now − 30 days − tolerance) can still be valid: its row is moot.
    purgeIssuedBefore: db.prepare<[number]>('DELETE FROM issued_before_revocations WHERE issued_before < ?'),
    // One statement, so the version and the token lookup come from the same snapshot.
    revocationProbe: db.prepare<[string, string], { version: number; revoked: number }>(`SELECT version,
      EXISTS (SELECT 1 FROM token_revocations WHERE app_id = apps.app_id AND token_id = ?) AS revoked
      FROM apps WHERE app_id = ?`),
    anyTokenRevocation: db.prepare<[string], { any: number }>(
      'SELECT EXISTS (SELECT 1 FROM token_revocations WHERE app_id = ?) AS any',
    ),
    tokenRevoked: db.prepare<[string, string], { revoked: number }>(
      'SELECT 1 AS revoked FROM token_revocations WHERE app_id = ? AND token_id = ?',
    ),
    issuedBefore: db.prepare<[string], { session_id: string; issued_before: number }>(
      'SELECT session_id, issued_before FROM issued_before_revocations WHERE app_id = ?',
    ),
  };
}

function revokesIssuedAt(entry: IssuedBefore, sessionId: string, issuedAt: number): boolean {
  if (entry.app !== undefined && issuedAt < entry.app) return true;
  const session = entry.sessions.get(sessionId);
  return session !== undefined && issuedAt < session;
}

export function createSqliteRevocations(store: SqliteStore): SqliteRevocations {
  const sql = prepare(store.db);
  /** Issued-before revocations per app, keyed by the app's version, which every revoke bumps. */
  const cache = new Map<string, IssuedBefore>();

  /** The app's issued-before rows as of `version`: from memory while the version is unchanged. */
  function issuedBeforeAt(appId: string, version: number): IssuedBefore {
    const cached = cache.get(appId);
    if (cached?.version === version) return cached;
    let app: number | undefined;
    const sessions = new Map<string, number>();
    for (const row of sql.issuedBefore.all(appId)) {
      if (row.session_id === '') app = row.issued_before;
      else sessions.set(row.session_id, row.issued_before);
    }
    const tokens = sql.anyTokenRevocation.get(appId)?.any === 1;
    const entry = { version, tokens, app, sessions };
    cache.set(appId, entry);
    return entry;
  }

  function revoked(appId: string, sessionId: string, tokenId: string, issuedAt: number): boolean {
    const held = store.versions.held(appId);
    if (held !== undefined) {
      // The app's version was read in this turn (admission: a moment ago, for its verifier): answer
      // from memory, and query the token only when the app has token revocations at all.
      const entry = issuedBeforeAt(appId, held);
      if (entry.tokens && sql.tokenRevoked.get(appId, tokenId) !== undefined) return true;
      return revokesIssuedAt(entry, sessionId, issuedAt);
    }
    // One indexed lookup: the app's version and whether this token ID is revoked. Issued-before
    // rows come from memory while the version is unchanged; every revoke, from this process or
    // another one sharing the file, bumps the version, so a stale cache is never used.
    const probe = sql.revocationProbe.get(tokenId, appId);
    if (probe === undefined) return false; // unknown app: admission refuses it with ERR_APP_UNKNOWN
    if (probe.revoked === 1) return true;
    return revokesIssuedAt(issuedBeforeAt(appId, probe.version), sessionId, issuedAt);
  }

  function purge(): void {
    const seconds = store.nowSeconds();
    sql.purgeTokenRevocations.run(seconds - EXPIRY_GRACE_SECONDS);
    sql.purgeIssuedBefore.run(seconds - limits.MAX_LIFETIME_SECONDS - EXPIRY_GRACE_SECONDS);
  }

  return {
    revoke(appId, revocation: Revocation) {
      const checked = checkRevocation(revocation, store.nowSeconds());
      store.write(() => {
        if (typeof appId !== 'string' || sql.exists.get(appId) === undefined) throw unknownApp(appId);
        if (checked.kind === 'token') {
          sql.revokeToken.run(appId, checked.tokenId, checked.expireTime);
        } else {
          sql.revokeIssuedBefore.run(appId, checked.sessionId ?? '', checked.issuedBefore);
        }
        purge();
        // The bump is how other processes (and the gateway's verifier cache) notice the change.
        sql.bumpVersion.run(appId);
      });
      cache.delete(appId);
    },
    isRevoked: async (appId, sessionId, tokenId, issuedAt) => revoked(appId, sessionId, tokenId, issuedAt),
    purge,
    forget: (appId) => {
      cache.delete(appId);
    },
    clear: () => cache.clear(),
  };
}
