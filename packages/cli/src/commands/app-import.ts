import type { AppRecord, AppSettings } from '@stagepass/gateway';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { readPublicKeyPem, withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { appLines, appView, text } from './app-view.js';

/** `stagepass app import` options, as parsed from the command line. */
export interface AppImportOptions extends AppDatabaseOptions {
  /** The OpenTok API key or Vonage application ID, kept as the App ID. */
  readonly appId: string;
  readonly name: string;
  /** Give this (an OpenTok API secret) or `publicKeyFile` (the parser ensures exactly one). */
  readonly secret?: string;
  /** Path of the Vonage application's public key, PEM or JWK. */
  readonly publicKeyFile?: string;
  readonly legacyT1?: boolean;
}

export interface AppImportResult {
  readonly app: AppRecord;
}

/**
 * Registers an existing OpenTok project (API key + secret) or Vonage application (application ID
 * + public key) under its own ID, so that the tokens its backend already mints verify unchanged.
 *
 * @example
 * ```ts
 * await appImport({ db, appId: '47123456', name: 'Legacy', secret: process.env.OPENTOK_SECRET }, io);
 * ```
 */
export async function appImport(options: AppImportOptions, io: CommandIo): Promise<AppImportResult> {
  const publicKeyPem =
    options.publicKeyFile === undefined ? undefined : await readPublicKeyPem(io, options.publicKeyFile);
  const settings: Partial<AppSettings> = options.legacyT1 === true ? { legacyT1: true } : {};
  const app = await withAppRegistry(options, io, { create: true }, (registry) =>
    registry.importApp({
      appId: options.appId,
      name: options.name,
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
      settings,
    }),
  );
  return { app };
}

/**
 * The imported app, as `app show` prints it (never the secret: the user already has it).
 *
 * @example
 * ```ts
 * renderAppImport(result).text; // 'Imported app "Legacy".\nApp ID    47123456\n…'
 * ```
 */
export function renderAppImport(result: AppImportResult): CommandOutput {
  const lines = [`Imported app "${result.app.name}".`, ...appLines(result.app, false)];
  return { ok: true, json: { ...appView(result.app, false) }, text: text(lines), warnings: [] };
}
