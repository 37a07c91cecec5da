/**
 * The `stagepass app …` commands: their flags and how they become each command's options.
 */
import type { MediaMode } from '@stagepass/protocol';
import { defineCommand, type Command, type OptionSpec } from '../command-spec.js';
import { appAddKey, renderAppAddKey } from './app-add-key.js';
import { appCreate, renderAppCreate } from './app-create.js';
import { DEFAULT_DB_PATH, MASTER_KEY_ENV } from './app-database.js';
import { appImport, renderAppImport } from './app-import.js';
import { appList, renderAppList } from './app-list.js';
import { appRetireKey, renderAppRetireKey } from './app-retire-key.js';
import { appRotateSecret, renderAppRotateSecret } from './app-rotate-secret.js';
import { appSet, renderAppSet } from './app-set.js';
import { appShow, renderAppShow } from './app-show.js';
import { APP_ID_ENV, DB_FLAG, given, HELP_FLAG, JSON_FLAG, SECRET_ENV } from './common-flags.js';

const APP_ID_ARGUMENT = { name: 'APP_ID', description: 'The App ID' };
const SHOW_SECRET_FLAG: OptionSpec = { type: 'boolean', description: 'Also print the HS256 secrets' };
const ORIGIN_FLAG: OptionSpec = {
  type: 'string',
  value: 'O',
  multiple: true,
  description: 'Allowed page origin, exactly scheme://host[:port]; repeat for several (none = any origin)',
};
const ON_OFF = ['true', 'false'] as const;
const MEDIA_MODE_FLAG: OptionSpec = {
  type: 'string',
  value: 'MODE',
  choices: ['relayed', 'routed'],
  description:
    'Media mode of the sessions the gateway makes for this app when not told one: relayed (peer to peer) or routed (through the gateway). Default relayed',
} as const;
/** Where the master key comes from, said in every `app` command's help. */
const MASTER_KEY_NOTE = `With $${MASTER_KEY_ENV} set (64 hex characters or base64 of 32 bytes: openssl rand -hex 32), secrets are stored encrypted (AES-256-GCM); a database so encrypted opens only with that key.`;

/** `stagepass app create`: register a new app with a fresh secret. */
export const appCreateCommand: Command = defineCommand({
  path: ['app', 'create'],
  summary: 'Register a new app and print its App ID and secret (once)',
  usage: [
    'stagepass app create --name NAME [--legacy-t1] [--single-use] [--eject-at-expiry] [--origin O]...',
    '       [--max-connections N] [--media-mode relayed|routed] [--db PATH] [--json | --export]',
  ],
  description: [
    'Makes a UUID App ID and a 32-byte HS256 secret (key k1), and prints a ready "stagepass token create" line.',
    'The secret is printed now; later only "app show --show-secret" or "app list --show-secret" prints it.',
    `With --export, stdout is only the lines "export ${APP_ID_ENV}=…" and "export ${SECRET_ENV}=…" for a POSIX shell:`,
    `eval "$(stagepass app create --name NAME --export)" and the token and session commands that follow use the app.`,
    MASTER_KEY_NOTE,
  ],
  positionals: [],
  options: {
    name: { type: 'string', value: 'NAME', required: true, description: 'A name for people (≤ 200 characters)' },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    'single-use': { type: 'boolean', description: 'Admit each token once' },
    'eject-at-expiry': { type: 'boolean', description: 'Disconnect clients when their token expires' },
    origin: ORIGIN_FLAG,
    'max-connections': {
      type: 'string',
      value: 'N',
      description: "Most connections per session, 1–100000 (default: the gateway's)",
    },
    'media-mode': MEDIA_MODE_FLAG,
    db: DB_FLAG,
    json: JSON_FLAG,
    export: {
      type: 'boolean',
      conflicts: ['json'],
      description: `Print only shell lines that export ${APP_ID_ENV} and ${SECRET_ENV} (for eval)`,
    },
    help: HELP_FLAG,
  },
  toOptions: (args) =>
    given({
      db: args.string('db') ?? DEFAULT_DB_PATH,
      shellExports: args.flag('export') || undefined,
      name: args.string('name')!,
      legacyT1: args.flag('legacy-t1') || undefined,
      singleUseTokens: args.flag('single-use') || undefined,
      ejectAtExpiry: args.flag('eject-at-expiry') || undefined,
      allowedOrigins: args.strings('origin').length > 0 ? args.strings('origin') : undefined,
      maxConnections: args.string('max-connections'),
      mediaMode: args.string('media-mode') as MediaMode | undefined,
    }),
  run: appCreate,
  render: renderAppCreate,
});

