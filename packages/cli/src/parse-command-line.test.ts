import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, wantsJson } from './parse-command-line.js';
import { isUsageError } from './usage-error.js';

const SECRET = 'parser-test-secret-0123456789abcdef';
const BASE = ['--app-id', 'app-1', '--session', 'sess-1'];
const create = (...args: string[]): string[] => ['token', 'create', ...BASE, '--secret', SECRET, ...args];

type Row =
  | {
      readonly argv: readonly string[];
      readonly env?: Record<string, string>;
      readonly options: unknown;
      readonly json?: boolean;
      readonly path: string;
    }
  | {
      readonly argv: readonly string[];
      readonly env?: Record<string, string>;
      readonly error: string | undefined;
      readonly message: RegExp;
    };

/** argv → the command's own options, or the usage error and the option it names. */
const ROWS: readonly Row[] = [
  { argv: create(), path: 'token create', options: { appId: 'app-1', sessionId: 'sess-1', secret: SECRET } },
  {
    argv: create(
      '--role',
      'moderator',
      '--ttl',
      '90',
      '--data',
      'user=42',
      '--layout',
      'a',
      '--layout',
      'b',
      '--json',
      '--now',
      '1700000000',
      '--not-before',
      '1700000010',
      '--format',
      'opentok-t1',
      '--kid',
      'k1',
    ),
    path: 'token create',
    json: true,
    options: {
      appId: 'app-1',
      sessionId: 'sess-1',
      secret: SECRET,
      role: 'moderator',
      ttl: '90',
      data: 'user=42',
      layout: ['a', 'b'],
      now: 1700000000,
      notBefore: 1700000010,
      format: 'opentok-t1',
      kid: 'k1',
    },
  },
  {
    argv: create('--expire-time', '1700003600'),
    path: 'token create',
    options: { appId: 'app-1', sessionId: 'sess-1', secret: SECRET, expireTime: 1700003600 },
  },
  {
    argv: create('--data=-starts-with-dash'),
    path: 'token create',
    options: { appId: 'app-1', sessionId: 'sess-1', secret: SECRET, data: '-starts-with-dash' },
  },
  {
    argv: ['token', 'create', ...BASE, '--private-key', 'k.pem', '--alg', 'EdDSA'],
    path: 'token create',
    options: { appId: 'app-1', sessionId: 'sess-1', privateKeyFile: 'k.pem', alg: 'EdDSA' },
  },
  // Environment defaults; flags win, and a key file silences $STAGEPASS_SECRET.
  {
    argv: ['token', 'create', '--session', 's'],
    env: { STAGEPASS_APP_ID: 'env-app', STAGEPASS_SECRET: SECRET },
    path: 'token create',
    options: { appId: 'env-app', sessionId: 's', secret: SECRET },
  },
  {
    argv: [
      'token',
      'create',
      '--session',
      's',
      '--app-id',
      'flag-app',
      '--secret',
      'flag-secret-0123456789abcdef012345',
    ],
    env: { STAGEPASS_APP_ID: 'env-app', STAGEPASS_SECRET: SECRET },
    path: 'token create',
    options: { appId: 'flag-app', sessionId: 's', secret: 'flag-secret-0123456789abcdef012345' },
  },
  {
    argv: ['token', 'create', '--session', 's', '--private-key', 'k.pem'],
    env: { STAGEPASS_APP_ID: 'a', STAGEPASS_SECRET: SECRET },
    path: 'token create',
    options: { appId: 'a', sessionId: 's', privateKeyFile: 'k.pem' },
  },
  {
    argv: [
      'token',
      'verify',
      'TOK',
      '--app-id',
      'a',
      '--secret',
      SECRET,
      '--session',
      's',
      '--legacy-t1',
      '--clock-tolerance',
      '0',
      '--now',
      '1700000000',
    ],
    path: 'token verify',
    options: {
      token: 'TOK',
      appId: 'a',
      secret: SECRET,
      sessionId: 's',
      legacyT1: true,
      clockTolerance: 0,
      now: 1700000000,
    },
  },
  {
    argv: ['token', 'verify', '-', '--public-key', 'pub.pem'],
    env: { STAGEPASS_APP_ID: 'a', STAGEPASS_SECRET: SECRET },
    path: 'token verify',
    options: { token: '-', appId: 'a', publicKeyFile: 'pub.pem' },
  },
  {
    argv: ['token', 'verify', '--app-id', 'a', '--secret', SECRET, '--', '-TOK'],
    path: 'token verify',
    options: { token: '-TOK', appId: 'a', secret: SECRET },
  },
  { argv: ['token', 'inspect', 'TOK', '--json'], path: 'token inspect', json: true, options: { token: 'TOK' } },

  // Usage errors: each names the flag or argument at fault.
  { argv: create('--bogus'), error: '--bogus', message: /^unknown option --bogus$/ },
  { argv: create('-x'), error: '-x', message: /^unknown option -x$/ },
  {
    argv: ['token', 'create', '--session', 's', '--secret', SECRET],
    error: '--app-id',
    message: /^missing required option --app-id \(or set STAGEPASS_APP_ID\)$/,
  },
  {
    argv: ['token', 'create', '--app-id', 'a', '--secret', SECRET],
    error: '--session',
    message: /^missing required option --session$/,
  },
  {
    argv: ['token', 'create', ...BASE],
    error: '--secret',
    message: /^missing --secret or --private-key \(or set STAGEPASS_SECRET\)$/,
  },
  {
    argv: create('--private-key', 'k.pem'),
    error: '--secret',
    message: /^--secret and --private-key cannot be used together$/,
  },
  {
    argv: create('--ttl', '1h', '--expire-time', '1700003600'),
    error: '--ttl',
    message: /^--ttl and --expire-time cannot be used together$/,
  },
  { argv: create('--ttl', '1h', '--ttl', '2h'), error: '--ttl', message: /^--ttl is given more than once$/ },
  { argv: create('--expire-time', '1e3'), error: '--expire-time', message: /^--expire-time: must be a whole number/ },
  { argv: create('--expire-time', '12.5'), error: '--expire-time', message: /^--expire-time: must be a whole number/ },
  { argv: create('--expire-time', '0x10'), error: '--expire-time', message: /^--expire-time: must be a whole number/ },
  { argv: create('--expire-time=-5'), error: '--expire-time', message: /^--expire-time: must be a whole number/ },
  { argv: create('--expire-time='), error: '--expire-time', message: /^--expire-time: must be a whole number/ },
  { argv: create('--not-before', ' 5'), error: '--not-before', message: /^--not-before: must be a whole number/ },
  { argv: create('--now', '1700000000.0'), error: '--now', message: /^--now: must be a whole number/ },
  {
    argv: create('--format', 'jwt'),
    error: '--format',
    message: /^--format: must be one of stagepass, opentok-t1, vonage$/,
  },
  { argv: create('--alg', 'none'), error: '--alg', message: /^--alg: must be one of HS256, EdDSA, ES256, RS256$/ },
  { argv: create('--session'), error: '--session', message: /^--session needs a value$/ },
  { argv: create('--data', '-x'), error: '--data', message: /^--data needs a value; write --data=VALUE/ },
  { argv: create('--json=yes'), error: '--json', message: /^--json takes no value$/ },
  { argv: create('stray'), error: undefined, message: /^unexpected argument: token create takes no arguments/ },
  {
    argv: ['token', 'verify', '--app-id', 'a', '--secret', SECRET],
    error: 'TOKEN',
    message: /^missing TOKEN argument/,
  },
  {
    argv: ['token', 'verify', 'T', 'U', '--app-id', 'a', '--secret', SECRET],
    error: 'TOKEN',
    message: /^unexpected argument after TOKEN/,
  },
  {
    argv: ['token', 'verify', 'T', '--app-id', 'a', '--secret', SECRET, '--public-key', 'p'],
    error: '--secret',
    message: /^--secret and --public-key cannot be used together$/,
  },
  { argv: ['token', 'verify', 'T', '--app-id', 'a'], error: '--secret', message: /^missing --secret or --public-key/ },
  {
    argv: ['token', 'verify', 'T', '--app-id', 'a', '--secret', SECRET, '--clock-tolerance', '1.5'],
    error: '--clock-tolerance',
    message: /^--clock-tolerance: must be a whole number/,
  },
  {
    argv: ['token', 'verify', 'T', '--app-id', 'a', '--secret', SECRET, '--ttl', '1h'],
    error: '--ttl',
    message: /^unknown option --ttl$/,
  },
  { argv: ['token', 'inspect'], error: 'TOKEN', message: /^missing TOKEN argument/ },
  { argv: ['token'], error: undefined, message: /^missing command after "token" \(one of: create, verify, inspect\)$/ },
  { argv: ['token', 'frob'], error: undefined, message: /^unknown command "token frob"/ },
  { argv: ['frob'], error: undefined, message: /^unknown command "frob" \(one of: serve, token, app, session\)$/ },
  { argv: ['--frob'], error: '--frob', message: /^unknown option --frob$/ },
  { argv: ['--version', 'x'], error: '--version', message: /^--version takes no arguments$/ },

  // An unknown flag is named in full, however long (never its value), with the closest flag when one is close.
  { argv: ['--verison'], error: '--verison', message: /^unknown option --verison \(did you mean --version\?\)$/ },
  {
    argv: create('--sesion', 's'),
    error: '--sesion',
    message: /^unknown option --sesion \(did you mean --session\?\)$/,
  },
  {
    argv: create(`--sekret=${SECRET}`),
    error: '--sekret',
    message: /^unknown option --sekret \(did you mean --secret\?\)$/,
  },
  {
    argv: ['serve', '--max-payload-byte', '5'],
    error: '--max-payload-byte',
    message: /^unknown option --max-payload-byte \(did you mean --max-payload-bytes\?\)$/,
  },
  {
    argv: ['serve', '--maxPayloadBytes=5'],
    error: '--maxPayloadBytes',
    message: /^unknown option --maxPayloadBytes \(did you mean --max-payload-bytes\?\)$/,
  },
  {
    argv: ['serve', '--http-rate-limit-brust', '5'],
    error: '--http-rate-limit-brust',
    message: /^unknown option --http-rate-limit-brust \(did you mean --http-rate-limit-burst\?\)$/,
  },
  {
    argv: ['serve', `--${'a-very-long-flag-name-'.repeat(20)}end=${SECRET}`],
    error: `--${'a-very-long-flag-name-'.repeat(20)}end`,
    message: new RegExp(`^unknown option --${'a-very-long-flag-name-'.repeat(20)}end$`),
  },
  { argv: ['serve', '--frobnicate'], error: '--frobnicate', message: /^unknown option --frobnicate$/ },
  { argv: ['serve', '-leading-dash-value'], error: '-l', message: /^unknown option -l$/ },
  { argv: ['help', 'frob'], error: undefined, message: /^no help topic "frob"$/ },
];

