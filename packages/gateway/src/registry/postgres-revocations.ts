/**
 * Revocations in the PostgreSQL registry. Every revoke bumps the app's version and NOTIFYs, so every
 * gateway's cache moves to the new version; the issued-before rows are kept in memory per app, keyed
 * by that version, and token-ID revocations are looked up (one indexed query) only for apps that have
 * any, as in the SQLite store.
 */
import { limits } from '@stagepass/token';
import type { Revocation } from './app-registry.js';
import { checkRevocation } from './app-validation.js';
import { EXPIRY_GRACE_SECONDS } from './expiry-grace.js';
import { notifyChange } from './postgres-apps.js';
import type { PostgresAppCache } from './postgres-app-cache.js';
import type { PostgresStore } from './postgres-store.js';
import { unknownApp } from './sqlite-store.js';

export interface PostgresRevocations {
  revoke(appId: string, revocation: Revocation): Promise<void>;
  isRevoked(appId: string, sessionId: string, tokenId: string, issuedAt: number): Promise<boolean>;
  /** Deletes revocations that can no longer refuse any token. */
  purge(): Promise<void>;
  /** Drops every app's in-memory rows (close). */
  clear(): void;
}

/** One app's issued-before revocations, as of one version of the app. */
interface IssuedBefore {
  readonly version: number;
  /** Whether the app had any token-ID revocation at this version. */
  readonly tokens: boolean;
  readonly app: number | undefined;
  readonly sessions: ReadonlyMap<string, number>;
}

function revokesIssuedAt(entry: IssuedBefore, sessionId: string, issuedAt: number): boolean {
  if (entry.app !== undefined && issuedAt < entry.app) return true;
  const session = entry.sessions.get(sessionId);
  return session !== undefined && issuedAt < session;
}

export function createPostgresRevocations(store: PostgresStore, cache: PostgresAppCache): PostgresRevocations {
  /** Per app: the issued-before rows as of a version (a promise, so concurrent admissions share one read). */
  const entries = new Map<string, Promise<IssuedBefore>>();

  async function read(appId: string, version: number): Promise<IssuedBefore> {
    const { rows } = await store.query<{ session_id: string; issued_before: string; tokens: boolean }>(
      `SELECT session_id, issued_before, EXISTS (SELECT 1 FROM token_revocations WHERE app_id = $1) AS tokens
       FROM issued_before_revocations WHERE app_id = $1
       UNION ALL SELECT NULL, NULL, EXISTS (SELECT 1 FROM token_revocations WHERE app_id = $1)`,
      [appId],
    );
    let app: number | undefined;
    const sessions = new Map<string, number>();
    let tokens = false;
    for (const row of rows) {
      tokens ||= row.tokens;
      if (row.session_id === null) continue;
      if (row.session_id === '') app = Number(row.issued_before);
      else sessions.set(row.session_id, Number(row.issued_before));
    }
    return { version, tokens, app, sessions };
  }

  async function issuedBeforeAt(appId: string, version: number): Promise<IssuedBefore> {
    const cached = entries.get(appId);
    if (cached !== undefined) {
      const entry = await cached.catch(() => undefined);
      if (entry?.version === version) return entry;
    }
    const reading = read(appId, version);
    entries.set(appId, reading);
    reading.catch(() => {
      if (entries.get(appId) === reading) entries.delete(appId);
    });
    return reading;
  }

  async function purge(): Promise<void> {
    const seconds = store.nowSeconds();
    await store.query('DELETE FROM token_revocations WHERE expire_time < $1', [seconds - EXPIRY_GRACE_SECONDS]);
    // No token issued before (now − 30 days − tolerance) can still be valid: its row is moot.
    await store.query('DELETE FROM issued_before_revocations WHERE issued_before < $1', [
      seconds - limits.MAX_LIFETIME_SECONDS - EXPIRY_GRACE_SECONDS,
    ]);
  }

  return {
    async revoke(appId, revocation) {
      const checked = checkRevocation(revocation, store.nowSeconds());
      if (typeof appId !== 'string') throw unknownApp(appId);
      await store.transaction(async (client) => {
        const exists = await client.query('SELECT 1 FROM apps WHERE app_id = $1 FOR UPDATE', [appId]);
        if (exists.rowCount === 0) throw unknownApp(appId);
        if (checked.kind === 'token') {
          await client.query(
            `INSERT INTO token_revocations (app_id, token_id, expire_time) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, token_id) DO UPDATE SET expire_time = greatest(token_revocations.expire_time, excluded.expire_time)`,
            [appId, checked.tokenId, checked.expireTime],
          );
        } else {
          await client.query(
            `INSERT INTO issued_before_revocations (app_id, session_id, issued_before) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, session_id) DO UPDATE
             SET issued_before = greatest(issued_before_revocations.issued_before, excluded.issued_before)`,
            [appId, checked.sessionId ?? '', checked.issuedBefore],
          );
        }
        // The bump is how every gateway (and each one's verifier cache) notices the change.
        await client.query('UPDATE apps SET version = version + 1 WHERE app_id = $1', [appId]);
        await notifyChange(client, appId);
      });
      entries.delete(appId);
      await purge();
      await cache.refresh(appId);
    },
    async isRevoked(appId, sessionId, tokenId, issuedAt) {
      const app = typeof appId === 'string' ? cache.get(appId) : undefined;
      if (app === undefined) return false; // unknown app: admission refuses it with ERR_APP_UNKNOWN
      const entry = await issuedBeforeAt(appId, app.version);
      if (entry.tokens) {
        const token = await store.query('SELECT 1 FROM token_revocations WHERE app_id = $1 AND token_id = $2', [
          appId,
          tokenId,
        ]);
        if (token.rowCount !== 0) return true;
      }
      return revokesIssuedAt(entry, sessionId, issuedAt);
    },
    purge,
    clear: () => entries.clear(),
  };
}
