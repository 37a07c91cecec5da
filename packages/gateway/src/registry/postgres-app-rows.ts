/** The PostgreSQL rows of apps and keys, how they are read, and how they become the registry's frozen records. */
import type { ClientBase } from 'pg';
import type { MediaMode } from '@stagepass/protocol';
import type { JwsAlgorithm } from '@stagepass/token';
import type { AppRecord, AppSettings, KeyRecord, KeyStatus } from './app-record.js';
import type { SecretSealer } from './secret-sealing.js';

/** An app's row; BIGINT columns arrive as strings (pg keeps 64-bit integers exact). */
export interface PgAppRow {
  app_id: string;
  name: string;
  created_at: string;
  version: string;
  legacy_t1: boolean;
  single_use_tokens: boolean;
  eject_at_expiry: boolean;
  allowed_origins: string[];
  max_connections_per_session: number | null;
  media_mode: MediaMode;
}

export interface PgKeyRow {
  app_id: string;
  kid: string;
  alg: JwsAlgorithm;
  secret: string | null;
  public_key_pem: string | null;
  status: KeyStatus;
  created_at: string;
}

/** Anything that runs a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<ClientBase, 'query'>;

const KEY_COLUMNS = 'app_id, kid, alg, secret, public_key_pem, status, created_at';

export function toPgKey(row: PgKeyRow, sealer: SecretSealer): KeyRecord {
  return Object.freeze({
    kid: row.kid,
    alg: row.alg,
    secret: row.secret === null ? undefined : sealer.open(row.app_id, row.kid, row.secret),
    publicKeyPem: row.public_key_pem ?? undefined,
    status: row.status,
    createdAt: Number(row.created_at),
  });
}

export function toPgSettings(row: PgAppRow): AppSettings {
  return Object.freeze({
    legacyT1: row.legacy_t1,
    singleUseTokens: row.single_use_tokens,
    ejectAtExpiry: row.eject_at_expiry,
    allowedOrigins: Object.freeze([...row.allowed_origins]),
    maxConnectionsPerSession: row.max_connections_per_session,
    mediaMode: row.media_mode,
  });
}

export function toPgRecord(row: PgAppRow, keys: readonly PgKeyRow[], sealer: SecretSealer): AppRecord {
  return Object.freeze({
    appId: row.app_id,
    name: row.name,
    createdAt: Number(row.created_at),
    settings: toPgSettings(row),
    keys: Object.freeze(keys.map((key) => toPgKey(key, sealer))),
    version: Number(row.version),
  });
}

/** The settings as the values of `legacy_t1 … max_connections_per_session, media_mode`, in that order. */
export function settingsValues(settings: AppSettings): unknown[] {
  return [
    settings.legacyT1,
    settings.singleUseTokens,
    settings.ejectAtExpiry,
    [...settings.allowedOrigins],
    settings.maxConnectionsPerSession,
    settings.mediaMode,
  ];
}

/** The app's row (locked FOR UPDATE when `lock`, inside a transaction), or undefined. */
export async function selectApp(db: Queryable, appId: string, lock = false): Promise<PgAppRow | undefined> {
  const { rows } = await db.query<PgAppRow>(`SELECT * FROM apps WHERE app_id = $1${lock ? ' FOR UPDATE' : ''}`, [
    appId,
  ]);
  return rows[0];
}

export async function selectKeys(db: Queryable, appId: string): Promise<PgKeyRow[]> {
  const { rows } = await db.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM app_keys WHERE app_id = $1 ORDER BY seq`, [
    appId,
  ]);
  return rows;
}

/** The app's record, read in one statement per table (call it in a transaction for one snapshot), or undefined. */
export async function selectRecord(db: Queryable, appId: string, sealer: SecretSealer): Promise<AppRecord | undefined> {
  const row = await selectApp(db, appId);
  return row === undefined ? undefined : toPgRecord(row, await selectKeys(db, appId), sealer);
}

/** Every app's record, from one snapshot when `db` is in a REPEATABLE READ transaction. */
export async function selectAllRecords(db: Queryable, sealer: SecretSealer): Promise<AppRecord[]> {
  const apps = await db.query<PgAppRow>('SELECT * FROM apps ORDER BY created_at, app_id');
  const keys = await db.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM app_keys ORDER BY seq`);
  const keysByApp = new Map<string, PgKeyRow[]>();
  for (const key of keys.rows) {
    const list = keysByApp.get(key.app_id);
    if (list === undefined) keysByApp.set(key.app_id, [key]);
    else list.push(key);
  }
  return apps.rows.map((row) => toPgRecord(row, keysByApp.get(row.app_id) ?? [], sealer));
}
