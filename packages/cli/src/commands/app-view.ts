import { createHash, createPublicKey } from 'node:crypto';
import type { AppRecord, AppSettings, KeyRecord } from '@stagepass/gateway';
import type { EpochMilliseconds } from '@stagepass/protocol';
import { createSessionId } from '@stagepass/token';

/**
 * How `stagepass app …` shows apps and keys. Secrets appear only where the caller passes
 * `showSecret` (create, rotate-secret, and `--show-secret`); everything else leaves them out,
 * in JSON and in text alike.
 */

/** A key as printed: the record without its secret unless asked. */
export type KeyView = Omit<KeyRecord, 'secret' | 'publicKeyPem'> & {
  readonly secret?: string;
  readonly publicKeyPem?: string;
};

/** An app as printed (`--json`): the registry record, secrets left out unless asked. */
export type AppView = Omit<AppRecord, 'keys'> & { readonly keys: readonly KeyView[] };

export function keyView(key: KeyRecord, showSecret: boolean): KeyView {
  const { secret, publicKeyPem, ...rest } = key;
  return {
    ...rest,
    ...(showSecret && secret !== undefined ? { secret } : {}),
    ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
  };
}

export function appView(app: AppRecord, showSecret: boolean): AppView {
  return { ...app, keys: app.keys.map((key) => keyView(key, showSecret)) };
}

function iso(ms: EpochMilliseconds): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A public key's SHA-256 fingerprint (of its SPKI DER), to compare keys without printing them whole. */
function fingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('base64url')}`;
}

/** One line per key: `k2  HS256  active   created …  secret …`. */
export function keyLine(key: KeyRecord, showSecret: boolean): string {
  const material =
    key.secret !== undefined
      ? showSecret
        ? `secret ${key.secret}`
        : 'secret hidden (--show-secret)'
      : key.publicKeyPem !== undefined
        ? `public key ${fingerprint(key.publicKeyPem)}`
        : '';
  return `${key.kid}  ${key.alg.padEnd(5)}  ${key.status.padEnd(7)}  created ${iso(key.createdAt)}  ${material}`;
}

/** The settings, one per line. */
export function settingsLines(settings: AppSettings): string[] {
  const origins = settings.allowedOrigins.length === 0 ? 'any origin' : settings.allowedOrigins.join(' ');
  const max =
    settings.maxConnectionsPerSession === null ? 'the gateway default' : String(settings.maxConnectionsPerSession);
  return [
    `legacyT1                  ${String(settings.legacyT1)}`,
    `singleUseTokens           ${String(settings.singleUseTokens)}`,
    `ejectAtExpiry             ${String(settings.ejectAtExpiry)}`,
    `allowedOrigins            ${origins}`,
    `maxConnectionsPerSession  ${max}`,
    `mediaMode                 ${settings.mediaMode}`,
  ];
}

/** The whole app, as `app show` prints it. */
export function appLines(app: AppRecord, showSecret: boolean): string[] {
  return [
    `App ID    ${app.appId}`,
    `Name      ${app.name}`,
    `Created   ${iso(app.createdAt)}`,
    `Version   ${app.version}`,
    'Settings',
    ...settingsLines(app.settings).map((line) => `  ${line}`),
    'Keys',
    ...app.keys.map((key) => `  ${keyLine(key, showSecret)}`),
  ];
}

/** A word quoted for a POSIX shell when it holds anything but plain characters. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * A fresh session ID that does not start with `-` (1 in 64 of base64url IDs do, and the command
 * line would then read it as a flag: `--session -x…` fails with "--session needs a value").
 */
export function pastableSessionId(): string {
  let id = createSessionId();
  while (id.startsWith('-')) id = createSessionId();
  return id;
}

/**
 * A `stagepass token create` command line that mints a token with this secret key for a fresh
 * session ID, ready to paste into a shell; `program` is how the user runs the CLI (`CommandIo.programName`).
 */
export function tokenCommand(
  program: string,
  appId: string,
  kid: string,
  secret: string,
  sessionId = pastableSessionId(),
): string {
  const words = [
    ...program.split(' '),
    'token',
    'create',
    '--app-id',
    appId,
    '--kid',
    kid,
    '--secret',
    secret,
    '--session',
    sessionId,
  ];
  return words.map(shellWord).join(' ');
}

/** Text output: lines joined, with the final newline. */
export function text(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
