import { existsSync } from 'node:fs';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { AppRegistry } from '@stagepass/gateway';
import { isStagepassError, StagepassError } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import { readKeyFile } from '../read-key-file.js';
import { UsageError } from '../usage-error.js';

/** The registry database when neither `--db` nor `$STAGEPASS_DB` says otherwise. */
export const DEFAULT_DB_PATH = './.stagepass/stagepass.db';
/** The environment variable that defaults `--db`. */
export const DB_ENV = 'STAGEPASS_DB';
/** The environment variable holding the master key (64 hex characters or base64 of 32 bytes). */
export const MASTER_KEY_ENV = 'STAGEPASS_MASTER_KEY';

/** What every `stagepass app …` command has. */
export interface AppDatabaseOptions {
  /** The registry database file. */
  readonly db: string;
}

/** The registry's bound on `maxConnectionsPerSession` (it checks again; this is for a plainer message). */
const MAX_CONNECTIONS_PER_SESSION = 100_000;

/** The flag (or argument, or variable) each registry option is given by, for error messages. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  name: '--name',
  appId: '--app-id',
  secret: '--secret',
  publicKeyPem: '--public-key',
  kid: '--kid',
  'settings.legacyT1': '--legacy-t1',
  'settings.singleUseTokens': '--single-use',
  'settings.ejectAtExpiry': '--eject-at-expiry',
  'settings.allowedOrigins': '--origin',
  'settings.maxConnectionsPerSession': '--max-connections',
  masterKey: MASTER_KEY_ENV,
  path: '--db',
};

/**
 * What the option must be: the registry's `rule`; from a registry that does not set it yet, its
 * message without the leading `option: `.
 */
function ruleOf(err: StagepassError, option: string): string {
  if (typeof err.rule === 'string') return err.rule;
  const prefix = `${option}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/**
 * A registry `ERR_INVALID_OPTION` as the command line's usage error: the flag the user typed
 * (`settings.allowedOrigins[1]` → `--origin (value 2)`) and the registry's rule. Registry messages
 * never hold a secret.
 */
function toUsageError(err: StagepassError, flags: Readonly<Record<string, string>>): UsageError {
  const option = err.option ?? (typeof err.details.option === 'string' ? err.details.option : '');
  const rule = ruleOf(err, option);
  const indexed = /^(.*)\[(\d+)\]$/.exec(option);
  const base = indexed === null ? option : indexed[1]!;
  const flag = Object.hasOwn(flags, base) ? flags[base] : FLAG_OF_OPTION[base];
  if (flag === undefined || flag === '') return new UsageError(rule);
  const which = indexed === null ? '' : ` (value ${Number(indexed[2]) + 1})`;
  return new UsageError(`${flag}${which}: ${rule}`, flag);
}

/**
 * A registry ERR_DATABASE_UNAVAILABLE (the environment, not the command line: exit 1) with what the library
 * leaves out: the path the user gave, and what to do about it.
 *
 * @example
 * ```ts
 * catch (err) { throw explainDatabaseError(err, options.db); }
 * ```
 */
export function explainDatabaseError(err: unknown, path: string): unknown {
  if (!isStagepassError(err) || err.code !== 'ERR_DATABASE_UNAVAILABLE') return err;
  const reason = String(err.details.reason);
  const advice =
    reason === 'EMPTY'
      ? 'restore the file, or start once with `stagepass serve --init` to make it a new, empty registry'
      : /^SQLITE_(NOTADB|CORRUPT)/.test(reason)
        ? `point --db (or ${DB_ENV}) at the registry's database file, or restore it from a backup`
        : `give a path in a writable directory with --db (or ${DB_ENV})`;
  const problem = err.message.replace(/ \(initializeEmpty[^)]*\)$/, '');
  return new StagepassError('ERR_DATABASE_UNAVAILABLE', `${path}: ${problem}; ${advice}`, {
    details: { ...err.details, path },
    cause: err,
  });
}

