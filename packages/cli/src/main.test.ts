/**
 * End-to-end: spawns the real `bin/stagepass.js` and checks stdout, stderr and the exit code.
 * Every run also checks that no secret or private key ever appears in any output.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from './test-support/run-cli.js';
import { CAPABILITIES, createToken } from '@stagepass/token';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const SECRET = `e2e-secret-${randomBytes(16).toString('hex')}`;
const OTHER_SECRET = `other-secret-${randomBytes(16).toString('hex')}`;
const APP = 'app-e2e-1';
const SESSION = 'sess-e2e-1';
const NOW = 1700000000;
const SECRET_FLAGS = ['--app-id', APP, '--secret', SECRET];

type Result = CliResult;

/** Secrets and private key bodies that must never be printed; filled in by `before`. */
const NEVER_PRINTED: string[] = [SECRET, OTHER_SECRET];

let dir = '';
const file = (name: string): string => join(dir, name);

function stagepass(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Result> {
  return runCli(args, { ...options, neverPrinted: NEVER_PRINTED });
}

function parseJson(text: string): Record<string, unknown> {
  assert.equal(text.endsWith('\n'), true, 'JSON output ends with a newline');
  assert.equal(text.trimEnd().includes('\n'), false, 'JSON output is one line');
  return JSON.parse(text) as Record<string, unknown>;
}

/** A key file's base64 body line, which must never be printed. */
function pemBody(pem: string): string {
  return pem.split('\n')[1]!;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagepass-cli-'));
  const ed = generateKeyPairSync('ed25519');
  const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file('ed25519.pem'), edPem);
  writeFileSync(file('ed25519.pub.pem'), ed.publicKey.export({ type: 'spki', format: 'pem' }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file('rsa.pem'), rsaPem);
  writeFileSync(file('rsa.pub.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecJwk = ec.privateKey.export({ format: 'jwk' });
  writeFileSync(file('p256.jwk.json'), JSON.stringify(ecJwk));
  writeFileSync(file('p256.pub.jwk.json'), JSON.stringify(ec.publicKey.export({ format: 'jwk' })));
  writeFileSync(file('not-a-key.txt'), 'hello\n');
  writeFileSync(file('broken.json'), '{"kty": "OKP",\n');
  NEVER_PRINTED.push(pemBody(edPem), pemBody(rsaPem), String(ecJwk.d));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('token create → token verify round trips', { concurrency: true }, () => {
  it('stagepass HS256: --json shows the claims, verify --json gives them back', async () => {
    const created = await stagepass([
      'token',
      'create',
      ...SECRET_FLAGS,
      '--session',
      SESSION,
      '--role',
      'moderator',
      '--ttl',
      '1h',
      '--now',
      String(NOW),
      '--not-before',
      String(NOW),
      '--data',
      'user=42',
      '--layout',
      'a',
      '--layout',
      'b',
      '--json',
    ]);
    assert.equal(created.code, 0);
    assert.equal(created.stderr, '');
    const out = parseJson(created.stdout);
    const claims = out.claims as Record<string, unknown>;
    assert.deepEqual(
      { ...out, token: undefined, claims: undefined },
      {
        token: undefined,
        format: 'stagepass',
        appId: APP,
        sessionId: SESSION,
        role: 'moderator',
        createTime: NOW,
        expireTime: NOW + 3600,
        notBefore: NOW,
        data: 'user=42',
        initialLayoutClassList: ['a', 'b'],
        header: { alg: 'HS256', typ: 'JWT' },
        claims: undefined,
      },
    );
    assert.equal(claims.iss, APP);
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + 3600);
    assert.equal(claims.nbf, NOW);
    assert.equal(claims.connection_data, 'user=42');
    assert.equal(claims.initial_layout_class_list, 'a b');
    assert.match(String(claims.jti), /^[A-Za-z0-9_-]{22}$/);

    const verified = await stagepass([
      'token',
      'verify',
      String(out.token),
      ...SECRET_FLAGS,
      '--session',
      SESSION,
      '--now',
      String(NOW + 10),
      '--json',
    ]);
    assert.equal(verified.code, 0);
    assert.equal(verified.stderr, '');
    assert.deepEqual(parseJson(verified.stdout), {
      valid: true,
      format: 'stagepass',
      algorithm: 'HS256',
      appId: APP,
      sessionId: SESSION,
      role: 'moderator',
      capabilities: CAPABILITIES.moderator,
      createTime: NOW,
      issuedAt: NOW,
      expireTime: NOW + 3600,
      notBefore: NOW,
      data: 'user=42',
      initialLayoutClassList: ['a', 'b'],
      tokenId: claims.jti,
      keyId: null,
    });
  });

  it('stagepass EdDSA with a PEM key file (alg from the key, kid in the header)', async () => {
    const created = await stagepass([
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      SESSION,
      '--private-key',
      file('ed25519.pem'),
      '--kid',
      'ed-1',
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const out = parseJson(created.stdout);
    assert.deepEqual(out.header, { alg: 'EdDSA', typ: 'JWT', kid: 'ed-1' });
    assert.equal(out.expireTime, NOW + 86400);
    assert.equal(out.role, 'publisher');
    assert.equal(out.notBefore, null);
    assert.equal(out.data, null);
    const verified = await stagepass([
      'token',
      'verify',
      String(out.token),
      '--app-id',
      APP,
      '--public-key',
      file('ed25519.pub.pem'),
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    const v = parseJson(verified.stdout);
    assert.equal(v.algorithm, 'EdDSA');
    assert.equal(v.format, 'stagepass');
    assert.equal(v.role, 'publisher');
    assert.deepEqual(v.capabilities, CAPABILITIES.publisher);
    assert.equal(v.expireTime, NOW + 86400);
    assert.equal(v.keyId, null);
  });

  it('stagepass EdDSA accepts a matching --alg', async () => {
    const created = await stagepass([
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      SESSION,
      '--private-key',
      file('ed25519.pem'),
      '--alg',
      'EdDSA',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('stagepass ES256 with JWK key files', async () => {
    const created = await stagepass([
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      SESSION,
      '--private-key',
      file('p256.jwk.json'),
      '--now',
      String(NOW),
    ]);
    assert.equal(created.code, 0, created.stderr);
    const verified = await stagepass([
      'token',
      'verify',
      created.stdout.trim(),
      '--app-id',
      APP,
      '--public-key',
      file('p256.pub.jwk.json'),
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(parseJson(verified.stdout).algorithm, 'ES256');
  });

  it('opentok-t1 (needs --legacy-t1 to verify)', async () => {
    const created = await stagepass([
      'token',
      'create',
      ...SECRET_FLAGS,
      '--session',
      SESSION,
      '--format',
      'opentok-t1',
      '--role',
      'subscriber',
      '--ttl',
      '90',
      '--data',
      'a&b=c:d',
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const out = parseJson(created.stdout);
    assert.match(String(out.token), /^T1==[A-Za-z0-9+/]+=*$/);
    assert.equal(out.format, 'opentok-t1');
    assert.equal(out.createTime, NOW);
    assert.equal(out.expireTime, NOW + 90);
    assert.equal(out.role, 'subscriber');
    assert.equal((out.header as Record<string, unknown>).partner_id, APP);
    assert.equal((out.claims as Record<string, unknown>).create_time, String(NOW));
    const verified = await stagepass([
      'token',
      'verify',
      String(out.token),
      ...SECRET_FLAGS,
      '--legacy-t1',
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    const v = parseJson(verified.stdout);
    assert.deepEqual(
      { ...v, tokenId: undefined },
      {
        valid: true,
        format: 'opentok-t1',
        algorithm: 'HMAC-SHA1',
        appId: APP,
        sessionId: SESSION,
        role: 'subscriber',
        capabilities: CAPABILITIES.subscriber,
        createTime: NOW,
        issuedAt: NOW,
        expireTime: NOW + 90,
        notBefore: null,
        data: 'a&b=c:d',
        initialLayoutClassList: [],
        tokenId: undefined,
        keyId: null,
      },
    );
    assert.match(String(v.tokenId), /^sha256:[A-Za-z0-9_-]{43}$/);
  });

  it('vonage with an RSA key', async () => {
    const created = await stagepass([
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      SESSION,
      '--private-key',
      file('rsa.pem'),
      '--format',
      'vonage',
      '--alg',
      'RS256',
      '--role',
      'publisheronly',
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const out = parseJson(created.stdout);
    assert.equal(out.format, 'vonage');
    assert.deepEqual(out.header, { alg: 'RS256', typ: 'JWT' });
    assert.equal((out.claims as Record<string, unknown>).application_id, APP);
    const verified = await stagepass([
      'token',
      'verify',
      String(out.token),
      '--app-id',
      APP,
      '--public-key',
      file('rsa.pub.pem'),
      '--now',
      String(NOW),
      '--json',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    const v = parseJson(verified.stdout);
    assert.equal(v.format, 'vonage');
    assert.equal(v.algorithm, 'RS256');
    assert.equal(v.role, 'publisheronly');
    assert.deepEqual(v.capabilities, CAPABILITIES.publisheronly);
  });

  it('plain output: the bare token, and a one-line verdict', async () => {
    const created = await stagepass(['token', 'create', ...SECRET_FLAGS, '--session', SESSION, '--now', String(NOW)]);
    assert.equal(created.code, 0);
    assert.equal(created.stderr, '');
    assert.match(created.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const verified = await stagepass([
      'token',
      'verify',
      created.stdout.trim(),
      ...SECRET_FLAGS,
      '--now',
      String(NOW + 60),
    ]);
    assert.equal(verified.code, 0);
    assert.equal(verified.stderr, '');
    assert.equal(
      verified.stdout,
      `valid Stagepass/OpenTok JWT (format stagepass), HS256: role publisher, session ${SESSION}, expires 2023-11-15T22:13:20Z (in 23h 59m)\n`,
    );
  });
});

/** [what, argv, the option the message names, message pattern]. */
const USAGE_ERRORS: readonly (readonly [string, () => string[], string | undefined, RegExp])[] = [
  [
    'unknown option',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--bogus'],
    '--bogus',
    /^unknown option --bogus$/,
  ],
  [
    'missing --app-id',
    () => ['token', 'create', '--session', 's', '--secret', SECRET],
    '--app-id',
    /^missing required option --app-id/,
  ],
  ['missing --session', () => ['token', 'create', ...SECRET_FLAGS], '--session', /^missing required option --session$/],
  [
    'missing key',
    () => ['token', 'create', '--app-id', APP, '--session', 's'],
    '--secret',
    /^missing --secret or --private-key/,
  ],
  [
    '--secret with --private-key',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--private-key', file('ed25519.pem')],
    '--secret',
    /^--secret and --private-key cannot be used together$/,
  ],
  [
    '--ttl with --expire-time',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--ttl', '1h', '--expire-time', String(NOW + 60)],
    '--ttl',
    /^--ttl and --expire-time cannot be used together$/,
  ],
  [
    '--expire-time 1e3',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--expire-time', '1e3'],
    '--expire-time',
    /^--expire-time: must be a whole number/,
  ],
  [
    '--expire-time 12.5',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--expire-time', '12.5'],
    '--expire-time',
    /^--expire-time: must be a whole number/,
  ],
  [
    '--not-before 12.5',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--not-before', '12.5'],
    '--not-before',
    /^--not-before: must be a whole number/,
  ],
  [
    '--now 1e3 on create',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--now', '1e3'],
    '--now',
    /^--now: must be a whole number/,
  ],
  [
    '--ttl 10x (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--ttl', '10x'],
    '--ttl',
    /^--ttl: must be positive seconds or a duration/,
  ],
  [
    '--ttl 31d (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--ttl', '31d'],
    '--ttl',
    /^--ttl: must be at most 30 days/,
  ],
  [
    '--expire-time in the past (library)',
    () => [
      'token',
      'create',
      ...SECRET_FLAGS,
      '--session',
      's',
      '--now',
      String(NOW),
      '--expire-time',
      String(NOW - 1),
    ],
    '--expire-time',
    /^--expire-time: must be in the future$/,
  ],
  [
    '--expire-time in milliseconds (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--expire-time', '1700000000000'],
    '--expire-time',
    /^--expire-time: looks like milliseconds/,
  ],
  [
    'bad --session (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 'has space'],
    '--session',
    /^--session: must be 1–512 printable ASCII/,
  ],
  [
    'bad --app-id (library)',
    () => ['token', 'create', '--app-id', 'has space', '--secret', SECRET, '--session', 's'],
    '--app-id',
    /^--app-id: must be 1–256 printable ASCII/,
  ],
  [
    'short --secret (library)',
    () => ['token', 'create', '--app-id', APP, '--secret', 'short-secret', '--session', 's'],
    '--secret',
    /^--secret: is 12 bytes; HS256 secrets must be at least 32 bytes/,
  ],
  [
    'bad --role (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--role', 'king'],
    '--role',
    /^--role: must be one of subscriber, publisher/,
  ],
  [
    'bad --format',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--format', 'jwt'],
    '--format',
    /^--format: must be one of stagepass, opentok-t1, vonage$/,
  ],
  [
    'opentok-t1 with a private key (library)',
    () => [
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      's',
      '--private-key',
      file('ed25519.pem'),
      '--format',
      'opentok-t1',
    ],
    '--format',
    /^--format: opentok-t1 tokens are signed with the app secret/,
  ],
  [
    'vonage with an Ed25519 key (library)',
    () => [
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      's',
      '--private-key',
      file('ed25519.pem'),
      '--format',
      'vonage',
    ],
    '--format',
    /^--format: vonage tokens are RS256/,
  ],
  [
    '--not-before on opentok-t1 (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--format', 'opentok-t1', '--not-before', String(NOW)],
    '--not-before',
    /^--not-before: opentok-t1 tokens cannot carry a not-before time$/,
  ],
  [
    '--alg not matching the key (library)',
    () => [
      'token',
      'create',
      '--app-id',
      APP,
      '--session',
      's',
      '--private-key',
      file('ed25519.pem'),
      '--alg',
      'RS256',
    ],
    '--alg',
    /^--alg: the key is an EdDSA key, not RS256$/,
  ],
  [
    'missing key file',
    () => ['token', 'create', '--app-id', APP, '--session', 's', '--private-key', file('missing.pem')],
    '--private-key',
    /^--private-key: cannot read the key file \(ENOENT\)$/,
  ],
  [
    'a secret passed as the key file (not echoed)',
    () => ['token', 'create', '--app-id', APP, '--session', 's', '--private-key', SECRET],
    '--private-key',
    /^--private-key: cannot read the key file \(ENOENT\)$/,
  ],
  [
    'key file that is broken JSON',
    () => ['token', 'create', '--app-id', APP, '--session', 's', '--private-key', file('broken.json')],
    '--private-key',
    /^--private-key: the key file starts like JSON but is not valid JSON/,
  ],
  [
    'unreadable key (library)',
    () => ['token', 'create', '--app-id', APP, '--session', 's', '--private-key', file('not-a-key.txt')],
    '--private-key',
    /^--private-key: is not a readable private key/,
  ],
  [
    'bad --layout (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--layout', 'two words'],
    '--layout',
    /^--layout: each class name must be a non-empty string without whitespace$/,
  ],
  [
    'bad --kid (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--kid', 'bad kid'],
    '--kid',
    /^--kid: must be 1–128 printable ASCII/,
  ],
  [
    'too long --data (library)',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--data', 'x'.repeat(1001)],
    '--data',
    /^--data: is longer than 1000 characters$/,
  ],
  [
    '--secret value starting with "-"',
    () => ['token', 'create', '--app-id', APP, '--session', 's', '--secret', `-${SECRET}`],
    '--secret',
    /^--secret needs a value; write --secret=VALUE/,
  ],
  [
    '--session without a value',
    () => ['token', 'create', ...SECRET_FLAGS, '--session'],
    '--session',
    /^--session needs a value$/,
  ],
  [
    'option given twice',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', '--role', 'moderator', '--role', 'subscriber'],
    '--role',
    /^--role is given more than once$/,
  ],
  [
    'stray argument on create',
    () => ['token', 'create', ...SECRET_FLAGS, '--session', 's', SECRET],
    undefined,
    /^unexpected argument: token create takes no arguments/,
  ],
  ['verify: missing TOKEN', () => ['token', 'verify', ...SECRET_FLAGS], 'TOKEN', /^missing TOKEN argument/],
  [
    'verify: --secret with --public-key',
    () => ['token', 'verify', 'x', ...SECRET_FLAGS, '--public-key', file('ed25519.pub.pem')],
    '--secret',
    /^--secret and --public-key cannot be used together$/,
  ],
  [
    'verify: missing key',
    () => ['token', 'verify', 'x', '--app-id', APP],
    '--secret',
    /^missing --secret or --public-key/,
  ],
  [
    'verify: --clock-tolerance 301 (library)',
    () => ['token', 'verify', 'x', ...SECRET_FLAGS, '--clock-tolerance', '301'],
    '--clock-tolerance',
    /^--clock-tolerance: must be a whole number of seconds from 0 to 300$/,
  ],
  [
    'verify: --clock-tolerance 1.5',
    () => ['token', 'verify', 'x', ...SECRET_FLAGS, '--clock-tolerance', '1.5'],
    '--clock-tolerance',
    /^--clock-tolerance: must be a whole number/,
  ],
  [
    'verify: --now 1e3',
    () => ['token', 'verify', 'x', ...SECRET_FLAGS, '--now', '1e3'],
    '--now',
    /^--now: must be a whole number/,
  ],
  [
    'verify: short --secret (library)',
    () => ['token', 'verify', 'x', '--app-id', APP, '--secret', 'short-secret'],
    '--secret',
    /^--secret: is 12 bytes/,
  ],
  [
    'verify: not a key file (library)',
    () => ['token', 'verify', 'x', '--app-id', APP, '--public-key', file('not-a-key.txt')],
    '--public-key',
    /^--public-key: is not a readable public key/,
  ],
  ['inspect: missing TOKEN', () => ['token', 'inspect'], 'TOKEN', /^missing TOKEN argument/],
];

describe('usage errors: exit 2, one line naming the option, then a --help hint', { concurrency: true }, () => {
  for (const [what, argv, option, message] of USAGE_ERRORS) {
    it(what, async () => {
      const args = argv();
      const result = await stagepass(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      const [line, hint, rest] = result.stderr.split('\n');
      assert.match(line!, /^error: /);
      assert.match(line!.slice('error: '.length), message);
      if (option !== undefined) assert.ok(line!.includes(option), `"${line!}" names ${option}`);
      assert.equal(hint, `Run "stagepass ${args.slice(0, 2).join(' ')} --help".`);
      assert.equal(rest, '');
    });
  }

  it('with --json, create prints {code, message, option} on stdout too', async () => {
    const result = await stagepass([
      'token',
      'create',
      ...SECRET_FLAGS,
      '--session',
      's',
      '--ttl',
      '1h',
      '--expire-time',
      String(NOW + 60),
      '--json',
    ]);
    assert.equal(result.code, 2);
    assert.deepEqual(parseJson(result.stdout), {
      code: 'ERR_INVALID_OPTION',
      message: '--ttl and --expire-time cannot be used together',
      option: '--ttl',
    });
    assert.match(result.stderr, /^error: --ttl and --expire-time cannot be used together\n/);
  });

  it('with --json, verify adds valid: false (parser and library errors alike)', async () => {
    const [parser, library] = await Promise.all([
      stagepass(['token', 'verify', ...SECRET_FLAGS, '--json']),
      stagepass(['token', 'verify', 'x', ...SECRET_FLAGS, '--clock-tolerance', '301', '--json']),
    ]);
    assert.equal(parser.code, 2);
    assert.deepEqual(parseJson(parser.stdout), {
      valid: false,
      code: 'ERR_INVALID_OPTION',
      message: 'missing TOKEN argument (the token, or - to read it from stdin)',
      option: 'TOKEN',
    });
    assert.equal(library.code, 2);
    assert.deepEqual(parseJson(library.stdout), {
      valid: false,
      code: 'ERR_INVALID_OPTION',
      message: '--clock-tolerance: must be a whole number of seconds from 0 to 300',
      option: '--clock-tolerance',
    });
  });

  it('unknown and missing commands', async () => {
    const [frob, tokenFrob, token, json] = await Promise.all([
      stagepass(['frob']),
      stagepass(['token', 'frob']),
      stagepass(['token']),
      stagepass(['token', 'frob', '--json']),
    ]);
    assert.deepEqual(frob, {
      code: 2,
      stdout: '',
      stderr: 'error: unknown command "frob" (one of: serve, token, app, session)\nRun "stagepass --help".\n',
    });
    assert.deepEqual(tokenFrob, {
      code: 2,
      stdout: '',
      stderr: 'error: unknown command "token frob" (one of: create, verify, inspect)\nRun "stagepass token --help".\n',
    });
    assert.deepEqual(token, {
      code: 2,
      stdout: '',
      stderr: 'error: missing command after "token" (one of: create, verify, inspect)\nRun "stagepass token --help".\n',
    });
    assert.equal(json.code, 2);
    assert.deepEqual(parseJson(json.stdout), {
      code: 'ERR_INVALID_OPTION',
      message: 'unknown command "token frob" (one of: create, verify, inspect)',
    });
  });
});

describe('refused tokens: exit 1 with the code', { concurrency: true }, () => {
  const hs256 = (extra: Record<string, unknown> = {}): string =>
    createToken({ appId: APP, secret: SECRET, sessionId: SESSION, ttl: '1h', now: NOW, ...extra });

  const REFUSALS: readonly (readonly [string, () => string[], string])[] = [
    [
      'expired (via --now)',
      () => ['token', 'verify', hs256(), ...SECRET_FLAGS, '--now', String(NOW + 3600 + 31)],
      'ERR_TOKEN_EXPIRED',
    ],
    [
      'expired at exp with --clock-tolerance 0',
      () => ['token', 'verify', hs256(), ...SECRET_FLAGS, '--now', String(NOW + 3600), '--clock-tolerance', '0'],
      'ERR_TOKEN_EXPIRED',
    ],
    [
      'not yet valid',
      () => ['token', 'verify', hs256({ notBefore: NOW + 600 }), ...SECRET_FLAGS, '--now', String(NOW)],
      'ERR_TOKEN_NOT_YET_VALID',
    ],
    [
      'wrong secret',
      () => ['token', 'verify', hs256(), '--app-id', APP, '--secret', OTHER_SECRET, '--now', String(NOW)],
      'ERR_TOKEN_SIGNATURE_INVALID',
    ],
    [
      'wrong --session',
      () => ['token', 'verify', hs256(), ...SECRET_FLAGS, '--session', 'another-session', '--now', String(NOW)],
      'ERR_TOKEN_SESSION_MISMATCH',
    ],
    [
      'wrong --app-id',
      () => ['token', 'verify', hs256(), '--app-id', 'another-app', '--secret', SECRET, '--now', String(NOW)],
      'ERR_TOKEN_APP_MISMATCH',
    ],
    [
      'T1 without --legacy-t1',
      () => ['token', 'verify', hs256({ format: 'opentok-t1' }), ...SECRET_FLAGS, '--now', String(NOW)],
      'ERR_TOKEN_FORMAT_DISABLED',
    ],
    [
      'an HS256 token checked with a public key',
      () => [
        'token',
        'verify',
        hs256(),
        '--app-id',
        APP,
        '--public-key',
        file('ed25519.pub.pem'),
        '--now',
        String(NOW),
      ],
      'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
    ],
    ['garbage', () => ['token', 'verify', 'not-a-token', ...SECRET_FLAGS], 'ERR_TOKEN_MALFORMED'],
  ];

  for (const [what, argv, code] of REFUSALS) {
    it(`${what} → ${code}`, async () => {
      const args = argv();
      const token = args[2]!;
      const [json, plain] = await Promise.all([stagepass([...args, '--json']), stagepass(args)]);
      assert.equal(json.code, 1);
      const out = parseJson(json.stdout);
      assert.deepEqual(Object.keys(out), ['valid', 'code', 'message']);
      assert.equal(out.valid, false);
      assert.equal(out.code, code);
      assert.match(String(out.message), /^[A-Z].{10,}/);
      assert.equal(json.stderr, `error: ${code}: ${String(out.message)}\n`);
      assert.equal(plain.code, 1);
      assert.equal(plain.stdout, '');
      assert.equal(plain.stderr, `error: ${code}: ${String(out.message)}\n`);
      assert.ok(
        !json.stderr.includes(token) && !String(out.message).includes(token),
        'the token is not in the message',
      );
    });
  }
});

describe('TOKEN "-" reads stdin', { concurrency: true }, () => {
  const token = (): string =>
    createToken({ appId: APP, secret: SECRET, sessionId: SESSION, role: 'subscriber', ttl: '1h', now: NOW });

  it('verify - (trailing newline trimmed)', async () => {
    const result = await stagepass(['token', 'verify', '-', ...SECRET_FLAGS, '--now', String(NOW), '--json'], {
      input: `${token()}\n`,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parseJson(result.stdout).role, 'subscriber');
  });

  it('inspect - (CRLF trimmed)', async () => {
    const result = await stagepass(['token', 'inspect', '-', '--json'], { input: `${token()}\r\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((parseJson(result.stdout).claims as Record<string, unknown>).role, 'subscriber');
  });

  it('empty stdin is a malformed token', async () => {
    const result = await stagepass(['token', 'verify', '-', ...SECRET_FLAGS, '--json'], { input: '' });
    assert.equal(result.code, 1);
    assert.equal(parseJson(result.stdout).code, 'ERR_TOKEN_MALFORMED');
  });
});

describe('STAGEPASS_APP_ID and STAGEPASS_SECRET', { concurrency: true }, () => {
  const env = { STAGEPASS_APP_ID: APP, STAGEPASS_SECRET: SECRET };

  it('are the defaults of --app-id and --secret for create and verify', async () => {
    const created = await stagepass(['token', 'create', '--session', SESSION, '--now', String(NOW)], { env });
    assert.equal(created.code, 0, created.stderr);
    const verified = await stagepass(['token', 'verify', created.stdout.trim(), '--now', String(NOW), '--json'], {
      env,
    });
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(parseJson(verified.stdout).appId, APP);
    const wrongEnv = await stagepass(['token', 'verify', created.stdout.trim(), '--now', String(NOW), '--json'], {
      env: { STAGEPASS_APP_ID: APP, STAGEPASS_SECRET: OTHER_SECRET },
    });
    assert.equal(wrongEnv.code, 1);
    assert.equal(parseJson(wrongEnv.stdout).code, 'ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('flags win over them', async () => {
    const created = await stagepass(
      ['token', 'create', '--session', SESSION, '--app-id', 'flag-app', '--secret', OTHER_SECRET, '--json'],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    const out = parseJson(created.stdout);
    assert.equal(out.appId, 'flag-app');
    const verified = await stagepass(
      ['token', 'verify', String(out.token), '--app-id', 'flag-app', '--secret', OTHER_SECRET],
      { env },
    );
    assert.equal(verified.code, 0, verified.stderr);
  });

  it('a key file silences STAGEPASS_SECRET instead of conflicting with it', async () => {
    const created = await stagepass(
      ['token', 'create', '--session', SESSION, '--private-key', file('ed25519.pem'), '--json'],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    const out = parseJson(created.stdout);
    assert.equal((out.header as Record<string, unknown>).alg, 'EdDSA');
    const verified = await stagepass(['token', 'verify', String(out.token), '--public-key', file('ed25519.pub.pem')], {
      env,
    });
    assert.equal(verified.code, 0, verified.stderr);
  });

  it('an error with the secret in the environment does not print it', async () => {
    const result = await stagepass(['token', 'create', '--session', 'has space', '--json'], { env });
    assert.equal(result.code, 2);
    assert.equal(parseJson(result.stdout).option, '--session');
  });
});

describe('--data personal-data warning', { concurrency: true }, () => {
  const WARNING = (kind: string): string =>
    `warning: --data looks like ${kind}; connection data is shown to everyone in the session: never put personal data in clear\n`;
  const create = (data: string, ...extra: string[]): Promise<Result> =>
    stagepass(['token', 'create', ...SECRET_FLAGS, '--session', SESSION, '--data', data, ...extra]);

  it('warns on an e-mail address, still mints (exit 0)', async () => {
    const result = await create('alice@example.com');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, WARNING('an e-mail address'));
    assert.match(result.stdout, /^eyJ[\w.-]+\n$/);
  });

  it('warns on a phone number, also with --json', async () => {
    const result = await create('+1 415 555 0100', '--json');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, WARNING('a phone number'));
    assert.equal(parseJson(result.stdout).data, '+1 415 555 0100');
  });

  it('warns on an e-mail inside structured data', async () => {
    const result = await create('name:bob,email:bob@x.io');
    assert.equal(result.stderr, WARNING('an e-mail address'));
  });

  it('stays quiet on user=42 and room-1234', async () => {
    const [user, room] = await Promise.all([create('user=42'), create('room-1234')]);
    assert.equal(user.code, 0);
    assert.equal(user.stderr, '');
    assert.equal(room.code, 0);
    assert.equal(room.stderr, '');
  });
});

describe('token inspect', { concurrency: true }, () => {
  const BANNER =
    '*** NOT VERIFIED: decoded only; the signature and claims were NOT checked. Never admit anyone on this. ***';

  it('shows a NOT VERIFIED banner, the header and the claims with ISO times', async () => {
    const token = createToken({
      appId: APP,
      secret: SECRET,
      sessionId: SESSION,
      ttl: '1h',
      now: NOW,
      notBefore: NOW,
      data: 'user=42',
    });
    const result = await stagepass(['token', 'inspect', token]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], BANNER);
    assert.equal(lines[1], 'format: Stagepass/OpenTok JWT (format stagepass), by its look');
    assert.deepEqual(lines.slice(2, 5), ['header:', '  alg: "HS256"', '  typ: "JWT"']);
    assert.equal(lines[5], 'claims:');
    for (const expected of [
      `  iss: "${APP}"`,
      `  iat: ${NOW}  (2023-11-14T22:13:20Z)`,
      `  exp: ${NOW + 3600}  (2023-11-14T23:13:20Z)`,
      `  nbf: ${NOW}  (2023-11-14T22:13:20Z)`,
      `  create_time: ${NOW}  (2023-11-14T22:13:20Z)`,
      `  expire_time: ${NOW + 3600}  (2023-11-14T23:13:20Z)`,
      `  session_id: "${SESSION}"`,
      '  connection_data: "user=42"',
    ]) {
      assert.ok(lines.includes(expected), `shows ${expected}`);
    }
  });

  it('shows T1 string times as ISO too', async () => {
    const token = createToken({
      appId: APP,
      secret: SECRET,
      sessionId: SESSION,
      ttl: '1h',
      now: NOW,
      format: 'opentok-t1',
    });
    const result = await stagepass(['token', 'inspect', token]);
    assert.equal(result.code, 0);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], BANNER);
    assert.equal(lines[1], 'format: OpenTok legacy T1 token (format opentok-t1), by its look');
    assert.ok(lines.includes(`  partner_id: "${APP}"`));
    assert.ok(lines.includes(`  create_time: "${NOW}"  (2023-11-14T22:13:20Z)`));
    assert.ok(lines.includes(`  expire_time: "${NOW + 3600}"  (2023-11-14T23:13:20Z)`));
  });

  it('--json prints the decoded token with verified: false', async () => {
    const token = createToken({ appId: APP, secret: SECRET, sessionId: SESSION, ttl: '1h', now: NOW });
    const result = await stagepass(['token', 'inspect', token, '--json']);
    assert.equal(result.code, 0);
    const out = parseJson(result.stdout);
    assert.equal(out.verified, false);
    assert.equal(out.format, 'stagepass');
    assert.deepEqual(out.header, { alg: 'HS256', typ: 'JWT' });
    assert.equal((out.claims as Record<string, unknown>).exp, NOW + 3600);
  });

  it('exits 1 with ERR_TOKEN_MALFORMED on garbage, without repeating it', async () => {
    const garbage = 'garbage-Zq9-not-a-token';
    const [plain, json] = await Promise.all([
      stagepass(['token', 'inspect', garbage]),
      stagepass(['token', 'inspect', garbage, '--json']),
    ]);
    assert.equal(plain.code, 1);
    assert.equal(plain.stdout, '');
    assert.match(plain.stderr, /^error: ERR_TOKEN_MALFORMED: The token cannot be decoded/);
    assert.ok(!plain.stderr.includes(garbage));
    assert.equal(json.code, 1);
    const out = parseJson(json.stdout);
    assert.equal(out.code, 'ERR_TOKEN_MALFORMED');
    assert.deepEqual(Object.keys(out), ['code', 'message']);
  });

  it('exits 1 on JWS parts that are not JSON', async () => {
    const result = await stagepass(['token', 'inspect', 'e30.bm90IGpzb24.c2ln', '--json']);
    assert.equal(result.code, 1);
    assert.equal(parseJson(result.stdout).code, 'ERR_TOKEN_MALFORMED');
  });
});

describe('help and version', { concurrency: true }, () => {
  const HELP_CASES: readonly (readonly [readonly string[], string])[] = [
    [[], 'Commands:'],
    [['help'], 'Commands:'],
    [['--help'], 'Commands:'],
    [['-h'], 'Commands:'],
    [['token', '--help'], 'stagepass token: Mint, verify and inspect access tokens.'],
    [['help', 'token'], 'stagepass token: Mint, verify and inspect access tokens.'],
    [['token', 'create', '--help'], '--private-key FILE'],
    [['help', 'token', 'verify'], '--legacy-t1'],
    [['token', 'inspect', '-h'], 'Usage: stagepass token inspect TOKEN [--json]'],
  ];
  for (const [argv, expected] of HELP_CASES) {
    it(`stagepass ${argv.join(' ')} prints help on stdout and exits 0`, async () => {
      const result = await stagepass(argv);
      assert.equal(result.code, 0);
      assert.equal(result.stderr, '');
      assert.ok(result.stdout.includes(expected), `help shows ${expected}`);
    });
  }

  it('plain stagepass lists every command (what npm start runs)', async () => {
    const result = await stagepass([]);
    for (const command of ['token create', 'token verify', 'token inspect']) assert.ok(result.stdout.includes(command));
  });

  it('--version prints the package version', async () => {
    assert.deepEqual(await stagepass(['--version']), { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});