describe('parseCommandLine: argv → options or usage error', () => {
  for (const row of ROWS) {
    it(row.argv.join(' ').replaceAll(SECRET, '$SECRET'), () => {
      if ('options' in row) {
        const parsed = parseCommandLine(row.argv, row.env ?? {});
        assert.equal(parsed.kind, 'command');
        if (parsed.kind !== 'command') return;
        assert.equal(parsed.command.path.join(' '), row.path);
        assert.deepEqual(parsed.options, row.options);
        assert.equal(parsed.json, row.json ?? false);
      } else {
        assert.throws(
          () => parseCommandLine(row.argv, row.env ?? {}),
          (err: unknown) => {
            assert.ok(isUsageError(err), 'a UsageError');
            assert.equal(err.code, 'ERR_INVALID_OPTION');
            assert.equal(err.option, row.error);
            assert.match(err.message, row.message);
            assert.ok(!err.message.includes(SECRET), 'the secret is never in a message');
            return true;
          },
        );
      }
    });
  }

  it('never repeats a value, even one Node would quote (a secret starting with "-")', () => {
    const secret = '-leading-dash-secret-0123456789abcdef';
    for (const argv of [
      ['token', 'create', ...BASE, '--secret', secret],
      ['token', 'create', ...BASE, `--secrte=${secret}`],
      ['token', 'create', ...BASE, secret],
      [secret],
    ]) {
      assert.throws(
        () => parseCommandLine(argv, {}),
        (err: unknown) => isUsageError(err) && !err.message.includes(secret),
      );
    }
  });

  it('answers help and version requests', () => {
    assert.deepEqual(parseCommandLine([], {}), { kind: 'help', path: [] });
    assert.deepEqual(parseCommandLine(['--help'], {}), { kind: 'help', path: [] });
    assert.deepEqual(parseCommandLine(['-h'], {}), { kind: 'help', path: [] });
    assert.deepEqual(parseCommandLine(['help'], {}), { kind: 'help', path: [] });
    assert.deepEqual(parseCommandLine(['help', 'token', 'verify'], {}), { kind: 'help', path: ['token', 'verify'] });
    assert.deepEqual(parseCommandLine(['token', '--help'], {}), { kind: 'help', path: ['token'] });
    assert.deepEqual(parseCommandLine(['token', 'create', '--help'], {}), { kind: 'help', path: ['token', 'create'] });
    // --help wins over other mistakes on the same line.
    assert.deepEqual(parseCommandLine(['token', 'create', '--bogus', '-h'], {}), {
      kind: 'help',
      path: ['token', 'create'],
    });
    assert.deepEqual(parseCommandLine(['--version'], {}), { kind: 'version' });
  });

  it('ignores empty environment variables', () => {
    assert.throws(
      () => parseCommandLine(['token', 'create', '--session', 's', '--secret', SECRET], { STAGEPASS_APP_ID: '' }),
      (err: unknown) => isUsageError(err) && err.option === '--app-id',
    );
  });

  it('treats --json after -- as an argument, not a flag', () => {
    assert.equal(wantsJson(['token', 'inspect', '--json']), true);
    assert.equal(wantsJson(['token', 'inspect', '--', '--json']), false);
  });
});
