import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { keyView, shellWord, text, tokenCommand, type KeyView } from './app-view.js';

/** `stagepass app rotate-secret` options, as parsed from the command line. */
export interface AppRotateSecretOptions extends AppDatabaseOptions {
  readonly appId: string;
}

/** The new key and its secret, shown this once. */
export interface AppRotateSecretResult {
  readonly appId: string;
  readonly key: KeyView;
  readonly secret: string;
  /** The app's active key IDs, the new one included: the old ones keep verifying until retired. */
  readonly activeKids: readonly string[];
  readonly tokenCommand: string;
  /** One `stagepass app retire-key` line for each of the other active keys, ready to run once their tokens expired. */
  readonly retireCommands: readonly string[];
}

/**
 * Adds a new active HS256 secret key; the app's other keys keep verifying until retired.
 *
 * @example
 * ```ts
 * const { key, secret } = await appRotateSecret({ db, appId }, io); // key.kid === 'k2'
 * ```
 */
export async function appRotateSecret(options: AppRotateSecretOptions, io: CommandIo): Promise<AppRotateSecretResult> {
  return withAppRegistry(options, io, { create: false, flags: { appId: 'APP_ID', kid: '' } }, async (registry) => {
    const { key, secret } = await registry.rotateSecret(options.appId);
    const app = registry.getApp(options.appId)!;
    return {
      appId: app.appId,
      key: keyView(key, false),
      secret,
      activeKids: app.keys.filter((k) => k.status === 'active').map((k) => k.kid),
      tokenCommand: tokenCommand(io.programName, app.appId, key.kid, secret),
      retireCommands: app.keys
        .filter((k) => k.status === 'active' && k.kid !== key.kid)
        .map((k) => [io.programName, 'app retire-key', shellWord(app.appId), shellWord(k.kid)].join(' ')),
    };
  });
}

/**
 * The new key ID and secret (this once), how to retire the old keys, and a ready `token create` line.
 *
 * @example
 * ```ts
 * renderAppRotateSecret(result).text; // 'New active key k2 (HS256) for app 4f6d….\nSecret    …'
 * ```
 */
export function renderAppRotateSecret(result: AppRotateSecretResult): CommandOutput {
  const others = result.activeKids.filter((kid) => kid !== result.key.kid);
  const lines = [
    `New active key ${result.key.kid} (HS256) for app ${result.appId}.`,
    `Key ID    ${result.key.kid}`,
    `Secret    ${result.secret}`,
    '',
    'Store the secret now, on your backend only, and mint new tokens with it:',
    `  ${result.tokenCommand}`,
    ...(others.length === 0
      ? []
      : [
          `The other active keys (${others.join(', ')}) keep verifying until you retire them, once their tokens have expired:`,
          ...result.retireCommands.map((line) => `  ${line}`),
        ]),
  ];
  return { ok: true, json: { ...result }, text: text(lines), warnings: [] };
}