/** `stagepass app list`: every app and its keys. */
export const appListCommand: Command = defineCommand({
  path: ['app', 'list'],
  summary: 'List the apps and their keys (secrets only with --show-secret)',
  usage: ['stagepass app list [--show-secret] [--db PATH] [--json]'],
  description: [MASTER_KEY_NOTE],
  positionals: [],
  options: { 'show-secret': SHOW_SECRET_FLAG, db: DB_FLAG, json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) =>
    given({ db: args.string('db') ?? DEFAULT_DB_PATH, showSecret: args.flag('show-secret') || undefined }),
  run: appList,
  render: renderAppList,
});

/** `stagepass app show`: one app's settings and keys. */
export const appShowCommand: Command = defineCommand({
  path: ['app', 'show'],
  summary: 'Show one app: settings and keys (secrets only with --show-secret)',
  usage: ['stagepass app show APP_ID [--show-secret] [--db PATH] [--json]'],
  description: ['An unknown App ID exits 1 (ERR_NOT_FOUND).', MASTER_KEY_NOTE],
  positionals: [APP_ID_ARGUMENT],
  options: { 'show-secret': SHOW_SECRET_FLAG, db: DB_FLAG, json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) =>
    given({
      db: args.string('db') ?? DEFAULT_DB_PATH,
      appId: args.positional(0)!,
      showSecret: args.flag('show-secret') || undefined,
    }),
  run: appShow,
  render: renderAppShow,
});

/** `stagepass app import`: register an existing OpenTok project or Vonage application. */
export const appImportCommand: Command = defineCommand({
  path: ['app', 'import'],
  summary: 'Register an existing OpenTok API key + secret, or Vonage application ID + public key',
  usage: [
    'stagepass app import --app-id ID --name NAME (--secret S | --public-key FILE) [--legacy-t1] [--db PATH] [--json]',
  ],
  description: [
    'Keeps the ID, so the tokens your backend already mints verify unchanged. --legacy-t1 accepts OpenTok T1 tokens.',
    'The public key file is PEM or JWK: RSA (Vonage), Ed25519 or P-256. Its algorithm follows from its type.',
    MASTER_KEY_NOTE,
  ],
  positionals: [],
  options: {
    'app-id': {
      type: 'string',
      value: 'ID',
      required: true,
      nonEmpty: true,
      description: 'The OpenTok API key or Vonage application ID',
    },
    name: { type: 'string', value: 'NAME', required: true, description: 'A name for people (≤ 200 characters)' },
    secret: {
      type: 'string',
      value: 'S',
      env: SECRET_ENV,
      nonEmpty: true,
      conflicts: ['public-key'],
      description: 'The OpenTok API secret (≥ 32 bytes); never printed',
    },
    'public-key': {
      type: 'string',
      value: 'FILE',
      description: "The Vonage application's public key file, PEM or JWK",
    },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'public-key']],
  toOptions: (args) =>
    given({
      db: args.string('db') ?? DEFAULT_DB_PATH,
      appId: args.string('app-id')!,
      name: args.string('name')!,
      secret: args.string('secret'),
      publicKeyFile: args.string('public-key'),
      legacyT1: args.flag('legacy-t1') || undefined,
    }),
  run: appImport,
  render: renderAppImport,
});

/** `stagepass app rotate-secret`: a new active secret; the old keys keep verifying until retired. */
export const appRotateSecretCommand: Command = defineCommand({
  path: ['app', 'rotate-secret'],
  summary: 'Add a new active HS256 secret and print it (once)',
  usage: ['stagepass app rotate-secret APP_ID [--db PATH] [--json]'],
  description: [
    "The app's other keys keep verifying until retired: mint with the new key, then retire the old one",
    'once its tokens have expired ("stagepass app retire-key APP_ID KID").',
    MASTER_KEY_NOTE,
  ],
  positionals: [APP_ID_ARGUMENT],
  options: { db: DB_FLAG, json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) => ({ db: args.string('db') ?? DEFAULT_DB_PATH, appId: args.positional(0)! }),
  run: appRotateSecret,
  render: renderAppRotateSecret,
});

