/**
 * The replay guard of the PostgreSQL registry: single-use token IDs, remembered until they expire.
 * A claim is one `INSERT … ON CONFLICT DO NOTHING` on the primary key: of two claims of one ID, from
 * any gateway, at any instant, PostgreSQL lets exactly one insert (the other waits on the first's row
 * lock, then does nothing).
 */
import type { ReplayGuard } from './app-registry.js';
import { MAX_CLAIM_ID_LENGTH, checkTokenId, checkUnixSeconds } from './app-validation.js';
import { EXPIRY_GRACE_SECONDS } from './expiry-grace.js';
import { asUnavailable, type PostgresStore } from './postgres-store.js';
import { unknownApp } from './sqlite-store.js';

/** Used token IDs are purged of expired ones once every this many claims (per process). */
const PURGE_EVERY_CLAIMS = 1000;
/** SQLSTATE foreign_key_violation: the app is not (or no longer) in the registry. */
const FOREIGN_KEY_VIOLATION = '23503';

export interface PostgresReplayGuard extends ReplayGuard {
  /** Deletes the IDs whose tokens can no longer be admitted. */
  purge(): Promise<void>;
}

export function createPostgresReplayGuard(store: PostgresStore): PostgresReplayGuard {
  let claimsSincePurge = 0;

  async function purge(): Promise<void> {
    await store.query('DELETE FROM used_tokens WHERE expire_time < $1', [store.nowSeconds() - EXPIRY_GRACE_SECONDS]);
  }

  return {
    async claim(appId, tokenId, expireTime) {
      checkTokenId(tokenId, 'tokenId', MAX_CLAIM_ID_LENGTH);
      checkUnixSeconds(expireTime, 'expireTime');
      if (typeof appId !== 'string') throw unknownApp(appId);
      if (++claimsSincePurge >= PURGE_EVERY_CLAIMS) {
        claimsSincePurge = 0;
        await purge();
      }
      try {
        const inserted = await store.pool.query(
          `INSERT INTO used_tokens (app_id, token_id, expire_time) VALUES ($1, $2, $3)
           ON CONFLICT (app_id, token_id) DO NOTHING`,
          [appId, tokenId, expireTime],
        );
        return inserted.rowCount === 1;
      } catch (err) {
        if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw unknownApp(appId);
        throw asUnavailable(err, store.where);
      }
    },
    purge,
  };
}
