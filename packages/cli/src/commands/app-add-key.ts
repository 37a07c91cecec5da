import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { readPublicKeyPem, withAppRegistry, type AppDatabaseOptions } from './app-database.js';
import { keyLine, keyView, text, type KeyView } from './app-view.js';
import type { KeyRecord } from '@stagepass/gateway';

/** `stagepass app add-key` options, as parsed from the command line. */
export interface AppAddKeyOptions extends AppDatabaseOptions {
  readonly appId: string;
  /** Give this or `secret` (the parser ensures exactly one). */
  readonly publicKeyFile?: string;
  readonly secret?: string;
  /** Default: the next `kN`. */
  readonly kid?: string;
}

export interface AppAddKeyResult {
  readonly appId: string;
  readonly key: KeyRecord;
  readonly activeKids: readonly string[];
}

/**
 * Adds an active key to an app: a public key (its type fixes the algorithm: Ed25519 → EdDSA,
 * P-256 → ES256, RSA → RS256) or an HS256 secret of your own.
 *
 * @example
 * ```ts
 * const { key } = await appAddKey({ db, appId, publicKeyFile: 'ed25519.pub.pem' }, io); // key.alg === 'EdDSA'
 * ```
 */
export async function appAddKey(options: AppAddKeyOptions, io: CommandIo): Promise<AppAddKeyResult> {
  const publicKeyPem =
    options.publicKeyFile === undefined ? undefined : await readPublicKeyPem(io, options.publicKeyFile);
  return withAppRegistry(options, io, { create: false, flags: { appId: 'APP_ID' } }, async (registry) => {
    const key = await registry.addKey(options.appId, {
      ...(options.kid === undefined ? {} : { kid: options.kid }),
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
    });
    const app = registry.getApp(options.appId)!;
    return { appId: app.appId, key, activeKids: app.keys.filter((k) => k.status === 'active').map((k) => k.kid) };
  });
}

/**
 * The new key (never a secret: the user gave it) and the app's active keys.
 *
 * @example
 * ```ts
 * renderAppAddKey(result).text; // 'Added key k2 to app 4f6d….\n  k2  EdDSA  active …'
 * ```
 */
export function renderAppAddKey(result: AppAddKeyResult): CommandOutput {
  const lines = [
    `Added key ${result.key.kid} to app ${result.appId}.`,
    `  ${keyLine(result.key, false)}`,
    `Active keys: ${result.activeKids.join(', ')}`,
  ];
  const key: KeyView = keyView(result.key, false);
  return {
    ok: true,
    json: { appId: result.appId, key, activeKids: result.activeKids },
    text: text(lines),
    warnings: [],
  };
}
