import type { AppSettings } from '@stagepass/gateway';
import type { MediaMode } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { parseMaxConnections, withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { APP_ID_ENV, SECRET_ENV } from './common-flags.js';
import { appView, settingsLines, shellWord, text, tokenCommand, type AppView } from './app-view.js';

/** `stagepass app create` options, as parsed from the command line. */
export interface AppCreateOptions extends AppDatabaseOptions {
  readonly name: string;
  readonly legacyT1?: boolean;
  readonly singleUseTokens?: boolean;
  readonly ejectAtExpiry?: boolean;
  readonly allowedOrigins?: readonly string[];
  /** As typed: 1–100000. */
  readonly maxConnections?: string;
  /** `relayed` or `routed` (the parser allows nothing else). */
  readonly mediaMode?: MediaMode;
  /** `--export`: print only the shell lines that export the App ID and the secret. */
  readonly shellExports?: boolean;
}

/** The new app, and its first secret, shown this once. */
export interface AppCreateResult {
  readonly app: AppView;
  readonly kid: string;
  readonly secret: string;
  /** A `stagepass token create` line that mints a token with the new secret. */
  readonly tokenCommand: string;
  /** Set when `--export` asked for the shell lines instead of the text (never in the JSON). */
  readonly shellExports?: true;
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
    ...(options.mediaMode === undefined ? {} : { mediaMode: options.mediaMode }),
  };
  return withAppRegistry(options, io, { create: true }, async (registry) => {
    const { app, secret } = await registry.createApp({ name: options.name, settings });
    const kid = app.keys[0]!.kid;
    return {
      app: appView(app, false),
      kid,
      secret,
      tokenCommand: tokenCommand(io.programName, app.appId, kid, secret),
      ...(options.shellExports === true ? { shellExports: true as const } : {}),
    };
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
  const { app, kid, secret, shellExports, ...rest } = result;
  const json = { app, kid, secret, ...rest };
  if (shellExports === true) return renderShellExports(result, json);
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
  return { ok: true, json, text: text(lines), warnings: [] };
}

/**
 * `--export`: stdout is only `export NAME=value` lines, so `eval "$(… --export)"` is safe (the App ID is a UUID
 * and the secret hex, quoted all the same); what was made is said on stderr.
 */
function renderShellExports(result: AppCreateResult, json: Readonly<Record<string, unknown>>): CommandOutput {
  const exports = [
    `export ${APP_ID_ENV}=${shellWord(result.app.appId)}`,
    `export ${SECRET_ENV}=${shellWord(result.secret)}`,
  ];
  const said =
    `Created app "${result.app.name}" (App ID ${result.app.appId}, key ${result.kid}); its secret is in ` +
    `$${SECRET_ENV} of the shell that evaluates this: store it on your backend (app show --show-secret prints it again).`;
  return { ok: true, json, text: text(exports), warnings: [said] };
}
