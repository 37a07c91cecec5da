/**
 * The `stagepass token …` commands: their flags and how they become each command's options.
 */
import { JWS_ALGORITHMS, TOKEN_FORMATS } from '@stagepass/token';
import { defineCommand, type Command } from '../command-spec.js';
import { APP_ID_FLAG, given, HELP_FLAG, JSON_FLAG, SECRET_ENV } from './common-flags.js';
import { renderTokenCreate, tokenCreate } from './token-create.js';
import { renderTokenInspect, tokenInspect } from './token-inspect.js';
import { renderTokenVerify, tokenVerify } from './token-verify.js';

const TOKEN_ARGUMENT = { name: 'TOKEN', description: 'The token, or - to read it from stdin' };

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
      type: 'string',
      value: 'S',
      env: SECRET_ENV,
      nonEmpty: true,
      conflicts: ['private-key'],
      description: 'App secret, at least 32 bytes; never printed',
    },
    'private-key': { type: 'string', value: 'FILE', description: 'Private key file, PEM or JWK' },
    alg: {
      type: 'string',
      value: 'ALG',
      choices: JWS_ALGORITHMS,
      description: 'Algorithm; must match the key (EdDSA, ES256, RS256)',
    },
    role: { type: 'string', value: 'ROLE', description: 'subscriber, publisher (default), publisheronly or moderator' },
    ttl: {
      type: 'string',
      value: 'DUR',
      conflicts: ['expire-time'],
      description: 'Lifetime: seconds or 30m, 24h, 7d (default 24h, at most 30d)',
    },
    'expire-time': { type: 'string', value: 'UNIX', integer: true, description: 'Expiry, integer UNIX seconds' },
    'not-before': {
      type: 'string',
      value: 'UNIX',
      integer: true,
      description: 'Not valid before, integer UNIX seconds',
    },
    data: {
      type: 'string',
      value: 'STR',
      description: 'Connection data (≤ 1000 characters), visible to the whole session',
    },
    layout: { type: 'string', value: 'CLASS', multiple: true, description: 'Initial layout class; repeat for several' },
    format: {
      type: 'string',
      value: 'FMT',
      choices: TOKEN_FORMATS,
      description: 'stagepass (default), opentok-t1 or vonage',
    },
    kid: { type: 'string', value: 'KID', description: 'Key ID written in the JWS header' },
    now: {
      type: 'string',
      value: 'UNIX',
      integer: true,
      description: 'Creation time, integer UNIX seconds (default: now)',
    },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'private-key']],
  toOptions: (args) =>
    given({
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
      type: 'string',
      value: 'S',
      env: SECRET_ENV,
      nonEmpty: true,
      conflicts: ['public-key'],
      description: 'App secret; never printed',
    },
    'public-key': { type: 'string', value: 'FILE', description: 'Public key file, PEM or JWK' },
    session: { type: 'string', value: 'SID', description: 'Require the token to be for this session' },
    'legacy-t1': { type: 'boolean', description: 'Accept legacy OpenTok T1 tokens' },
    'clock-tolerance': {
      type: 'string',
      value: 'SEC',
      integer: true,
      description: 'Clock skew forgiven, 0–300 seconds (default 30)',
    },
    now: {
      type: 'string',
      value: 'UNIX',
      integer: true,
      description: 'Verify as if at this time, integer UNIX seconds',
    },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  requireOneOf: [['secret', 'public-key']],
  jsonErrorFields: { valid: false },
  toOptions: (args) =>
    given({
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

/** The `stagepass token …` commands, in help order. */
export const TOKEN_COMMANDS: readonly Command[] = [tokenCreateCommand, tokenVerifyCommand, tokenInspectCommand];
