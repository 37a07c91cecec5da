/**
 * The registry's PostgreSQL schema and its migrations. Applied versions are rows of
 * `stagepass_schema_migrations`; on every start, all of it runs in one transaction under a
 * transaction-scoped advisory lock, so gateways starting together on a new database migrate it once
 * (the others wait, then find nothing to do), and a failure mid-way leaves the old version intact.
 *
 * To change the schema: append a migration, never edit a shipped one.
 */
import type { ClientBase } from 'pg';
import { invalidOption } from '@stagepass/protocol';

/** The advisory lock every Stagepass migration takes (an arbitrary constant: "STGPAS" in ASCII). */
export const MIGRATION_LOCK_ID = 0x53_54_47_50_41_53;

const MIGRATIONS: readonly string[] = [
  // 0 → 1
  `
  CREATE TABLE apps (
    app_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,                        -- milliseconds since the epoch
    version BIGINT NOT NULL,                           -- +1 on every change of the app (keys, settings, revocations)
    legacy_t1 BOOLEAN NOT NULL,
    single_use_tokens BOOLEAN NOT NULL,
    eject_at_expiry BOOLEAN NOT NULL,
    allowed_origins TEXT[] NOT NULL,                   -- exact origins; {} = any
    max_connections_per_session INTEGER                -- NULL = the gateway's default
  );

  CREATE TABLE app_keys (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    seq BIGSERIAL NOT NULL,                            -- insertion order, for a stable key order
    alg TEXT NOT NULL CHECK (alg IN ('HS256', 'EdDSA', 'ES256', 'RS256')),
    secret TEXT,                                       -- HS256 only: 'plain:…' or 'enc:v1:…'
    public_key_pem TEXT,                               -- the others: SPKI PEM
    status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    PRIMARY KEY (app_id, kid),
    CHECK ((alg = 'HS256') = (secret IS NOT NULL) AND (secret IS NULL) = (public_key_pem IS NOT NULL))
  );

  -- The last version of each deleted app, so that an app created again under the same ID goes on
  -- counting and no cache mistakes it for the old one.
  CREATE TABLE deleted_apps (
    app_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
  );

  CREATE TABLE token_revocations (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    token_id TEXT NOT NULL,
    expire_time BIGINT NOT NULL,                       -- UNIX seconds
    PRIMARY KEY (app_id, token_id)
  );
  CREATE INDEX token_revocations_by_expiry ON token_revocations (expire_time);

  CREATE TABLE issued_before_revocations (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,                          -- '' = every session of the app
    issued_before BIGINT NOT NULL,                     -- UNIX seconds
    PRIMARY KEY (app_id, session_id)
  );

  CREATE TABLE used_tokens (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    token_id TEXT NOT NULL,
    expire_time BIGINT NOT NULL,                       -- UNIX seconds
    PRIMARY KEY (app_id, token_id)
  );
  CREATE INDEX used_tokens_by_expiry ON used_tokens (expire_time);

  CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 1 → 2
  `
  ALTER TABLE apps ADD COLUMN media_mode TEXT NOT NULL DEFAULT 'relayed' CHECK (media_mode IN ('relayed', 'routed'));
  `,
];

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link POSTGRES_SCHEMA_VERSION} inside the caller's transaction (which it
 * locks with {@link MIGRATION_LOCK_ID}). A database from a newer Stagepass is refused
 * (ERR_INVALID_OPTION, option `url`) rather than written with an older idea of the schema.
 * Returns the versions it applied.
 */
export async function migratePostgres(client: ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
  await client.query(`CREATE TABLE IF NOT EXISTS stagepass_schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::int AS version FROM stagepass_schema_migrations',
  );
  const current = rows[0]!.version;
  if (current > POSTGRES_SCHEMA_VERSION) {
    throw invalidOption(
      'url',
      `the database has schema version ${current}, newer than this Stagepass reads (${POSTGRES_SCHEMA_VERSION}); upgrade Stagepass`,
    );
  }
  const applied: number[] = [];
  for (let version = current; version < POSTGRES_SCHEMA_VERSION; version++) {
    await client.query(MIGRATIONS[version]!);
    await client.query('INSERT INTO stagepass_schema_migrations (version) VALUES ($1)', [version + 1]);
    applied.push(version + 1);
  }
  return applied;
}
