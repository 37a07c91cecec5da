/**
 * The command table: every command the `stagepass` CLI has, its flags and how they become the
 * command's options. Declarations only: parsing is in parse-command-line.ts, exit codes in main.ts.
 * To add a command (or a group such as `app …`), write it in commands/ and add one entry here.
 */
import { JWS_ALGORITHMS, TOKEN_FORMATS } from '@stagepass/token';
import { defineCommand, type Command, type OptionSpec, type ParsedArgs } from './command-spec.js';
import { renderTokenCreate, tokenCreate } from './commands/token-create.js';
import { renderTokenInspect, tokenInspect } from './commands/token-inspect.js';
import { renderTokenVerify, tokenVerify } from './commands/token-verify.js';
import { appAddKey, renderAppAddKey } from './commands/app-add-key.js';
import { appCreate, renderAppCreate } from './commands/app-create.js';
import { DB_ENV, DEFAULT_DB_PATH, MASTER_KEY_ENV } from './commands/app-database.js';
import { appImport, renderAppImport } from './commands/app-import.js';
import { appList, renderAppList } from './commands/app-list.js';
import { appRetireKey, renderAppRetireKey } from './commands/app-retire-key.js';
import { appRotateSecret, renderAppRotateSecret } from './commands/app-rotate-secret.js';
import { appSet, renderAppSet } from './commands/app-set.js';
import { appShow, renderAppShow } from './commands/app-show.js';
import { DEFAULT_GATEWAY_URL, type GatewayOptions } from './commands/session-request.js';
import { renderSessionCreate, sessionCreate } from './commands/session-create.js';
import { renderSessionDisconnect, sessionDisconnect } from './commands/session-disconnect.js';
import { renderForceMute, renderSessionMute, sessionMute, sessionMuteAll, sessionUnmuteAll } from './commands/session-mute.js';
import { renderSessionRevoke, sessionRevoke } from './commands/session-revoke.js';
import { renderSessionShow, sessionShow } from './commands/session-show.js';
import { renderSessionSignal, sessionSignal } from './commands/session-signal.js';
import { renderSessionUnpublish, sessionUnpublish } from './commands/session-unpublish.js';
import { DEFAULT_HOST, DEFAULT_PORT, HOST_ENV, LOG_LEVELS, PORT_ENV, renderServe, serve } from './commands/serve.js';

/** The environment variable that defaults `--app-id`. */
export const APP_ID_ENV = 'STAGEPASS_APP_ID';
/** The environment variable that defaults `--secret` (when no key file is given). */
export const SECRET_ENV = 'STAGEPASS_SECRET';
/** The environment variable that defaults `--url` of `stagepass session …`. */
export const URL_ENV = 'STAGEPASS_URL';

const JSON_FLAG: OptionSpec = { type: 'boolean', description: 'Print the result (or the error) as one JSON object on stdout' };
const HELP_FLAG: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' };
const APP_ID_FLAG: OptionSpec = {
  type: 'string', value: 'ID', required: true, env: APP_ID_ENV, description: 'App ID',
};
const TOKEN_ARGUMENT = { name: 'TOKEN', description: 'The token, or - to read it from stdin' };

/** Drops undefined members, so parsed options hold only what was given. */
function given<T extends Record<string, unknown>>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}

