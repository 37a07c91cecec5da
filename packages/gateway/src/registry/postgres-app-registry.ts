/**
 * The networked app registry: apps, keys, settings, revocations and single-use token IDs in one
 * PostgreSQL database that every gateway of a cluster (and the CLI) shares. Its parts: the schema and
 * migrations (postgres-schema.ts), apps and keys (postgres-apps.ts), the local cache the admission path
 * reads (postgres-app-cache.ts), revocations (postgres-revocations.ts), the replay guard
 * (postgres-replay-guard.ts) and the change feed, LISTEN/NOTIFY with a poll behind it
 * (postgres-change-feed.ts). The client is `pg` (node-postgres).
 */
import pg from 'pg';
import { invalidOption } from '@stagepass/protocol';
import type { AppRegistry, ReplayGuard } from './app-registry.js';
import { startChangeFeed, type ChangeFeed } from './postgres-change-feed.js';
import { createPostgresAppCache } from './postgres-app-cache.js';
import { createPostgresApps, type PostgresApps } from './postgres-apps.js';
import { createPostgresReplayGuard } from './postgres-replay-guard.js';
import { createPostgresRevocations, type PostgresRevocations } from './postgres-revocations.js';
import { migratePostgres } from './postgres-schema.js';
import { asUnavailable, createPostgresStore, type PostgresStore } from './postgres-store.js';
import {
  MISSING_MASTER_KEY,
  WRONG_MASTER_KEY,
  createSecretSealer,
  masterKeyError,
  type SecretSealer,
} from './secret-sealing.js';

