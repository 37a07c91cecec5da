import type { AppRecord } from '@stagepass/gateway';
import { StagepassError } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { appLines, appView, text } from './app-view.js';

/** `stagepass app show` options, as parsed from the command line. */
export interface AppShowOptions extends AppDatabaseOptions {
  readonly appId: string;
  /** Print the HS256 secrets too. */
  readonly showSecret?: boolean;
}

export interface AppShowResult {
  readonly app: AppRecord;
  readonly showSecret: boolean;
}

/**
 * One app: its settings and keys. An unknown App ID is ERR_NOT_FOUND (exit 1).
 *
 * @example
 * ```ts
 * const { app } = await appShow({ db, appId, showSecret: true }, io);
 * ```
 */
export async function appShow(options: AppShowOptions, io: CommandIo): Promise<AppShowResult> {
  const app = await withAppRegistry(options, io, { create: false, flags: { appId: 'APP_ID' } }, (registry) =>
    registry.getApp(options.appId),
  );
  if (app === undefined) throw new StagepassError('ERR_NOT_FOUND', 'no app with this App ID');
  return { app, showSecret: options.showSecret === true };
}

/**
 * The app's ID, name, creation time, version, settings and keys; secrets only with `--show-secret`.
 * With `--json`, the app record (`secret` members only with `--show-secret`).
 *
 * @example
 * ```ts
 * renderAppShow(result).text; // 'App ID    4f6d…\nName      Demo\n…'
 * ```
 */
export function renderAppShow(result: AppShowResult): CommandOutput {
  return {
    ok: true,
    json: { ...appView(result.app, result.showSecret) },
    text: text(appLines(result.app, result.showSecret)),
    warnings: [],
  };
}