/** `stagepass token create`: mint a token. */
export const tokenCreateCommand: Command = defineCommand({
  path: ['token', 'create'],
  summary: 'Mint a token and print it on stdout',
  usage: [
    'stagepass token create --app-id ID --session SID [--secret S | --private-key FILE [--alg ALG]]',
    '       [--role ROLE] [--ttl DUR | --expire-time UNIX] [--not-before UNIX] [--data STR] [--layout CLASS]...',
    '       [--format stagepass|opentok-t1|vonage] [--kid KID] [--now UNIX] [--json]',
  ],
  description: [
    'Signs with the app secret (HS256; opentok-t1 uses HMAC-SHA1) or a private key file (PEM or JWK):',
    'Ed25519 → EdDSA, P-256 → ES256, RSA → RS256 (vonage tokens need RSA).',
    'Connection data is shown to everyone in the session: never put personal data in it in clear.',
  ],
  positionals: [],
  options: {
    'app-id': APP_ID_FLAG,
    session: { type: 'string', value: 'SID', required: true, description: 'Session ID the token is for' },
    secret: {
      type: 'string', value: 'S', env: SECRET_ENV, conflicts: ['private-key'],
      description: 'App secret, at least 32 bytes; never printed',
    },
    'private-key': { type: 'string', value: 'FILE', description: 'Private key file, PEM or JWK' },
    alg: { type: 'string', value: 'ALG', choices: JWS_ALGORITHMS, description: 'Algorithm; must match the key (EdDSA, ES256, RS256)' },
    role: { type: 'string', value: 'ROLE', description: 'subscriber, publisher (default), publisheronly or moderator' },
    ttl: {
      type: 'string', value: 'DUR', conflicts: ['expire-time'],
      description: 'Lifetime: seconds or 30m, 24h, 7d (default 24h, at most 30d)',
    },
    'expire-time': { type: 'string', value: 'UNIX', integer: true, description: 'Expiry, integer UNIX seconds' },
    'not-before': { type: 'string', value: 'UNIX', integer: true, description: 'Not valid before, integer UNIX seconds' },
    data: { type: 'string', value: 'STR', description: 'Connection data (≤ 1000 characters), visible to the whole session' },
    layout: { type: 'string', value: 'CLASS', multiple: true, description: 'Initial layout class; repeat for several' },
    format: { type: 'string', value: 'FMT', choices: TOKEN_FORMATS, description: 'stagepass (default), opentok-t1 or vonage' },
    kid: { type: 'string', value: 'KID', description: 'Key ID written in the JWS header' },
    now: { type: 'string', value: 'UNIX', integer: true, description: 'Creation time, integer UNIX seconds (default: now)' },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => given({
    appId: args.string('app-id')!,
    sessionId: args.string('session')!,
    secret: args.string('secret'),
    privateKeyFile: args.string('private-key'),
    alg: args.string('alg'),
    role: args.string('role'),
    ttl: args.string('ttl'),
    expireTime: args.integer('expire-time'),
    notBefore: args.integer('not-before'),
    now: args.integer('now'),
    data: args.string('data'),
    layout: args.strings('layout').length > 0 ? args.strings('layout') : undefined,
    format: args.string('format'),
    kid: args.string('kid'),
  }),
  run: tokenCreate,
  render: renderTokenCreate,
});

/** `stagepass token verify`: verify a token's signature and claims. */
export const tokenVerifyCommand: Command = defineCommand({
  path: ['token', 'verify'],
  summary: 'Verify a token (exit 0 valid, 1 refused)',
  usage: [
    'stagepass token verify TOKEN --app-id ID (--secret S | --public-key FILE) [--session SID] [--legacy-t1]',
    '       [--clock-tolerance SEC] [--now UNIX] [--json]',
  ],
  description: [
    'Exit 0 when the token is valid, 1 when it is refused (the ERR_TOKEN_… code says why), 2 on a usage error.',
  ],
  positionals: [TOKEN_ARGUMENT],
  options: {
    'app-id': APP_ID_FLAG,
    secret: {
      type: 'string', value: 'S', env: SECRET_ENV, conflicts: ['public-key'],
      description: 'App secret; never printed',
    },
    'public-key': { type: 'string', value: 'FILE', description: 'Public key file, PEM or JWK' },
    session: { type: 'string', value: 'SID', description: 'Require the token to be for this session' },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    'clock-tolerance': { type: 'string', value: 'SEC', integer: true, description: 'Clock skew forgiven, 0–300 seconds (default 30)' },
    now: { type: 'string', value: 'UNIX', integer: true, description: 'Verify as if at this time, integer UNIX seconds' },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'public-key']],
  jsonErrorFields: { valid: false },
  toOptions: (args) => given({
    token: args.positional(0)!,
    appId: args.string('app-id')!,
    secret: args.string('secret'),
    publicKeyFile: args.string('public-key'),
    sessionId: args.string('session'),
    legacyT1: args.flag('legacy-t1') || undefined,
    clockTolerance: args.integer('clock-tolerance'),
    now: args.integer('now'),
  }),
  run: tokenVerify,
  render: renderTokenVerify,
});

/** `stagepass token inspect`: decode a token without verifying it. */
export const tokenInspectCommand: Command = defineCommand({
  path: ['token', 'inspect'],
  summary: 'Decode a token WITHOUT verifying it',
  usage: ['stagepass token inspect TOKEN [--json]'],
  description: ['Shows the header and claims of a token for debugging. Nothing shown is verified.'],
  positionals: [TOKEN_ARGUMENT],
  options: { json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) => ({ token: args.positional(0)! }),
  run: tokenInspect,
  render: renderTokenInspect,
});

