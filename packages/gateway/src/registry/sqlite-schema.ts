/**
 * The registry's SQLite schema and its migrations. The schema version lives in SQLite's
 * `user_version` header field; each migration takes the database from version i to i + 1 and runs,
 * with the version update, in one IMMEDIATE transaction, so two processes opening the same new file
 * cannot both migrate it, and a crash mid-migration leaves the old version intact.
 *
 * To change the schema: append a migration, never edit a shipped one.
 */
import type { Database } from 'better-sqlite3';
import { invalidOption } from '@stagepass/protocol';

const MIGRATIONS: readonly string[] = [
  // 0 → 1
  `
  CREATE TABLE apps (
    app_id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,                       -- milliseconds since the epoch
    version INTEGER NOT NULL,                          -- +1 on every change of the app
    legacy_t1 INTEGER NOT NULL CHECK (legacy_t1 IN (0, 1)),
    single_use_tokens INTEGER NOT NULL CHECK (single_use_tokens IN (0, 1)),
    eject_at_expiry INTEGER NOT NULL CHECK (eject_at_expiry IN (0, 1)),
    allowed_origins TEXT NOT NULL,                     -- JSON array of exact origins; [] = any
    max_connections_per_session INTEGER                -- NULL = the gateway's default
  ) STRICT;

  CREATE TABLE app_keys (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    alg TEXT NOT NULL CHECK (alg IN ('HS256', 'EdDSA', 'ES256', 'RS256')),
    secret TEXT,                                       -- HS256 only: 'plain:…' or 'enc:v1:…'
    public_key_pem TEXT,                               -- the others: SPKI PEM
    status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at INTEGER NOT NULL,
    retired_at INTEGER,
    PRIMARY KEY (app_id, kid),
    CHECK ((alg = 'HS256') = (secret IS NOT NULL) AND (secret IS NULL) = (public_key_pem IS NOT NULL))
  ) STRICT;

  -- The last version of each deleted app, so that an app created again under the same ID goes on
  -- counting and no cache mistakes it for the old one.
  CREATE TABLE deleted_apps (
    app_id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE token_revocations (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    token_id TEXT NOT NULL,
    expire_time INTEGER NOT NULL,                      -- UNIX seconds
    PRIMARY KEY (app_id, token_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX token_revocations_by_expiry ON token_revocations (expire_time);

  CREATE TABLE issued_before_revocations (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,                          -- '' = every session of the app
    issued_before INTEGER NOT NULL,                    -- UNIX seconds
    PRIMARY KEY (app_id, session_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE used_tokens (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    token_id TEXT NOT NULL,
    expire_time INTEGER NOT NULL,                      -- UNIX seconds
    PRIMARY KEY (app_id, token_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX used_tokens_by_expiry ON used_tokens (expire_time);

  CREATE TABLE meta (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 1 → 2
  `
  ALTER TABLE apps ADD COLUMN media_mode TEXT NOT NULL DEFAULT 'relayed' CHECK (media_mode IN ('relayed', 'routed'));
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}. A database from a newer Stagepass is refused
 * (ERR_INVALID_OPTION, option `path`) rather than written with an older idea of the schema.
 */
export function migrate(db: Database): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw invalidOption(
        'path',
        `the database has schema version ${current}, newer than this Stagepass reads (${SCHEMA_VERSION}); upgrade Stagepass`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]!);
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