export interface PostgresAppRegistryOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`); libpq's query parameters such as `sslmode` apply. */
  readonly url: string;
  /** As for the SQLite registry: HS256 secrets are then stored encrypted (AES-256-GCM), checked at open. */
  readonly masterKey?: Uint8Array;
  /** The clock, milliseconds since the epoch (tests move it). Default `Date.now`. */
  readonly now?: () => number;
  /** How often every app's version is polled, behind LISTEN/NOTIFY. Default 500 ms (10–60000). */
  readonly pollIntervalMs?: number;
  /** How long to wait for a connection to the server before failing. Default 3000 ms (100–60000). */
  readonly connectTimeoutMs?: number;
  /** How long one query may take before it fails (statement_timeout, and the client's own limit). Default 3000 ms (100–600000). */
  readonly queryTimeoutMs?: number;
  /** Most connections this process opens (the pool), besides the one that LISTENs. Default 10 (1–100). */
  readonly poolSize?: number;
}

/** The PostgreSQL registry: app management answers with Promises; `close` resolves when the connections are closed. */
export type PostgresAppRegistry = Omit<AppRegistry, keyof PostgresApps | 'revoke' | 'close'> &
  ReplayGuard &
  PostgresApps &
  Pick<PostgresRevocations, 'revoke'> & { close(): Promise<void> };

const LIMITS = {
  pollIntervalMs: { min: 10, max: 60_000, default: 500 },
  connectTimeoutMs: { min: 100, max: 60_000, default: 3000 },
  queryTimeoutMs: { min: 100, max: 600_000, default: 3000 },
  poolSize: { min: 1, max: 100, default: 10 },
} as const;

type Checked = Required<Omit<PostgresAppRegistryOptions, 'masterKey'>>;

function checkOptions(options: PostgresAppRegistryOptions): Checked {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object with url');
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\/./.test(options.url))
    throw invalidOption('url', 'must be a postgres:// (or postgresql://) URL');
  if (options.now !== undefined && typeof options.now !== 'function')
    throw invalidOption('now', 'must be a function returning milliseconds');
  const numbers = {} as Record<keyof typeof LIMITS, number>;
  for (const [name, limit] of Object.entries(LIMITS) as [keyof typeof LIMITS, (typeof LIMITS)[keyof typeof LIMITS]][]) {
    const value = options[name] ?? limit.default;
    if (!Number.isInteger(value) || value < limit.min || value > limit.max)
      throw invalidOption(name, `must be a whole number from ${limit.min} to ${limit.max}`);
    numbers[name] = value;
  }
  return { url: options.url, now: options.now ?? Date.now, ...numbers };
}

/** As the SQLite store does: refuse a key-less open of encrypted secrets, or the wrong key; with a key, encrypt any plaintext secret. */
async function checkMasterKey(client: pg.PoolClient, sealer: SecretSealer): Promise<void> {
  const stored = (await client.query<{ value: string }>("SELECT value FROM meta WHERE name = 'master_key_check'"))
    .rows[0]?.value;
  if (!sealer.encrypts) {
    const sealed = await client.query("SELECT 1 FROM app_keys WHERE secret LIKE 'enc:%' LIMIT 1");
    if (stored !== undefined || sealed.rowCount !== 0) throw masterKeyError(MISSING_MASTER_KEY);
    return;
  }
  if (stored === undefined)
    await client.query("INSERT INTO meta (name, value) VALUES ('master_key_check', $1)", [sealer.keyCheck!]);
  else if (!sealer.matchesKeyCheck(stored)) throw masterKeyError(WRONG_MASTER_KEY);
  const plain = await client.query<{ app_id: string; kid: string; secret: string }>(
    "SELECT app_id, kid, secret FROM app_keys WHERE secret LIKE 'plain:%' FOR UPDATE",
  );
  for (const row of plain.rows) {
    const sealed = sealer.seal(row.app_id, row.kid, sealer.open(row.app_id, row.kid, row.secret));
    await client.query('UPDATE app_keys SET secret = $1 WHERE app_id = $2 AND kid = $3', [sealed, row.app_id, row.kid]);
  }
}

function openPool(o: Checked): { pool: pg.Pool; connection: pg.ClientConfig } {
  const connection: pg.ClientConfig = {
    connectionString: o.url,
    connectionTimeoutMillis: o.connectTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    statement_timeout: o.queryTimeoutMs,
    application_name: 'stagepass',
  };
  const pool = new pg.Pool({ ...connection, max: o.poolSize });
  // An idle connection the server closes (a restart) is dropped by the pool; without a listener, Node would crash.
  pool.on('error', () => undefined);
  return { pool, connection };
}

/**
 * Connects to PostgreSQL, runs the migrations (one transaction, see postgres-schema.ts), checks the
 * master key, loads every app into memory and starts the change feed. Rejects with
 * ERR_DATABASE_UNAVAILABLE when the server cannot be reached or used (the message names host, port and
 * database, never the password), ERR_INVALID_OPTION for bad options or a wrong master key.
 *
 * @example
 * ```ts
 * const registry = await createPostgresAppRegistry({ url: process.env.STAGEPASS_DATABASE_URL!, masterKey });
 * const { app, secret } = await registry.createApp({ name: 'Demo' });
 * await registry.close();
 * ```
 */
export async function createPostgresAppRegistry(options: PostgresAppRegistryOptions): Promise<PostgresAppRegistry> {
  const o = checkOptions(options);
  const sealer = createSecretSealer(options.masterKey);
  const { pool, connection } = openPool(o);
  const store = createPostgresStore(pool, o.url, o.now);
  let feed: ChangeFeed | undefined;
  try {
    await store.transaction(async (client) => {
      await migratePostgres(client);
      await checkMasterKey(client, sealer);
    });
    const registry = assemble(store, sealer);
    await registry.purge();
    // LISTEN first, then load: a change committed in between is both loaded and announced, never lost.
    feed = await startChangeFeed({ store, cache: registry.cache, connection, pollIntervalMs: o.pollIntervalMs });
    await registry.cache.reload();
    const started = feed;
    let closing: Promise<void> | undefined;
    return {
      ...registry.api,
      fileProblem: () => started.problem(),
      close() {
        closing ??= (async () => {
          registry.revocations.clear();
          await started.close();
          await pool.end();
        })();
        return closing;
      },
    };
  } catch (err) {
    await feed?.close();
    await pool.end().catch(() => undefined);
    throw asUnavailable(err, store.where);
  }
}

function assemble(store: PostgresStore, sealer: SecretSealer) {
  const cache = createPostgresAppCache(store, sealer);
  const apps = createPostgresApps(store, cache, sealer);
  const revocations = createPostgresRevocations(store, cache);
  const replay = createPostgresReplayGuard(store);
  const api: Omit<PostgresAppRegistry, 'close' | 'fileProblem'> = {
    ...apps,
    getApp: (appId) => (typeof appId === 'string' ? cache.get(appId) : undefined),
    getAppVersion: (appId) => (typeof appId === 'string' ? cache.get(appId)?.version : undefined),
    listApps: () => cache.list(),
    revoke: revocations.revoke,
    isRevoked: revocations.isRevoked,
    claim: replay.claim,
  };
  return {
    api,
    cache,
    revocations,
    purge: async () => {
      await revocations.purge();
      await replay.purge();
    },
  };
}
