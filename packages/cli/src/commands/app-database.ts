import { existsSync } from 'node:fs';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { AppRegistry, ReplayGuard } from '@stagepass/gateway';
import { isStagepassError, StagepassError } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import { readKeyFile } from '../read-key-file.js';
import { UsageError } from '../usage-error.js';

/** The registry database when neither `--db` nor `$STAGEPASS_DB` says otherwise. */
export const DEFAULT_DB_PATH = './.stagepass/stagepass.db';
/** The environment variable that defaults `--db` (after {@link DATABASE_URL_ENV}). */
export const DB_ENV = 'STAGEPASS_DB';
/** The environment variable that defaults `--db` to a PostgreSQL URL (it wins over {@link DB_ENV}). */
export const DATABASE_URL_ENV = 'STAGEPASS_DATABASE_URL';
/** The environment variable holding the master key (64 hex characters or base64 of 32 bytes). */
export const MASTER_KEY_ENV = 'STAGEPASS_MASTER_KEY';

/** What every `stagepass app …` command has. */
export interface AppDatabaseOptions {
  /** The registry: a SQLite database file, or a `postgres://` URL. */
  readonly db: string;
}

/** Where `--db` points: a SQLite file, or a PostgreSQL server. */
export type RegistryTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly where: string };

/** `scheme://…`: what `--db` holds when it is a URL rather than a path. */
const URL_SHAPED = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Where a URL points, for messages (host:port/database: never the user or password). */
function whereOf(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
  } catch {
    throw new UsageError(`--db: not a readable postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`, '--db');
  }
}

/**
 * What `--db` (or `$STAGEPASS_DATABASE_URL`, `$STAGEPASS_DB`) names: `postgres://` or `postgresql://`
 * is a PostgreSQL registry; any other URL is a usage error (exit 2) rather than a SQLite file named
 * `mysql:/…`; anything else is a SQLite file path.
 *
 * @example
 * ```ts
 * registryTarget('postgres://stagepass@db:5432/stagepass'); // { kind: 'postgres', … where: 'db:5432/stagepass' }
 * ```
 */
export function registryTarget(db: string): RegistryTarget {
  const scheme = URL_SHAPED.exec(db)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: db };
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new UsageError(
      `--db: a ${scheme}:// URL is not a registry this build can serve; give a SQLite file path or a postgres:// URL (or set ${DATABASE_URL_ENV})`,
      '--db',
    );
  }
  return { kind: 'postgres', url: db, where: whereOf(db) };
}

/** How `--db` is named in logs and messages: a SQLite path as given, a URL as host:port/database only. */
export function registryLabel(target: RegistryTarget): string {
  return target.kind === 'sqlite' ? target.path : `postgres://${target.where}`;
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
  'settings.mediaMode': '--media-mode',
  masterKey: MASTER_KEY_ENV,
  path: '--db',
  url: '--db',
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
  if (!isStagepassError(err) || err.code !== 'ERR_DATABASE_UNAVAILABLE' || explained.has(err)) return err;
  const better = explain(err, path);
  explained.add(better);
  return better;
}

/** The errors {@link explainDatabaseError} made (explaining one again would repeat the path). */
const explained = new WeakSet<StagepassError>();

function explain(err: StagepassError, path: string): StagepassError {
  if (URL_SHAPED.test(path)) {
    // The registry's message names host, port and database; the URL (and its password) is never repeated.
    return new StagepassError(
      'ERR_DATABASE_UNAVAILABLE',
      `${err.message}; check that PostgreSQL runs there and accepts this user, password and database (--db or ${DATABASE_URL_ENV})`,
      { details: err.details, cause: err },
    );
  }
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
 * Opens the registry `--db` names, with `$STAGEPASS_MASTER_KEY` when set: a SQLite file (created unless
 * `mustExist`) or a PostgreSQL database (migrated on open). Failures of the environment are
 * ERR_DATABASE_UNAVAILABLE with the path (or host:port/database) and what to do; a URL this build cannot
 * serve is a usage error.
 *
 * @example
 * ```ts
 * const registry = await openAppRegistry(options.db, io.env, { mustExist: false, init: false });
 * ```
 */
export async function openAppRegistry(
  db: string,
  env: Readonly<Record<string, string | undefined>>,
  mode: {
    readonly mustExist: boolean;
    readonly init: boolean;
    /** Told how many plaintext secrets a SQLite database had encrypted by the master key as it opened. */
    readonly onSecretsEncrypted?: (count: number) => void;
  },
): Promise<AppRegistry & ReplayGuard> {
  const target = registryTarget(db);
  // Loaded on use: the gateway package is large, and the token commands must start fast.
  const gateway = await import('@stagepass/gateway');
  const keyText = env[MASTER_KEY_ENV];
  const masterKey = keyText === undefined || keyText === '' ? undefined : gateway.parseMasterKey(keyText);
  const withKey = masterKey === undefined ? {} : { masterKey };
  try {
    if (target.kind === 'postgres') return await gateway.createPostgresAppRegistry({ url: target.url, ...withKey });
    if (mode.mustExist && !existsSync(target.path)) {
      throw new StagepassError(
        'ERR_NOT_FOUND',
        'no app database at the --db path (create an app first: stagepass app create --name NAME)',
      );
    }
    return gateway.createSqliteAppRegistry({
      path: target.path,
      initializeEmpty: mode.init,
      ...withKey,
      ...(masterKey === undefined || mode.onSecretsEncrypted === undefined
        ? {}
        : { onSecretsEncrypted: mode.onSecretsEncrypted }),
    });
  } catch (err) {
    throw explainDatabaseError(err, db);
  }
}

/**
 * Opens the registry `options.db` names (see {@link openAppRegistry}), runs `work` and closes it.
 * Only `create` and `import` may make a new SQLite database; the others refuse a missing one
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
    const registry = await openAppRegistry(options.db, io.env, {
      mustExist: !mode.create,
      init: false,
      onSecretsEncrypted: (count) => io.warn(encryptedNotice(count)),
    });
    try {
      return await work(registry);
    } finally {
      await registry.close();
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