/**
 * Opens the registry at `options.db` (with `$STAGEPASS_MASTER_KEY` when set), runs `work` and
 * closes it. Only `create` and `import` may make a new database; the others refuse a missing one
 * (ERR_NOT_FOUND) rather than create an empty file somewhere unexpected. Registry option errors
 * become usage errors naming the flag; `flags` overrides that mapping for one command (a positional
 * `KID` rather than `--kid`; `''` for an option no flag of the command gives).
 *
 * @example
 * ```ts
 * const apps = await withAppRegistry(options, io, { create: false }, (registry) => registry.listApps());
 * ```
 */
export async function withAppRegistry<T>(
  options: AppDatabaseOptions,
  io: CommandIo,
  mode: { readonly create: boolean; readonly flags?: Readonly<Record<string, string>> },
  work: (registry: AppRegistry) => T | Promise<T>,
): Promise<T> {
  const flags = mode.flags ?? {};
  try {
    // Loaded on use: the gateway package is large, and the token commands must start fast.
    const { createSqliteAppRegistry, parseMasterKey } = await import('@stagepass/gateway');
    const keyText = io.env[MASTER_KEY_ENV];
    const masterKey = keyText === undefined || keyText === '' ? undefined : parseMasterKey(keyText);
    if (!mode.create && !existsSync(options.db)) {
      throw new StagepassError(
        'ERR_NOT_FOUND',
        'no app database at the --db path (create an app first: stagepass app create --name NAME)',
      );
    }
    const registry = createSqliteAppRegistry({
      path: options.db,
      ...(masterKey === undefined ? {} : { masterKey, onSecretsEncrypted: (count) => io.warn(encryptedNotice(count)) }),
    });
    try {
      return await work(registry);
    } finally {
      registry.close();
    }
  } catch (err) {
    if (isStagepassError(err) && err.code === 'ERR_INVALID_OPTION') throw toUsageError(err, flags);
    throw explainDatabaseError(err, options.db);
  }
}

/**
 * What a command says when `STAGEPASS_MASTER_KEY` has just encrypted a plaintext database: any command that
 * opens it (even `app list`) does so, in one transaction, and this is a write the user did not ask for.
 *
 * @example
 * ```ts
 * encryptedNotice(2); // 'notice: STAGEPASS_MASTER_KEY is set and the database held 2 secrets in plaintext: …'
 * ```
 */
export function encryptedNotice(count: number): string {
  const what = count === 1 ? '1 secret' : `${count} secrets`;
  return (
    `notice: ${MASTER_KEY_ENV} is set and the database held ${what} in plaintext: this command has now encrypted ` +
    `them at rest with that key (a write to the --db file). From now on serve and every app command need ` +
    `${MASTER_KEY_ENV}, with this key: keep it safe, as without it the secrets cannot be read.`
  );
}

/**
 * Reads `--public-key FILE` as PEM text for the registry: a PEM file as is, a JWK converted to
 * SPKI PEM. A private key (PEM or JWK) is refused: the registry holds public keys only.
 *
 * @example
 * ```ts
 * const publicKeyPem = await readPublicKeyPem(io, 'vonage.pub.pem');
 * ```
 */
export async function readPublicKeyPem(io: CommandIo, path: string): Promise<string> {
  const key = await readKeyFile(io, path, '--public-key');
  if (typeof key === 'string') return key;
  if ((key as JsonWebKey & { d?: unknown }).d !== undefined) {
    throw new UsageError('--public-key: the file holds a private key; register only its public half', '--public-key');
  }
  try {
    return createPublicKey({ key, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new UsageError('--public-key: the JWK is not a readable public key', '--public-key');
  }
}

/** `--max-connections` as written: 1–100000, or `none` (the gateway's default) where `allowNone`. */
export function parseMaxConnections(value: string | undefined, allowNone: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (allowNone && value === 'none') return null;
  const number = /^[0-9]{1,7}$/.test(value) ? Number(value) : 0;
  if (number < 1 || number > MAX_CONNECTIONS_PER_SESSION) {
    throw new UsageError(
      `--max-connections: must be a whole number from 1 to ${MAX_CONNECTIONS_PER_SESSION}${allowNone ? ', or none' : ''}`,
      '--max-connections',
    );
  }
  return number;
}
