/** The replay guard of the SQLite registry: single-use token IDs, remembered until they expire. */
import type { ReplayGuard } from './app-registry.js';
import { MAX_CLAIM_ID_LENGTH, checkTokenId, checkUnixSeconds } from './app-validation.js';
import { EXPIRY_GRACE_SECONDS } from './expiry-grace.js';
import { unknownApp, type SqliteStore } from './sqlite-store.js';

/** Used token IDs are purged of expired ones once every this many claims. */
const PURGE_EVERY_CLAIMS = 1000;

export interface SqliteReplayGuard extends ReplayGuard {
  /** Deletes the IDs whose tokens can no longer be admitted. */
  purge(): void;
}

export function createSqliteReplayGuard(store: SqliteStore): SqliteReplayGuard {
  const claim = store.db.prepare<[string, string, number]>(
    'INSERT INTO used_tokens (app_id, token_id, expire_time) VALUES (?, ?, ?) ON CONFLICT (app_id, token_id) DO NOTHING',
  );
  const purgeUsedTokens = store.db.prepare<[number]>('DELETE FROM used_tokens WHERE expire_time < ?');
  let claimsSincePurge = 0;

  function purge(): void {
    purgeUsedTokens.run(store.nowSeconds() - EXPIRY_GRACE_SECONDS);
  }

  return {
    async claim(appId, tokenId, expireTime) {
      checkTokenId(tokenId, 'tokenId', MAX_CLAIM_ID_LENGTH);
      checkUnixSeconds(expireTime, 'expireTime');
      if (++claimsSincePurge >= PURGE_EVERY_CLAIMS) {
        claimsSincePurge = 0;
        purge();
      }
      try {
        // Atomic in SQLite: of two claims of one ID, from any process, exactly one inserts.
        return claim.run(appId, tokenId, expireTime).changes === 1;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw unknownApp(appId);
        throw err;
      }
    },
    purge,
  };
}
