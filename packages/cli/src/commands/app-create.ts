import type { AppSettings } from '@stagepass/gateway';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { parseMaxConnections, withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { appView, settingsLines, text, tokenCommand, type AppView } from './app-view.js';

/** `stagepass app create` options, as parsed from the command line. */
export interface AppCreateOptions extends AppDatabaseOptions {
  readonly name: string;
  readonly legacyT1?: boolean;
  readonly singleUseTokens?: boolean;
  readonly ejectAtExpiry?: boolean;
  readonly allowedOrigins?: readonly string[];
  /** As typed: 1–100000. */
  readonly maxConnections?: string;
}

/** The new app, and its first secret, shown this once. */
export interface AppCreateResult {
  readonly app: AppView;
  readonly kid: string;
  readonly secret: string;
  /** A `stagepass token create` line that mints a token with the new secret. */
  readonly tokenCommand: string;
}

/**
 * Creates an app (a new UUID App ID) with a fresh HS256 secret as key `k1`.
 *
 * @example
 * ```ts
 * const { app, secret } = await appCreate({ db: '.stagepass/stagepass.db', name: 'Demo' }, io);
 * ```
 */
export async function appCreate(options: AppCreateOptions, io: CommandIo): Promise<AppCreateResult> {
  const maxConnectionsPerSession = parseMaxConnections(options.maxConnections, false);
  const settings: Partial<AppSettings> = {
    ...(options.legacyT1 === true ? { legacyT1: true } : {}),
    ...(options.singleUseTokens === true ? { singleUseTokens: true } : {}),
    ...(options.ejectAtExpiry === true ? { ejectAtExpiry: true } : {}),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
    ...(maxConnectionsPerSession === undefined ? {} : { maxConnectionsPerSession }),
  };
  return withAppRegistry(options, io, { create: true }, async (registry) => {
    const { app, secret } = await registry.createApp({ name: options.name, settings });
    const kid = app.keys[0]!.kid;
    return { app: appView(app, false), kid, secret, tokenCommand: tokenCommand(app.appId, kid, secret) };
  });
}

/**
 * Shows the App ID and the secret (this once: store it now), and a ready `token create` line.
 *
 * @example
 * ```ts
 * renderAppCreate(result).text; // 'Created app "Demo".\nApp ID    4f6d…\n…'
 * ```
 */
export function renderAppCreate(result: AppCreateResult): CommandOutput {
  const { app, kid, secret } = result;
  const lines = [
    `Created app "${app.name}".`,
    `App ID    ${app.appId}`,
    `Key ID    ${kid} (HS256)`,
    `Secret    ${secret}`,
    '',
    'Store the secret now, on your backend only: no command prints it again without --show-secret.',
    'Settings',
    ...settingsLines(app.settings).map((line) => `  ${line}`),
    '',
    'Mint a token for a new session:',
    `  ${result.tokenCommand}`,
  ];
  return { ok: true, json: { ...result }, text: text(lines), warnings: [] };
}
