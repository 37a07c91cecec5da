import type { AppRecord, AppSettings } from '@stagepass/gateway';
import type { MediaMode } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { UsageError } from '../usage-error.js';
import { parseMaxConnections, withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { settingsLines, text } from './app-view.js';

/** `stagepass app set` options, as parsed from the command line. */
export interface AppSetOptions extends AppDatabaseOptions {
  readonly appId: string;
  /** `true` or `false` as typed (the parser allows nothing else). */
  readonly legacyT1?: string;
  readonly singleUseTokens?: string;
  readonly ejectAtExpiry?: string;
  /** Replaces the allowed origins. */
  readonly allowedOrigins?: readonly string[];
  /** Empties the allowed origins (any origin may connect). */
  readonly clearOrigins?: boolean;
  /** 1–100000, or `none` for the gateway's default. */
  readonly maxConnections?: string;
  /** `relayed` or `routed` (the parser allows nothing else). */
  readonly mediaMode?: MediaMode;
}

export interface AppSetResult {
  readonly app: AppRecord;
  /** False when the settings already said so (the version did not move). */
  readonly changed: boolean;
}

function toBoolean(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'true';
}

/**
 * Changes some settings of an app; the ones not named keep their values.
 *
 * @example
 * ```ts
 * await appSet({ db, appId, singleUseTokens: 'true', allowedOrigins: ['https://app.example.com'] }, io);
 * ```
 */
export async function appSet(options: AppSetOptions, io: CommandIo): Promise<AppSetResult> {
  const maxConnectionsPerSession = parseMaxConnections(options.maxConnections, true);
  const entries = Object.entries({
    legacyT1: toBoolean(options.legacyT1),
    singleUseTokens: toBoolean(options.singleUseTokens),
    ejectAtExpiry: toBoolean(options.ejectAtExpiry),
    allowedOrigins: options.clearOrigins === true ? [] : options.allowedOrigins,
    maxConnectionsPerSession,
    mediaMode: options.mediaMode,
  }).filter(([, value]) => value !== undefined);
  if (entries.length === 0) {
    throw new UsageError(
      'nothing to set: give at least one of --legacy-t1, --single-use, --eject-at-expiry, --origin, --clear-origins, --max-connections, --media-mode',
    );
  }
  const settings = Object.fromEntries(entries) as Partial<AppSettings>;
  return withAppRegistry(options, io, { create: false, flags: { appId: 'APP_ID' } }, async (registry) => {
    const before = registry.getAppVersion(options.appId);
    const app = await registry.updateSettings(options.appId, settings);
    return { app, changed: app.version !== before };
  });
}

/**
 * The app's settings after the change.
 *
 * @example
 * ```ts
 * renderAppSet(result).text; // 'Updated app 4f6d… (version 3).\n  legacyT1 …'
 * ```
 */
export function renderAppSet(result: AppSetResult): CommandOutput {
  const { app } = result;
  const head = result.changed
    ? `Updated app ${app.appId} (version ${app.version}).`
    : `App ${app.appId} already had these settings (version ${app.version}).`;
  const lines = [head, ...settingsLines(app.settings).map((line) => `  ${line}`)];
  return {
    ok: true,
    json: { appId: app.appId, version: app.version, changed: result.changed, settings: app.settings },
    text: text(lines),
    warnings: [],
  };
}