/** `stagepass app add-key`: add a public key (or a secret of your own). */
export const appAddKeyCommand: Command = defineCommand({
  path: ['app', 'add-key'],
  summary: 'Add an active key: a public key file or a secret',
  usage: ['stagepass app add-key APP_ID (--public-key FILE | --secret S) [--kid KID] [--db PATH] [--json]'],
  description: [
    'A public key (PEM or JWK) verifies tokens signed with its private key: Ed25519 → EdDSA, P-256 → ES256,',
    'RSA ≥ 2048 bits → RS256. The key ID defaults to the next kN.',
    MASTER_KEY_NOTE,
  ],
  positionals: [APP_ID_ARGUMENT],
  options: {
    'public-key': { type: 'string', value: 'FILE', description: 'Public key file, PEM or JWK' },
    secret: {
      type: 'string',
      value: 'S',
      env: SECRET_ENV,
      nonEmpty: true,
      conflicts: ['public-key'],
      description: 'An HS256 secret of your own (≥ 32 bytes); never printed',
    },
    kid: { type: 'string', value: 'KID', description: 'Key ID (default: the next k1, k2, …)' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['public-key', 'secret']],
  toOptions: (args) =>
    given({
      db: args.string('db') ?? DEFAULT_DB_PATH,
      appId: args.positional(0)!,
      publicKeyFile: args.string('public-key'),
      secret: args.string('secret'),
      kid: args.string('kid'),
    }),
  run: appAddKey,
  render: renderAppAddKey,
});

/** `stagepass app retire-key`: stop a key from verifying. */
export const appRetireKeyCommand: Command = defineCommand({
  path: ['app', 'retire-key'],
  summary: 'Retire a key: tokens signed with it no longer verify',
  usage: ['stagepass app retire-key APP_ID KID [--db PATH] [--json]'],
  description: ["The app's last active key cannot be retired: add or rotate in another first.", MASTER_KEY_NOTE],
  positionals: [APP_ID_ARGUMENT, { name: 'KID', description: 'The key ID, e.g. k1' }],
  options: { db: DB_FLAG, json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) => ({
    db: args.string('db') ?? DEFAULT_DB_PATH,
    appId: args.positional(0)!,
    kid: args.positional(1)!,
  }),
  run: appRetireKey,
  render: renderAppRetireKey,
});

/** `stagepass app set`: change an app's settings. */
export const appSetCommand: Command = defineCommand({
  path: ['app', 'set'],
  summary: "Change an app's settings",
  usage: [
    'stagepass app set APP_ID [--legacy-t1 true|false] [--single-use true|false] [--eject-at-expiry true|false]',
    '       [--origin O]... [--clear-origins] [--max-connections N|none] [--media-mode relayed|routed]',
    '       [--db PATH] [--json]',
  ],
  description: ['Settings not named keep their values; --origin replaces the whole list.', MASTER_KEY_NOTE],
  positionals: [APP_ID_ARGUMENT],
  options: {
    'legacy-t1': { type: 'string', value: 'BOOL', choices: ON_OFF, description: 'Accept legacy OpenTok T1 tokens' },
    'single-use': { type: 'string', value: 'BOOL', choices: ON_OFF, description: 'Admit each token once' },
    'eject-at-expiry': {
      type: 'string',
      value: 'BOOL',
      choices: ON_OFF,
      description: 'Disconnect clients when their token expires',
    },
    origin: { ...ORIGIN_FLAG, conflicts: ['clear-origins'] },
    'clear-origins': { type: 'boolean', description: 'Allow any origin again' },
    'max-connections': {
      type: 'string',
      value: 'N',
      description: "Most connections per session, 1–100000, or none (the gateway's default)",
    },
    'media-mode': MEDIA_MODE_FLAG,
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  toOptions: (args) =>
    given({
      db: args.string('db') ?? DEFAULT_DB_PATH,
      appId: args.positional(0)!,
      legacyT1: args.string('legacy-t1'),
      singleUseTokens: args.string('single-use'),
      ejectAtExpiry: args.string('eject-at-expiry'),
      allowedOrigins: args.strings('origin').length > 0 ? args.strings('origin') : undefined,
      clearOrigins: args.flag('clear-origins') || undefined,
      maxConnections: args.string('max-connections'),
      mediaMode: args.string('media-mode') as MediaMode | undefined,
    }),
  run: appSet,
  render: renderAppSet,
});

/** The `stagepass app …` commands, in help order. */
export const APP_COMMANDS: readonly Command[] = [
  appCreateCommand,
  appListCommand,
  appShowCommand,
  appImportCommand,
  appRotateSecretCommand,
  appAddKeyCommand,
  appRetireKeyCommand,
  appSetCommand,
];
