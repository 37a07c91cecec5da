export type {
  AddKeyOptions,
  AppRegistry,
  Awaitable,
  CreateAppOptions,
  ImportAppOptions,
  ReplayGuard,
  Revocation,
} from './app-registry.js';
export { DEFAULT_APP_SETTINGS } from './app-record.js';
export type { AppRecord, AppSettings, KeyRecord, KeyStatus } from './app-record.js';
export {
  MAX_ACTIVE_KEYS,
  MAX_ALLOWED_ORIGINS,
  MAX_APP_NAME_LENGTH,
  MAX_CONNECTIONS_PER_SESSION,
  SETTING_NAMES,
} from './app-validation.js';
export { MASTER_KEY_BYTES, parseMasterKey } from './master-key.js';
export { createSqliteAppRegistry } from './sqlite-app-registry.js';
export type { SqliteAppRegistry, SqliteAppRegistryOptions } from './sqlite-app-registry.js';
export { createPostgresAppRegistry } from './postgres-app-registry.js';
export type { PostgresAppRegistry, PostgresAppRegistryOptions } from './postgres-app-registry.js';
export { POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
export { SCHEMA_VERSION } from './sqlite-schema.js';
export { toAppKeys } from './to-app-keys.js';
