/**
 * The `stagepass session …` commands: the gateway flags they share, their own flags and how they
 * become each command's options.
 */
import { defineCommand, type Command, type OptionSpec, type ParsedArgs } from '../command-spec.js';
import { APP_ID_FLAG, given, HELP_FLAG, JSON_FLAG, SECRET_ENV } from './common-flags.js';
import { DEFAULT_GATEWAY_URL, type GatewayOptions } from './session-request.js';
import { renderSessionCreate, sessionCreate } from './session-create.js';
import { renderSessionDisconnect, sessionDisconnect } from './session-disconnect.js';
import { renderForceMute, renderSessionMute, sessionMute, sessionMuteAll, sessionUnmuteAll } from './session-mute.js';
import { renderSessionRevoke, sessionRevoke } from './session-revoke.js';
import { renderSessionShow, sessionShow } from './session-show.js';
import { renderSessionSignal, sessionSignal } from './session-signal.js';
import { renderSessionUnpublish, sessionUnpublish } from './session-unpublish.js';

/** The environment variable that defaults `--url` of `stagepass session …`. */
export const URL_ENV = 'STAGEPASS_URL';

const URL_FLAG: OptionSpec = {
  type: 'string',
  value: 'URL',
  env: URL_ENV,
  description: `Gateway base URL; ${DEFAULT_GATEWAY_URL} if unset`,
};
/** The gateway and the app credentials: each request carries a fresh app JWT signed with them. */
const GATEWAY_FLAGS: Readonly<Record<string, OptionSpec>> = {
  url: URL_FLAG,
  'app-id': APP_ID_FLAG,
  secret: {
    type: 'string',
    value: 'S',
    env: SECRET_ENV,
    nonEmpty: true,
    conflicts: ['private-key'],
    description: 'App secret: signs the app JWT of each request (HS256); never printed',
  },
  'private-key': {
    type: 'string',
    value: 'FILE',
    description: 'A private key file registered with the app (PEM or JWK), instead of the secret',
  },
  kid: { type: 'string', value: 'KID', description: 'Key ID written in the app JWT header' },
};
const SESSION_ARGUMENT = { name: 'SESSION_ID', description: 'The session ID' };
const GATEWAY_USAGE = '       [--url URL] [--app-id ID] [--secret S | --private-key FILE [--kid KID]] [--json]';
const GATEWAY_DESCRIPTION = [
  "Talks to a running gateway's REST API (docs/protocol.md); each request is signed with a fresh app JWT.",
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
  usage: ['stagepass session create [--session-id ID] [--routed | --relayed]', GATEWAY_USAGE],
  description: GATEWAY_DESCRIPTION,
  positionals: [],
  options: {
    'session-id': { type: 'string', value: 'ID', description: 'Session ID to use (default: the gateway makes one)' },
    routed: {
      type: 'boolean',
      conflicts: ['relayed'],
      description: 'Routed media: the gateway forwards every stream and enforces force-mute on the media',
    },
    relayed: {
      type: 'boolean',
      description: "Relayed media: peer to peer (without either flag: the app's mediaMode setting, default relayed)",
    },
    ...GATEWAY_FLAGS,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) =>
    given({
      ...gatewayOptions(args),
      sessionId: args.string('session-id'),
      mediaMode: args.flag('routed') ? ('routed' as const) : args.flag('relayed') ? ('relayed' as const) : undefined,
    }),
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
    exclude: {
      type: 'string',
      value: 'STREAM_ID',
      multiple: true,
      description: 'A stream that keeps its audio; repeat for several',
    },
    ...GATEWAY_FLAGS,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) => ({
    ...gatewayOptions(args),
    sessionId: args.positional(0)!,
    excludedStreamIds: args.strings('exclude'),
  }),
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
  description: [
    ...GATEWAY_DESCRIPTION,
    'Clients receive it with from: null. Write --data=VALUE for data that starts with "-".',
  ],
  positionals: [SESSION_ARGUMENT],
  options: {
    to: {
      type: 'string',
      value: 'CONNECTION_ID',
      description: 'Only this connection (default: everyone in the session)',
    },
    type: { type: 'string', value: 'T', description: 'Signal type: up to 128 of A-Z a-z 0-9 - _ ~ (default "")' },
    data: { type: 'string', value: 'D', required: true, description: "The signal's text, at most 8 KiB (UTF-8)" },
    ...GATEWAY_FLAGS,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) =>
    given({
      ...gatewayOptions(args),
      sessionId: args.positional(0)!,
      to: args.string('to'),
      type: args.string('type'),
      data: args.string('data')!,
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
    'token-id': {
      type: 'string',
      value: 'ID',
      conflicts: ['issued-before'],
      description: 'Revoke the token with this ID',
    },
    'expire-time': {
      type: 'string',
      value: 'UNIX',
      integer: true,
      conflicts: ['issued-before'],
      description: "That token's expiry, integer UNIX seconds",
    },
    'issued-before': {
      type: 'string',
      value: 'UNIX',
      integer: true,
      description: 'Revoke every token issued before this time, integer UNIX seconds',
    },
    session: {
      type: 'string',
      value: 'SESSION_ID',
      conflicts: ['token-id'],
      description: "With --issued-before: only this session's tokens",
    },
    ...GATEWAY_FLAGS,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [
    ['token-id', 'issued-before'],
    ['secret', 'private-key'],
  ],
  toOptions: (args) =>
    given({
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
  sessionCreateCommand,
  sessionShowCommand,
  sessionDisconnectCommand,
  sessionUnpublishCommand,
  sessionMuteCommand,
  sessionMuteAllCommand,
  sessionUnmuteAllCommand,
  sessionSignalCommand,
  sessionRevokeCommand,
];