const URL_FLAG: OptionSpec = {
  type: 'string', value: 'URL', env: URL_ENV, description: `Gateway base URL; ${DEFAULT_GATEWAY_URL} if unset`,
};
/** The gateway and the app credentials: each request carries a fresh app JWT signed with them. */
const GATEWAY_FLAGS: Readonly<Record<string, OptionSpec>> = {
  url: URL_FLAG,
  'app-id': APP_ID_FLAG,
  secret: {
    type: 'string', value: 'S', env: SECRET_ENV, conflicts: ['private-key'],
    description: 'App secret: signs the app JWT of each request (HS256); never printed',
  },
  'private-key': { type: 'string', value: 'FILE', description: 'A private key file registered with the app (PEM or JWK), instead of the secret' },
  kid: { type: 'string', value: 'KID', description: 'Key ID written in the app JWT header' },
};
const SESSION_ARGUMENT = { name: 'SESSION_ID', description: 'The session ID' };
const GATEWAY_USAGE = '       [--url URL] [--app-id ID] [--secret S | --private-key FILE [--kid KID]] [--json]';
const GATEWAY_DESCRIPTION = [
  'Talks to a running gateway\'s REST API (docs/protocol.md); each request is signed with a fresh app JWT.',
  'Exit 0 when done, 1 when the gateway refuses (its code, e.g. ERR_NOT_FOUND) or cannot be reached, 2 on a usage error.',
  'Gateway IDs may start with "-": give such an ID after "--" (… -- SESSION_ID ID), or as --flag=ID.',
];

/** The options every `stagepass session …` command shares. */
function gatewayOptions(args: ParsedArgs): GatewayOptions {
  return given({
    url: args.string('url') ?? DEFAULT_GATEWAY_URL,
    appId: args.string('app-id')!,
    secret: args.string('secret'),
    privateKeyFile: args.string('private-key'),
    kid: args.string('kid'),
  });
}

/** `stagepass session create`: create a session. */
export const sessionCreateCommand: Command = defineCommand({
  path: ['session', 'create'],
  summary: 'Create a session and print its ID on stdout',
  usage: ['stagepass session create [--session-id ID]', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [],
  options: {
    'session-id': { type: 'string', value: 'ID', description: 'Session ID to use (default: the gateway makes one)' },
    ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => given({ ...gatewayOptions(args), sessionId: args.string('session-id') }),
  run: sessionCreate,
  render: renderSessionCreate,
});

/** `stagepass session show`: a session's connections, streams and force mute. */
export const sessionShowCommand: Command = defineCommand({
  path: ['session', 'show'],
  summary: 'Show a session: connections, streams, force mute',
  usage: ['stagepass session show SESSION_ID', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT],
  options: { ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)! }),
  run: sessionShow,
  render: renderSessionShow,
});

/** `stagepass session disconnect`: force-disconnect a connection. */
export const sessionDisconnectCommand: Command = defineCommand({
  path: ['session', 'disconnect'],
  summary: 'Force-disconnect a connection',
  usage: ['stagepass session disconnect SESSION_ID CONNECTION_ID', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT, { name: 'CONNECTION_ID', description: 'The connection to close' }],
  options: { ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)!, connectionId: args.positional(1)! }),
  run: sessionDisconnect,
  render: renderSessionDisconnect,
});

/** `stagepass session unpublish`: force-unpublish a stream. */
export const sessionUnpublishCommand: Command = defineCommand({
  path: ['session', 'unpublish'],
  summary: 'Force-unpublish a stream',
  usage: ['stagepass session unpublish SESSION_ID STREAM_ID', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT, { name: 'STREAM_ID', description: 'The stream to end' }],
  options: { ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)!, streamId: args.positional(1)! }),
  run: sessionUnpublish,
  render: renderSessionUnpublish,
});

/** `stagepass session mute`: force-mute one stream. */
export const sessionMuteCommand: Command = defineCommand({
  path: ['session', 'mute'],
  summary: 'Force-mute the audio of one stream',
  usage: ['stagepass session mute SESSION_ID STREAM_ID', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT, { name: 'STREAM_ID', description: 'The stream to mute' }],
  options: { ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)!, streamId: args.positional(1)! }),
  run: sessionMute,
  render: renderSessionMute,
});

