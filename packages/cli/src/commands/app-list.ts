import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { appView, keyLine, text, type AppView } from './app-view.js';
import type { AppRecord } from '@stagepass/gateway';

/** `stagepass app list` options, as parsed from the command line. */
export interface AppListOptions extends AppDatabaseOptions {
  /** Print the HS256 secrets too. */
  readonly showSecret?: boolean;
}

export interface AppListResult {
  readonly apps: readonly AppRecord[];
  readonly showSecret: boolean;
}

/**
 * Every registered app with its keys, oldest first.
 *
 * @example
 * ```ts
 * const { apps } = await appList({ db: '.stagepass/stagepass.db' }, io);
 * ```
 */
export async function appList(options: AppListOptions, io: CommandIo): Promise<AppListResult> {
  const apps = await withAppRegistry(options, io, { create: false }, (registry) => registry.listApps());
  return { apps, showSecret: options.showSecret === true };
}

/**
 * One block per app: `APP_ID  NAME  (version N)` then one line per key. Secrets only with
 * `--show-secret`. With `--json`: `{ apps: [...] }`.
 *
 * @example
 * ```ts
 * renderAppList(result).json; // { apps: [{ appId, name, createdAt, settings, keys: [{ kid, alg, status, createdAt }], version }] }
 * ```
 */
export function renderAppList(result: AppListResult): CommandOutput {
  const apps: AppView[] = result.apps.map((app) => appView(app, result.showSecret));
  const lines = result.apps.flatMap((app) => [
    `${app.appId}  ${app.name}  (version ${app.version})`,
    ...app.keys.map((key) => `  ${keyLine(key, result.showSecret)}`),
  ]);
  const warnings = apps.length === 0 ? ['No apps yet: create one with "stagepass app create --name NAME".'] : [];
  return { ok: true, json: { apps }, text: text(lines), warnings };
}
