import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CAPABILITIES,
  StagepassError,
  createMinter,
  createSessionId,
  createToken,
  inspectToken,
  verifyToken,
  type MintOptions,
  type MinterOptions,
} from './index.js';

const NOW = 1_800_000_000;
const APP = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
const SECRET = 'test-secret-0123456789-0123456789-abcdef';
const DAY = 86_400;

function mint(extra: Partial<MintOptions & MinterOptions> = {}): string {
  return createToken({ appId: APP, secret: SECRET, sessionId: 'session-1', now: NOW, ...extra } as MinterOptions &
    MintOptions);
}
function claimsOf(token: string): Record<string, unknown> {
  return inspectToken(token).claims as Record<string, unknown>;
}
/** Asserts that `fn` throws ERR_INVALID_OPTION naming `option`. */
function rejectsOption(fn: () => unknown, option: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StagepassError, `expected a StagepassError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_INVALID_OPTION');
    assert.equal(err.details.option, option);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('createToken: the stagepass claim set', () => {
  it('writes the OpenTok client-token claims plus jti, in a JWS with alg and typ', () => {
    const token = mint({ role: 'moderator', data: 'user=42', initialLayoutClassList: ['focus', 'big'] });
    const { header, claims } = inspectToken(token);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(Object.keys(claims).sort(), [
      'connection_data',
      'create_time',
      'exp',
      'expire_time',
      'iat',
      'initial_layout_class_list',
      'iss',
      'ist',
      'jti',
      'nonce',
      'role',
      'scope',
      'session_id',
    ]);
    assert.equal(claims.iss, APP);
    assert.equal(claims.ist, 'project');
    assert.equal(claims.iat, NOW);
    assert.equal(claims.create_time, NOW);
    assert.equal(claims.exp, NOW + DAY);
    assert.equal(claims.expire_time, NOW + DAY);
    assert.equal(claims.role, 'moderator');
    assert.equal(claims.scope, 'session.connect');
    assert.equal(claims.connection_data, 'user=42');
    assert.equal(claims.initial_layout_class_list, 'focus big');
    assert.equal(typeof claims.nonce, 'number');
    assert.ok(Number.isSafeInteger(claims.nonce));
  });
  it('leaves connection_data out when there is none and writes nbf only when asked', () => {
    const plain = claimsOf(mint());
    assert.equal('connection_data' in plain, false);
    assert.equal('nbf' in plain, false);
    assert.equal(claimsOf(mint({ notBefore: NOW + 60 })).nbf, NOW + 60);
  });
  it('gives every token a 128-bit random jti', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const jti = claimsOf(mint()).jti as string;
      assert.match(jti, /^[A-Za-z0-9_-]{22}$/); // 22 base64url chars = 128 bits (+ 4 zero bits)
      ids.add(jti);
    }
    assert.equal(ids.size, 2000);
  });
  it('writes the kid in the header when the key has one', () => {
    assert.deepEqual(inspectToken(mint({ kid: 'k-2026' })).header, { alg: 'HS256', typ: 'JWT', kid: 'k-2026' });
  });
});

describe('roles', () => {
  it('defaults to publisher and accepts the four roles', () => {
    assert.equal(claimsOf(mint()).role, 'publisher');
    for (const role of ['subscriber', 'publisher', 'publisheronly', 'moderator'] as const) {
      assert.equal(claimsOf(mint({ role })).role, role);
      assert.deepEqual(
        verifyToken(mint({ role }), { appId: APP, secret: SECRET, now: NOW }).capabilities,
        CAPABILITIES[role],
      );
    }
  });
  it('normalises the input spelling publisherOnly to publisheronly', () => {
    assert.equal(claimsOf(mint({ role: 'publisherOnly' })).role, 'publisheronly');
  });
  it('refuses anything else: exact match, no case folding, no trimming', () => {
    for (const role of [
      'Publisher',
      'PUBLISHER',
      ' publisher',
      'publisher ',
      'admin',
      '',
      'publisher-only',
      'constructor',
    ]) {
      rejectsOption(() => mint({ role: role as 'publisher' }), 'role');
    }
    rejectsOption(() => mint({ role: 7 as unknown as 'publisher' }), 'role');
  });
});

describe('expiry', () => {
  it('defaults to 24 h after creation', () => {
    assert.equal(claimsOf(mint()).exp, NOW + DAY);
  });
  it('takes ttl as seconds or 30m / 24h / 7d', () => {
    assert.equal(claimsOf(mint({ ttl: 90 })).exp, NOW + 90);
    assert.equal(claimsOf(mint({ ttl: '90' })).exp, NOW + 90);
    assert.equal(claimsOf(mint({ ttl: '45s' })).exp, NOW + 45);
    assert.equal(claimsOf(mint({ ttl: '30m' })).exp, NOW + 1800);
    assert.equal(claimsOf(mint({ ttl: '24h' })).exp, NOW + DAY);
    assert.equal(claimsOf(mint({ ttl: '7d' })).exp, NOW + 7 * DAY);
    for (const ttl of [
      '1.5h',
      '-5',
      '0',
      'h',
      '5 m',
      '5M',
      '1w',
      '',
      1.5,
      0,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      rejectsOption(() => mint({ ttl }), 'ttl');
    }
  });
  it('takes expireTime as integer UNIX seconds or a Date', () => {
    assert.equal(claimsOf(mint({ expireTime: NOW + 600 })).exp, NOW + 600);
    assert.equal(claimsOf(mint({ expireTime: new Date((NOW + 600) * 1000 + 999) })).exp, NOW + 600);
  });
  it('refuses both expireTime and ttl', () => {
    rejectsOption(() => mint({ expireTime: NOW + 600, ttl: '1h' }), 'ttl', /not both/);
  });
  it('refuses NaN, Infinity and non-integers without rounding', () => {
    rejectsOption(() => mint({ expireTime: Number.NaN }), 'expireTime');
    rejectsOption(() => mint({ expireTime: Number.POSITIVE_INFINITY }), 'expireTime', /finite/);
    rejectsOption(() => mint({ expireTime: NOW + 600.5 }), 'expireTime', /whole number/);
    rejectsOption(() => mint({ expireTime: new Date(Number.NaN) }), 'expireTime', /invalid Date/);
    rejectsOption(() => mint({ expireTime: String(NOW + 600) as unknown as number }), 'expireTime');
  });
  it('refuses values that look like milliseconds, and says so', () => {
    rejectsOption(() => mint({ expireTime: (NOW + 600) * 1000 }), 'expireTime', /milliseconds/);
    rejectsOption(() => mint({ expireTime: 1e11 }), 'expireTime', /milliseconds/);
  });
  it('must be in the future and at most 30 days after creation', () => {
    rejectsOption(() => mint({ expireTime: NOW }), 'expireTime', /future/);
    rejectsOption(() => mint({ expireTime: NOW - 1 }), 'expireTime', /future/);
    assert.equal(claimsOf(mint({ expireTime: NOW + 30 * DAY })).exp, NOW + 30 * DAY);
    rejectsOption(() => mint({ expireTime: NOW + 30 * DAY + 1 }), 'expireTime', /30 days/);
    assert.equal(claimsOf(mint({ ttl: '30d' })).exp, NOW + 30 * DAY);
    rejectsOption(() => mint({ ttl: '31d' }), 'ttl', /30 days/);
    rejectsOption(() => mint({ ttl: 30 * DAY + 1 }), 'ttl', /30 days/);
  });
  it('checks notBefore: integer seconds, before the expiry', () => {
    rejectsOption(() => mint({ notBefore: NOW + DAY }), 'notBefore', /before the expiry/);
    rejectsOption(() => mint({ notBefore: NOW + 0.5 }), 'notBefore');
    rejectsOption(() => mint({ notBefore: NOW * 1000 }), 'notBefore', /milliseconds/);
  });
  it('checks the injected clock', () => {
    rejectsOption(() => mint({ now: 1.5 }), 'now');
  });
});

describe('connection data', () => {
  it('accepts up to 1000 characters, counted in code points', () => {
    assert.equal(claimsOf(mint({ data: 'x'.repeat(1000) })).connection_data, 'x'.repeat(1000));
    rejectsOption(() => mint({ data: 'x'.repeat(1001) }), 'data', /1000 characters/);
    const accented = 'é'.repeat(1000); // 1000 code points, 2000 UTF-8 bytes
    assert.equal(claimsOf(mint({ data: accented })).connection_data, accented);
  });
  it('refuses data the verifiers would refuse: over 1024 UTF-16 code units', () => {
    const emoji = '😀'.repeat(512); // 512 code points, 1024 UTF-16 units
    assert.equal(claimsOf(mint({ data: emoji })).connection_data, emoji);
    rejectsOption(() => mint({ data: '😀'.repeat(513) }), 'data', /UTF-16/);
  });
  it('refuses lone surrogates and non-strings', () => {
    rejectsOption(() => mint({ data: 'a\ud800b' }), 'data', /surrogate/);
    rejectsOption(() => mint({ data: '\udc00' }), 'data', /surrogate/);
    rejectsOption(() => mint({ data: 42 as unknown as string }), 'data');
  });
  it('never puts the data in an error message', () => {
    try {
      mint({ data: `secret-data-${'x'.repeat(1000)}` });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof StagepassError);
      assert.doesNotMatch(err.message, /secret-data/);
    }
  });
});

describe('layout class list', () => {
  it('joins class names with spaces', () => {
    assert.equal(claimsOf(mint({ initialLayoutClassList: ['a', 'b-c'] })).initial_layout_class_list, 'a b-c');
    assert.equal(claimsOf(mint({ initialLayoutClassList: [] })).initial_layout_class_list, '');
  });
  it('refuses spaces, empty names and a joined length over 1024', () => {
    rejectsOption(() => mint({ initialLayoutClassList: ['a b'] }), 'initialLayoutClassList');
    rejectsOption(() => mint({ initialLayoutClassList: ['a\tb'] }), 'initialLayoutClassList');
    rejectsOption(() => mint({ initialLayoutClassList: [''] }), 'initialLayoutClassList');
    rejectsOption(() => mint({ initialLayoutClassList: 'focus' as unknown as string[] }), 'initialLayoutClassList');
    const ok = ['x'.repeat(512), 'y'.repeat(511)]; // 1024 joined
    assert.equal((claimsOf(mint({ initialLayoutClassList: ok })).initial_layout_class_list as string).length, 1024);
    rejectsOption(
      () => mint({ initialLayoutClassList: ['x'.repeat(512), 'y'.repeat(512)] }),
      'initialLayoutClassList',
      /1024/,
    );
  });
});

describe('session IDs and App IDs', () => {
  it('accepts opaque printable ASCII session IDs of 1–512 characters, OpenTok ones included', () => {
    const opentok = '1_MX40NzExfn4xNzAwMDAwMDAwMDAwfnh5en5-';
    assert.equal(claimsOf(mint({ sessionId: opentok })).session_id, opentok);
    assert.equal(claimsOf(mint({ sessionId: 'x'.repeat(512) })).session_id, 'x'.repeat(512));
    for (const bad of ['', 'x'.repeat(513), 'a b', 'tab\t', 'é', 'line\n'])
      rejectsOption(() => mint({ sessionId: bad }), 'sessionId');
    rejectsOption(() => mint({ sessionId: undefined as unknown as string }), 'sessionId');
  });
  it('createSessionId makes distinct URL-safe IDs offline', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createSessionId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(claimsOf(mint({ sessionId: createSessionId() })).role, 'publisher');
  });
  it('accepts UUIDs, OpenTok API keys and Vonage application IDs as App IDs', () => {
    for (const appId of [APP, '47110815', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee']) {
      assert.equal(claimsOf(mint({ appId })).iss, appId);
    }
    for (const appId of ['', 'has space', 'x'.repeat(257)]) rejectsOption(() => mint({ appId }), 'appId');
  });
});

describe('keys', () => {
  it('uses a secret as its UTF-8 bytes and refuses one under 32 bytes', () => {
    rejectsOption(() => mint({ secret: 'x'.repeat(31) }), 'secret', /at least 32 bytes/);
    assert.ok(mint({ secret: 'é'.repeat(16) })); // 16 characters, 32 bytes
    const token = mint({ secret: 'ü'.repeat(20) });
    assert.equal(
      verifyToken(token, { appId: APP, secret: Buffer.from('ü'.repeat(20), 'utf8'), now: NOW }).role,
      'publisher',
    );
  });
  it('never echoes the secret', () => {
    try {
      mint({ secret: 'short-secret' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof StagepassError);
      assert.doesNotMatch(err.message, /short-secret/);
    }
  });
  it('derives the algorithm from the private key type, and refuses a contradicting alg', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.equal(createMinter({ appId: APP, privateKey: ed }).alg, 'EdDSA');
    assert.equal(createMinter({ appId: APP, privateKey: ec }).alg, 'ES256');
    assert.equal(createMinter({ appId: APP, privateKey: rsa.export({ type: 'pkcs8', format: 'pem' }) }).alg, 'RS256');
    assert.equal(createMinter({ appId: APP, privateKey: ed.export({ format: 'jwk' }) }).alg, 'EdDSA');
    rejectsOption(() => createMinter({ appId: APP, privateKey: ed, alg: 'RS256' }), 'alg');
    rejectsOption(() => createMinter({ appId: APP, secret: SECRET, alg: 'RS256' }), 'alg');
  });
  it('refuses weak or unsupported keys at configuration', () => {
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    rejectsOption(() => createMinter({ appId: APP, privateKey: rsa1024 }), 'privateKey', /2048/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    rejectsOption(() => createMinter({ appId: APP, privateKey: p384 }), 'privateKey', /unsupported/);
    rejectsOption(() => createMinter({ appId: APP, privateKey: 'not a pem' }), 'privateKey');
    const { publicKey } = generateKeyPairSync('ed25519');
    rejectsOption(() => createMinter({ appId: APP, privateKey: publicKey }), 'privateKey');
    rejectsOption(() => createMinter({ appId: APP }), 'secret');
    rejectsOption(() => createMinter({ appId: APP, secret: SECRET, privateKey: rsa1024 }), 'privateKey');
  });
  it('refuses bad key IDs', () => {
    rejectsOption(() => createMinter({ appId: APP, secret: SECRET, kid: 'has space' }), 'kid');
    rejectsOption(() => createMinter({ appId: APP, secret: SECRET, kid: '' }), 'kid');
  });
});

describe('formats', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  it('opentok-t1 needs the secret and has no kid or not-before', () => {
    rejectsOption(() => createMinter({ appId: APP, privateKey: rsa.privateKey, format: 'opentok-t1' }), 'format');
    rejectsOption(() => createMinter({ appId: APP, secret: SECRET, kid: 'k1', format: 'opentok-t1' }), 'kid');
    rejectsOption(() => mint({ format: 'opentok-t1', notBefore: NOW + 5 }), 'notBefore');
    assert.match(mint({ format: 'opentok-t1' }), /^T1==[A-Za-z0-9+/]+=*$/);
  });
  it('vonage needs an RSA private key and writes the Vonage claim set', () => {
    rejectsOption(() => mint({ format: 'vonage' }), 'format', /RS256/);
    const token = createToken({
      appId: APP,
      privateKey: rsa.privateKey,
      format: 'vonage',
      sessionId: 's',
      now: NOW,
      data: 'd',
    });
    const { header, claims, format } = inspectToken(token);
    assert.equal(format, 'vonage');
    assert.deepEqual(header, { alg: 'RS256', typ: 'JWT' });
    assert.equal(claims.application_id, APP);
    assert.equal(claims.sub, 'video');
    assert.deepEqual(claims.acl, { paths: { '/session/**': {} } });
    assert.equal(claims.scope, 'session.connect');
    assert.equal(claims.exp, NOW + DAY);
    assert.equal(claims.iat, NOW);
    assert.equal(claims.connection_data, 'd');
    assert.equal('iss' in claims, false);
  });
  it('refuses unknown formats', () => {
    rejectsOption(() => mint({ format: 'jwt' as 'stagepass' }), 'format');
  });
});
