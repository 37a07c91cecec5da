import type { KeyRecord } from '@stagepass/gateway';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { keyLine, keyView, text } from './app-view.js';

/** `stagepass app retire-key` options, as parsed from the command line. */
export interface AppRetireKeyOptions extends AppDatabaseOptions {
  readonly appId: string;
  readonly kid: string;
}

export interface AppRetireKeyResult {
  readonly appId: string;
  readonly key: KeyRecord;
  readonly activeKids: readonly string[];
}

/**
 * Retires a key: tokens signed with it no longer verify. The app's last active key cannot be
 * retired (add or rotate in another first); an unknown key ID is ERR_NOT_FOUND.
 *
 * @example
 * ```ts
 * await appRetireKey({ db, appId, kid: 'k1' }, io);
 * ```
 */
export async function appRetireKey(options: AppRetireKeyOptions, io: CommandIo): Promise<AppRetireKeyResult> {
  return withAppRegistry(options, io, { create: false, flags: { appId: 'APP_ID', kid: 'KID' } }, async (registry) => {
    const key = await registry.retireKey(options.appId, options.kid);
    const app = registry.getApp(options.appId)!;
    return { appId: app.appId, key, activeKids: app.keys.filter((k) => k.status === 'active').map((k) => k.kid) };
  });
}

/**
 * The retired key and the keys still verifying.
 *
 * @example
 * ```ts
 * renderAppRetireKey(result).text; // 'Retired key k1 of app 4f6d…; tokens signed with it no longer verify.\n…'
 * ```
 */
export function renderAppRetireKey(result: AppRetireKeyResult): CommandOutput {
  const lines = [
    `Retired key ${result.key.kid} of app ${result.appId}; tokens signed with it no longer verify.`,
    `  ${keyLine(result.key, false)}`,
    `Active keys: ${result.activeKids.join(', ')}`,
  ];
  return {
    ok: true,
    json: { appId: result.appId, key: keyView(result.key, false), activeKids: result.activeKids },
    text: text(lines),
    warnings: [],
  };
}
