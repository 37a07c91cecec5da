/**
 * Flags, environment variables and helpers that several command groups share. Declarations only.
 */
import type { OptionSpec } from '../command-spec.js';
import { DATABASE_URL_ENV, DB_ENV, DEFAULT_DB_PATH } from './app-database.js';

/** The environment variable that defaults `--app-id`. */
export const APP_ID_ENV = 'STAGEPASS_APP_ID';
/** The environment variable that defaults `--secret` (when no key file is given). */
export const SECRET_ENV = 'STAGEPASS_SECRET';

/** `--json`: stdout is one JSON object, the result or the error. */
export const JSON_FLAG: OptionSpec = {
  type: 'boolean',
  description: 'Print the result (or the error) as one JSON object on stdout',
};
/** `-h, --help`. */
export const HELP_FLAG: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' };
/** `--app-id ID`, required, defaulted by `$STAGEPASS_APP_ID`. */
export const APP_ID_FLAG: OptionSpec = {
  type: 'string',
  value: 'ID',
  required: true,
  env: APP_ID_ENV,
  nonEmpty: true,
  description: 'App ID',
};

/** Drops undefined members, so parsed options hold only what was given. */
export function given<T extends Record<string, unknown>>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}

/** `--db`: the app registry, a SQLite file or a PostgreSQL URL (`app …` and `serve`). */
export const DB_FLAG: OptionSpec = {
  type: 'string',
  value: 'PATH|URL',
  env: [DATABASE_URL_ENV, DB_ENV],
  description: `The app registry: a SQLite file (${DEFAULT_DB_PATH} when none is set) or a postgres:// URL`,
};
