/** The SQLite rows of apps and keys, and how they become the registry's frozen records. */
import type { MediaMode } from '@stagepass/protocol';
import type { JwsAlgorithm } from '@stagepass/token';
import type { AppRecord, AppSettings, KeyRecord, KeyStatus } from './app-record.js';
import type { SecretSealer } from './secret-sealing.js';

export interface AppRow {
  app_id: string;
  name: string;
  created_at: number;
  version: number;
  legacy_t1: number;
  single_use_tokens: number;
  eject_at_expiry: number;
  allowed_origins: string;
  max_connections_per_session: number | null;
  media_mode: MediaMode;
}

export interface KeyRow {
  app_id: string;
  kid: string;
  alg: JwsAlgorithm;
  secret: string | null;
  public_key_pem: string | null;
  status: KeyStatus;
  created_at: number;
}

export type SettingsColumns = Pick<
  AppRow,
  | 'legacy_t1'
  | 'single_use_tokens'
  | 'eject_at_expiry'
  | 'allowed_origins'
  | 'max_connections_per_session'
  | 'media_mode'
>;

/** The key's record; its secret, if any, opened (decrypted) with `sealer`. */
export function toKey(row: KeyRow, sealer: SecretSealer): KeyRecord {
  return Object.freeze({
    kid: row.kid,
    alg: row.alg,
    secret: row.secret === null ? undefined : sealer.open(row.app_id, row.kid, row.secret),
    publicKeyPem: row.public_key_pem ?? undefined,
    status: row.status,
    createdAt: row.created_at,
  });
}

export function toSettings(row: AppRow): AppSettings {
  return Object.freeze({
    legacyT1: row.legacy_t1 === 1,
    singleUseTokens: row.single_use_tokens === 1,
    ejectAtExpiry: row.eject_at_expiry === 1,
    allowedOrigins: Object.freeze(JSON.parse(row.allowed_origins) as string[]),
    maxConnectionsPerSession: row.max_connections_per_session,
    mediaMode: row.media_mode,
  });
}

export function toRecord(row: AppRow, keys: readonly KeyRow[], sealer: SecretSealer): AppRecord {
  return Object.freeze({
    appId: row.app_id,
    name: row.name,
    createdAt: row.created_at,
    settings: toSettings(row),
    keys: Object.freeze(keys.map((key) => toKey(key, sealer))),
    version: row.version,
  });
}

export function settingsColumns(settings: AppSettings): SettingsColumns {
  return {
    legacy_t1: settings.legacyT1 ? 1 : 0,
    single_use_tokens: settings.singleUseTokens ? 1 : 0,
    eject_at_expiry: settings.ejectAtExpiry ? 1 : 0,
    allowed_origins: JSON.stringify(settings.allowedOrigins),
    max_connections_per_session: settings.maxConnectionsPerSession,
    media_mode: settings.mediaMode,
  };
}