/** `stagepass session mute-all`: force-mute every stream but the excluded ones. */
export const sessionMuteAllCommand: Command = defineCommand({
  path: ['session', 'mute-all'],
  summary: 'Force-mute every stream (and later ones) until unmute-all',
  usage: ['stagepass session mute-all SESSION_ID [--exclude STREAM_ID]...', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT],
  options: {
    exclude: { type: 'string', value: 'STREAM_ID', multiple: true, description: 'A stream that keeps its audio; repeat for several' },
    ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)!, excludedStreamIds: args.strings('exclude') }),
  run: sessionMuteAll,
  render: renderForceMute,
});

/** `stagepass session unmute-all`: end force mute. */
export const sessionUnmuteAllCommand: Command = defineCommand({
  path: ['session', 'unmute-all'],
  summary: 'End force mute in a session',
  usage: ['stagepass session unmute-all SESSION_ID', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [SESSION_ARGUMENT],
  options: { ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({ ...gatewayOptions(args), sessionId: args.positional(0)! }),
  run: sessionUnmuteAll,
  render: renderForceMute,
});

/** `stagepass session signal`: send a signal from the app's backend. */
export const sessionSignalCommand: Command = defineCommand({
  path: ['session', 'signal'],
  summary: 'Send a signal to everyone in a session, or to one connection',
  usage: ['stagepass session signal SESSION_ID [--to CONNECTION_ID] [--type T] --data D', GATEWAY_USAGE],
  description: [...GATEWAY_DESCRIPTION, 'Clients receive it with from: null. Write --data=VALUE for data that starts with "-".'],
  positionals: [SESSION_ARGUMENT],
  options: {
    to: { type: 'string', value: 'CONNECTION_ID', description: 'Only this connection (default: everyone in the session)' },
    type: { type: 'string', value: 'T', description: 'Signal type: up to 128 of A-Z a-z 0-9 - _ ~ (default "")' },
    data: { type: 'string', value: 'D', required: true, description: 'The signal\'s text, at most 8 KiB (UTF-8)' },
    ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => given({
    ...gatewayOptions(args), sessionId: args.positional(0)!, to: args.string('to'), type: args.string('type'), data: args.string('data')!,
  }),
  run: sessionSignal,
  render: renderSessionSignal,
});

/** `stagepass session revoke`: revoke tokens and close the connections they admitted. */
export const sessionRevokeCommand: Command = defineCommand({
  path: ['session', 'revoke'],
  summary: 'Revoke tokens: refuse them from now on and close their connections',
  usage: [
    'stagepass session revoke (--token-id ID --expire-time UNIX | --issued-before UNIX [--session SESSION_ID])',
    GATEWAY_USAGE,
  ],
  description: [
    ...GATEWAY_DESCRIPTION,
    'Later admissions are refused ERR_TOKEN_REVOKED and matching live connections are closed (4014).',
    'tokenId and expireTime are what "stagepass token verify --json" prints for a token.',
  ],
  positionals: [],
  options: {
    'token-id': { type: 'string', value: 'ID', conflicts: ['issued-before'], description: 'Revoke the token with this ID' },
    'expire-time': { type: 'string', value: 'UNIX', integer: true, conflicts: ['issued-before'], description: 'That token\'s expiry, integer UNIX seconds' },
    'issued-before': { type: 'string', value: 'UNIX', integer: true, description: 'Revoke every token issued before this time, integer UNIX seconds' },
    session: { type: 'string', value: 'SESSION_ID', conflicts: ['token-id'], description: 'With --issued-before: only this session\'s tokens' },
    ...GATEWAY_FLAGS, json: JSON_FLAG, help: HELP_FLAG,
  },
  requireOneOf: [['token-id', 'issued-before'], ['secret', 'private-key']],
  toOptions: (args) => given({
    ...gatewayOptions(args),
    tokenId: args.string('token-id'),
    expireTime: args.integer('expire-time'),
    issuedBefore: args.integer('issued-before'),
    sessionId: args.string('session'),
  }),
  run: sessionRevoke,
  render: renderSessionRevoke,
});

/** The `stagepass session …` commands, in help order. */
export const SESSION_COMMANDS: readonly Command[] = [
  sessionCreateCommand, sessionShowCommand, sessionDisconnectCommand, sessionUnpublishCommand, sessionMuteCommand,
  sessionMuteAllCommand, sessionUnmuteAllCommand, sessionSignalCommand, sessionRevokeCommand,
];

const DB_FLAG: OptionSpec = {
  type: 'string', value: 'PATH', env: DB_ENV, description: `The app database file (${DEFAULT_DB_PATH} when neither is set)`,
};
const APP_ID_ARGUMENT = { name: 'APP_ID', description: 'The App ID' };
const SHOW_SECRET_FLAG: OptionSpec = { type: 'boolean', description: 'Also print the HS256 secrets' };
const ORIGIN_FLAG: OptionSpec = {
  type: 'string', value: 'O', multiple: true,
  description: 'Allowed page origin, exactly scheme://host[:port]; repeat for several (none = any origin)',
};
const ON_OFF = ['true', 'false'] as const;
/** Where the master key comes from, said in every `app` command's help. */
const MASTER_KEY_NOTE = `With $${MASTER_KEY_ENV} set (64 hex characters or base64 of 32 bytes: openssl rand -hex 32), secrets are stored encrypted (AES-256-GCM); a database so encrypted opens only with that key.`;

/** `stagepass app create`: register a new app with a fresh secret. */
export const appCreateCommand: Command = defineCommand({
  path: ['app', 'create'],
  summary: 'Register a new app and print its App ID and secret (once)',
  usage: [
    'stagepass app create --name NAME [--legacy-t1] [--single-use] [--eject-at-expiry] [--origin O]...',
    '       [--max-connections N] [--db PATH] [--json]',
  ],
  description: [
    'Makes a UUID App ID and a 32-byte HS256 secret (key k1), and prints a ready "stagepass token create" line.',
    'The secret is printed now; later only "app show --show-secret" or "app list --show-secret" prints it.',
    MASTER_KEY_NOTE,
  ],
  positionals: [],
  options: {
    name: { type: 'string', value: 'NAME', required: true, description: 'A name for people (≤ 200 characters)' },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    'single-use': { type: 'boolean', description: 'Admit each token once' },
    'eject-at-expiry': { type: 'boolean', description: 'Disconnect clients when their token expires' },
    origin: ORIGIN_FLAG,
    'max-connections': { type: 'string', value: 'N', description: 'Most connections per session, 1–100000 (default: the gateway\'s)' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  toOptions: (args) => given({
    db: args.string('db') ?? DEFAULT_DB_PATH,
    name: args.string('name')!,
    legacyT1: args.flag('legacy-t1') || undefined,
    singleUseTokens: args.flag('single-use') || undefined,
    ejectAtExpiry: args.flag('eject-at-expiry') || undefined,
    allowedOrigins: args.strings('origin').length > 0 ? args.strings('origin') : undefined,
    maxConnections: args.string('max-connections'),
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
  toOptions: (args) => given({ db: args.string('db') ?? DEFAULT_DB_PATH, showSecret: args.flag('show-secret') || undefined }),
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
  toOptions: (args) => given({
    db: args.string('db') ?? DEFAULT_DB_PATH, appId: args.positional(0)!, showSecret: args.flag('show-secret') || undefined,
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
    'app-id': { type: 'string', value: 'ID', required: true, description: 'The OpenTok API key or Vonage application ID' },
    name: { type: 'string', value: 'NAME', required: true, description: 'A name for people (≤ 200 characters)' },
    secret: {
      type: 'string', value: 'S', env: SECRET_ENV, conflicts: ['public-key'],
      description: 'The OpenTok API secret (≥ 32 bytes); never printed',
    },
    'public-key': { type: 'string', value: 'FILE', description: 'The Vonage application\'s public key file, PEM or JWK' },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'public-key']],
  toOptions: (args) => given({
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
    'The app\'s other keys keep verifying until retired: mint with the new key, then retire the old one',
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
      type: 'string', value: 'S', env: SECRET_ENV, conflicts: ['public-key'],
      description: 'An HS256 secret of your own (≥ 32 bytes); never printed',
    },
    kid: { type: 'string', value: 'KID', description: 'Key ID (default: the next k1, k2, …)' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['public-key', 'secret']],
  toOptions: (args) => given({
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
  description: ['The app\'s last active key cannot be retired: add or rotate in another first.', MASTER_KEY_NOTE],
  positionals: [APP_ID_ARGUMENT, { name: 'KID', description: 'The key ID, e.g. k1' }],
  options: { db: DB_FLAG, json: JSON_FLAG, help: HELP_FLAG },
  toOptions: (args) => ({ db: args.string('db') ?? DEFAULT_DB_PATH, appId: args.positional(0)!, kid: args.positional(1)! }),
  run: appRetireKey,
  render: renderAppRetireKey,
});

/** `stagepass app set`: change an app's settings. */
export const appSetCommand: Command = defineCommand({
  path: ['app', 'set'],
  summary: 'Change an app\'s settings',
  usage: [
    'stagepass app set APP_ID [--legacy-t1 true|false] [--single-use true|false] [--eject-at-expiry true|false]',
    '       [--origin O]... [--clear-origins] [--max-connections N|none] [--db PATH] [--json]',
  ],
  description: ['Settings not named keep their values; --origin replaces the whole list.', MASTER_KEY_NOTE],
  positionals: [APP_ID_ARGUMENT],
  options: {
    'legacy-t1': { type: 'string', value: 'BOOL', choices: ON_OFF, description: 'Accept legacy OpenTok T1 tokens' },
    'single-use': { type: 'string', value: 'BOOL', choices: ON_OFF, description: 'Admit each token once' },
    'eject-at-expiry': { type: 'string', value: 'BOOL', choices: ON_OFF, description: 'Disconnect clients when their token expires' },
    origin: { ...ORIGIN_FLAG, conflicts: ['clear-origins'] },
    'clear-origins': { type: 'boolean', description: 'Allow any origin again' },
    'max-connections': { type: 'string', value: 'N', description: 'Most connections per session, 1–100000, or none (the gateway\'s default)' },
    db: DB_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  toOptions: (args) => given({
    db: args.string('db') ?? DEFAULT_DB_PATH,
    appId: args.positional(0)!,
    legacyT1: args.string('legacy-t1'),
    singleUseTokens: args.string('single-use'),
    ejectAtExpiry: args.string('eject-at-expiry'),
    allowedOrigins: args.strings('origin').length > 0 ? args.strings('origin') : undefined,
    clearOrigins: args.flag('clear-origins') || undefined,
    maxConnections: args.string('max-connections'),
  }),
  run: appSet,
  render: renderAppSet,
});

/** The `stagepass app …` commands, in help order. */
export const APP_COMMANDS: readonly Command[] = [
  appCreateCommand, appListCommand, appShowCommand, appImportCommand,
  appRotateSecretCommand, appAddKeyCommand, appRetireKeyCommand, appSetCommand,
];

/** `stagepass serve`: the gateway, until SIGINT/SIGTERM (the main job: `npm start`). */
export const serveCommand: Command = defineCommand({
  path: ['serve'],
  summary: 'Run the gateway (HTTP + WebSocket) until interrupted',
  usage: ['stagepass serve [--host HOST] [--port PORT] [--db PATH] [--log-level LEVEL] [--pretty auto|true|false] [--drain-ms MS]'],
  description: [
    'Admits clients by App ID + token on ws://HOST:PORT/v1/connect (docs/protocol.md), serves the REST API for',
    'app backends under /v1/apps/, and /healthz, /readyz, /metrics. Apps live in the SQLite file --db;',
    `secrets are encrypted at rest when ${MASTER_KEY_ENV} is set. On a first start with no apps it creates a`,
    'development app and prints its App ID and secret once. SIGINT/SIGTERM: stop admitting, close clients (1001),',
    'exit within the drain time.',
  ],
  positionals: [],
  options: {
    host: { type: 'string', value: 'HOST', env: HOST_ENV, description: `Address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)` },
    port: { type: 'string', value: 'PORT', env: PORT_ENV, description: `Port (default ${DEFAULT_PORT}; 0 picks a free one)` },
    db: DB_FLAG,
    'log-level': { type: 'string', value: 'LEVEL', choices: LOG_LEVELS, description: 'Log level (default info)' },
    pretty: { type: 'string', value: 'WHEN', choices: ['auto', 'true', 'false'], description: 'Readable log lines instead of JSON (default auto: on a terminal)' },
    'drain-ms': { type: 'string', value: 'MS', integer: true, description: 'Time clients get to close on shutdown, ms (default 5000)' },
    help: HELP_FLAG,
  },
  toOptions: (args) => ({
    host: args.string('host') ?? DEFAULT_HOST,
    port: args.string('port') ?? DEFAULT_PORT,
    db: args.string('db') ?? DEFAULT_DB_PATH,
    logLevel: args.string('log-level') ?? 'info',
    pretty: args.string('pretty') ?? 'auto',
    drainMs: args.integer('drain-ms') ?? 5000,
  }),
  run: serve,
  render: renderServe,
});

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [serveCommand, tokenCreateCommand, tokenVerifyCommand, tokenInspectCommand, ...APP_COMMANDS, ...SESSION_COMMANDS];

/** One line for each command group, shown in help. */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  serve: 'Run the gateway (the main job: npm start)',
  token: 'Mint, verify and inspect access tokens',
  app: 'Register apps; manage their keys and settings',
  session: 'Manage live sessions through a running gateway',
};
