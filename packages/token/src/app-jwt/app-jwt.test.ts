import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  StagepassError,
  appJwtLimits,
  createAppJwt,
  createAppJwtVerifier,
  createToken,
  inspectToken,
  verifyAppJwt,
  type ErrorCode,
  type VerificationKeyInput,
  type VerifyAppJwtOptions,
} from '../index.js';
import { forgeClaims, forgeHs256 } from '../test-support/forge.js';
import { assertRefused, ed25519KeyPair, jsonwebtoken } from '../test-support/interop-fixtures.js';

const NOW = 1_800_000_000;
const APP = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
const OTHER_APP = '11111111-2222-4333-8444-555555555555';
const SECRET = 'app-jwt-secret-0123456789-0123456789-abcdef';
const OTHER_SECRET = 'other-app-jwt-secret-0123456789-0123456789';
const ED = ed25519KeyPair();

const mint = (extra: Partial<Parameters<typeof createAppJwt>[0]> = {}) =>
  createAppJwt({ appId: APP, secret: SECRET, now: NOW, ...extra });
const verify = (jwt: unknown, extra: Partial<VerifyAppJwtOptions> = {}) =>
  verifyAppJwt(jwt, { appId: APP, keys: [{ secret: SECRET }], now: NOW, ...extra });
/** A valid app JWT claim set at NOW, to be altered one member at a time. */
const baseClaims = (): Record<string, unknown> => ({
  iss: APP,
  ist: 'project',
  iat: NOW,
  exp: NOW + 60,
  jti: 'jti-0001',
});
const forged = (changes: Record<string, unknown> = {}, secret = SECRET) =>
  forgeClaims({ ...baseClaims(), ...changes }, secret);
const without = (name: string) => {
  const claims = baseClaims();
  delete claims[name];
  return forgeClaims(claims, SECRET);
};

function refused(code: ErrorCode, jwt: unknown, extra: Partial<VerifyAppJwtOptions> = {}): StagepassError {
  const err = assertRefused(() => verify(jwt, extra), code);
  assert.ok(!err.message.includes(SECRET), 'message quotes the secret');
  if (typeof jwt === 'string' && jwt.length > 20)
    assert.ok(!err.message.includes(jwt.slice(-20)), 'message quotes the JWT');
  return err;
}
function rejectsOption(fn: () => unknown, option: string): void {
  const err = assertRefused(fn, 'ERR_INVALID_OPTION');
  assert.equal(err.details.option, option);
}

describe('createAppJwt', () => {
  it('writes the OpenTok project-token claims: iss, ist project, iat, exp (60 s), a 128-bit jti', () => {
    const { header, claims } = inspectToken(mint());
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(Object.keys(claims), ['iss', 'ist', 'iat', 'exp', 'jti']);
    assert.equal(claims.iss, APP);
    assert.equal(claims.ist, 'project');
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + 60);
    assert.match(claims.jti as string, /^[A-Za-z0-9_-]{22}$/);
  });
  it('gives every JWT its own jti', () => {
    const ids = new Set(Array.from({ length: 500 }, () => inspectToken(mint()).claims.jti));
    assert.equal(ids.size, 500);
  });
  it('takes a ttl up to 300 s (seconds or a duration) and writes a kid', () => {
    assert.equal(inspectToken(mint({ ttl: 300 })).claims.exp, NOW + 300);
    assert.equal(inspectToken(mint({ ttl: '2m' })).claims.exp, NOW + 120);
    assert.deepEqual(inspectToken(mint({ kid: 'k-1' })).header, { alg: 'HS256', typ: 'JWT', kid: 'k-1' });
  });
  it('signs with a private key: the key fixes the algorithm', () => {
    const jwt = createAppJwt({ appId: APP, privateKey: ED.privateKey, kid: 'ed-1', now: NOW });
    assert.deepEqual(inspectToken(jwt).header, { alg: 'EdDSA', typ: 'JWT', kid: 'ed-1' });
    const result = verifyAppJwt(jwt, { appId: APP, keys: [{ publicKey: ED.publicKey, kid: 'ed-1' }], now: NOW });
    assert.equal(result.algorithm, 'EdDSA');
    assert.equal(result.keyId, 'ed-1');
  });
  it('refuses bad options with ERR_INVALID_OPTION naming the option', () => {
    rejectsOption(() => mint({ ttl: 301 }), 'ttl');
    rejectsOption(() => mint({ ttl: '6m' }), 'ttl');
    rejectsOption(() => mint({ ttl: 0 }), 'ttl');
    rejectsOption(() => mint({ appId: 'has space' }), 'appId');
    rejectsOption(() => mint({ secret: 'short' }), 'secret');
    rejectsOption(() => createAppJwt({ appId: APP }), 'secret');
    rejectsOption(() => createAppJwt({ appId: APP, secret: SECRET, privateKey: ED.privateKey }), 'privateKey');
    rejectsOption(() => mint({ now: Date.now() }), 'now');
    rejectsOption(() => mint({ kid: '' }), 'kid');
  });
});

describe('verifyAppJwt: a valid app JWT', () => {
  it('returns the App ID, jti, times and key', () => {
    const jwt = mint({ kid: 'k1' });
    const result = verifyAppJwt(jwt, { appId: APP, keys: [{ secret: SECRET, kid: 'k1' }], now: NOW + 5 });
    assert.deepEqual(result, {
      appId: APP,
      jti: inspectToken(jwt).claims.jti,
      issuedAt: NOW,
      expireTime: NOW + 60,
      keyId: 'k1',
      algorithm: 'HS256',
    });
  });
  it('verifies a project JWT signed by jsonwebtoken, as the OpenTok SDKs sign them (no kid)', () => {
    const jwt = jsonwebtoken.sign(
      { iss: APP, ist: 'project', iat: NOW, exp: NOW + 300, jti: '5b1c2d3e-aaaa-4bbb-8ccc-0123456789ab' },
      SECRET,
    );
    assert.equal(
      verify(jwt, {
        keys: [
          { secret: OTHER_SECRET, kid: 'old' },
          { secret: SECRET, kid: 'new' },
        ],
      }).keyId,
      'new',
    );
  });
  it('ignores unknown claims and header members it does not act on (jku, x5u)', () => {
    const jwt = forgeClaims({ ...baseClaims(), extra: 1 }, SECRET, {
      alg: 'HS256',
      typ: 'JWT',
      jku: 'https://evil.example/keys',
    });
    assert.equal(verify(jwt).jti, 'jti-0001');
  });
  it('is reusable: createAppJwtVerifier imports keys once', () => {
    const verifier = createAppJwtVerifier({ appId: APP, keys: [{ secret: SECRET }], clockTolerance: 0 });
    assert.equal(verifier.clockTolerance, 0);
    assert.equal(verifier.verify(mint(), { now: NOW }).appId, APP);
    assert.equal(verifier.verify(mint(), { now: NOW + 59 }).appId, APP);
  });
});

describe('verifyAppJwt: ERR_AUTH_INVALID', () => {
  it('refuses a missing or malformed JWT', () => {
    refused('ERR_AUTH_INVALID', undefined);
    refused('ERR_AUTH_INVALID', '');
    refused('ERR_AUTH_INVALID', 'not-a-jwt');
    const [h, p, s] = mint().split('.') as [string, string, string];
    refused('ERR_AUTH_INVALID', `${h}.${p}`);
    refused('ERR_AUTH_INVALID', `${h}.${p}.${s}.x`);
    refused('ERR_AUTH_INVALID', `${h}=.${p}.${s}`);
    refused('ERR_AUTH_INVALID', `${h}.${p}.${s}=`);
    refused('ERR_AUTH_INVALID', 'a'.repeat(9000));
  });
  it('words a malformed JWT as an app JWT, not a session token', () => {
    const [h, p, s] = mint().split('.') as [string, string, string];
    assert.equal(
      refused('ERR_AUTH_INVALID', `${h}=.${p}.${s}`).message,
      'The app JWT header is not canonical base64url; pass the token exactly as it was minted.',
    );
    assert.equal(
      refused('ERR_AUTH_INVALID', `${h}.${p}`).message,
      'The app JWT is not a compact JWS of three dot-separated parts; pass the token exactly as it was minted.',
    );
    assert.equal(
      refused('ERR_AUTH_INVALID', forgeHs256('{"alg":"HS256"}', '[1]', SECRET)).message,
      'The app JWT claims is not a JSON object; pass the token exactly as it was minted.',
    );
    assert.equal(
      refused('ERR_AUTH_INVALID', forgeClaims(baseClaims(), SECRET, { alg: 'HS256', typ: 'JOSE' })).message,
      'The app JWT header typ must be "JWT".',
    );
  });
  it('refuses a non-canonical signature spelling (one signature, one spelling)', () => {
    const jwt = mint();
    const last = jwt.at(-1)!;
    // The last char of a 32-byte signature carries 4 unused bits: flip one of them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = jwt.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!;
    refused('ERR_AUTH_INVALID', respelled);
  });
  it('refuses duplicate or __proto__ members and crit, in header or claims', () => {
    refused('ERR_AUTH_INVALID', forgeHs256('{"alg":"HS256","alg":"HS256"}', JSON.stringify(baseClaims()), SECRET));
    refused(
      'ERR_AUTH_INVALID',
      forgeHs256(
        '{"alg":"HS256"}',
        `{"iss":"${APP}","ist":"project","iat":${NOW},"exp":${NOW + 60},"jti":"a","jti":"b"}`,
        SECRET,
      ),
    );
    refused('ERR_AUTH_INVALID', forgeHs256('{"alg":"HS256"}', `{"__proto__":{},"iss":"${APP}"}`, SECRET));
    refused('ERR_AUTH_INVALID', forgeClaims(baseClaims(), SECRET, { alg: 'HS256', crit: ['exp'] }));
    refused('ERR_AUTH_INVALID', forgeHs256('{"alg":"HS256"}', '[1]', SECRET));
  });
  it('refuses alg none in any case, even with a matching empty signature', () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(baseClaims())).toString('base64url')}.`;
      assert.match(refused('ERR_AUTH_INVALID', unsigned).message, /none/);
    }
  });
  it('binds alg to the key: the header cannot pick HMAC with a public key (alg confusion), nor another algorithm', () => {
    const keys: VerificationKeyInput[] = [{ publicKey: ED.publicKey }];
    refused('ERR_AUTH_INVALID', forged({}, ED.publicKey), { keys });
    refused('ERR_AUTH_INVALID', createAppJwt({ appId: APP, privateKey: ED.privateKey, now: NOW }), {
      keys: [{ secret: SECRET }],
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = jsonwebtoken.sign(baseClaims(), rsa.privateKey, { algorithm: 'RS256' });
    refused('ERR_AUTH_INVALID', rs256, { keys });
    // A kid naming a key of another algorithm.
    refused('ERR_AUTH_INVALID', forgeClaims(baseClaims(), SECRET, { alg: 'HS256', kid: 'ed' }), {
      keys: [{ publicKey: ED.publicKey, kid: 'ed' }, { secret: SECRET }],
    });
  });
  it('refuses a bad signature, before believing any claim', () => {
    refused('ERR_AUTH_INVALID', mint({ secret: OTHER_SECRET }));
    // Forged and expired: a signature error, not an expiry.
    refused('ERR_AUTH_INVALID', forged({ exp: NOW - 3600, iat: NOW - 3660 }, OTHER_SECRET));
    const [h, , s] = mint().split('.');
    const changed = Buffer.from(JSON.stringify({ ...baseClaims(), iss: OTHER_APP })).toString('base64url');
    refused('ERR_AUTH_INVALID', `${h}.${changed}.${s}`);
    const jwt = mint();
    refused('ERR_AUTH_INVALID', jwt.slice(0, jwt.lastIndexOf('.') + 1));
  });
  it('answers an app without keys (an unknown app) exactly like a bad signature', () => {
    const unknown = refused('ERR_AUTH_INVALID', mint(), { keys: [] });
    const badSignature = refused('ERR_AUTH_INVALID', mint({ secret: OTHER_SECRET }));
    const wrongAlg = refused('ERR_AUTH_INVALID', createAppJwt({ appId: APP, privateKey: ED.privateKey, now: NOW }));
    const retiredKid = refused('ERR_AUTH_INVALID', mint({ kid: 'retired' }), {
      keys: [{ secret: SECRET, kid: 'current' }],
    });
    assert.equal(unknown.message, badSignature.message);
    assert.equal(wrongAlg.message, badSignature.message);
    assert.equal(retiredKid.message, badSignature.message);
  });
  it('requires iss to be the App ID of the request', () => {
    refused('ERR_AUTH_INVALID', mint({ appId: OTHER_APP }));
    refused('ERR_AUTH_INVALID', forged({ iss: 4711 }));
    assert.match(refused('ERR_AUTH_INVALID', without('iss')).message, /iss/);
  });
  it('requires ist "project"', () => {
    assert.match(refused('ERR_AUTH_INVALID', forged({ ist: 'account' })).message, /ist/);
    refused('ERR_AUTH_INVALID', without('ist'));
  });
  it('requires jti, iat and exp, with the right types', () => {
    for (const name of ['jti', 'iat', 'exp'])
      assert.match(refused('ERR_AUTH_INVALID', without(name)).message, new RegExp(name));
    refused('ERR_AUTH_INVALID', forged({ jti: 42 }));
    refused('ERR_AUTH_INVALID', forged({ jti: '' }));
    refused('ERR_AUTH_INVALID', forged({ jti: 'with space' }));
    refused('ERR_AUTH_INVALID', forged({ jti: 'x'.repeat(129) }));
    refused('ERR_AUTH_INVALID', forged({ iat: String(NOW) }));
    refused('ERR_AUTH_INVALID', forged({ exp: NOW + 60.5 }));
    refused('ERR_AUTH_INVALID', forged({ iat: NOW * 1000, exp: NOW * 1000 + 60_000 }));
    refused('ERR_AUTH_INVALID', forged({ exp: NOW }));
  });
  it('refuses a session token of the same app (same secret, ist project) as an app JWT', () => {
    const token = createToken({ appId: APP, secret: SECRET, sessionId: 's1', ttl: 60, now: NOW });
    assert.match(refused('ERR_AUTH_INVALID', token).message, /session token/);
  });
  it('refuses an iat in the future beyond the tolerance', () => {
    refused('ERR_AUTH_INVALID', forged({ iat: NOW + 31, exp: NOW + 90 }));
    assert.equal(verify(forged({ iat: NOW + 30, exp: NOW + 90 })).issuedAt, NOW + 30);
  });
});

describe('verifyAppJwt: ERR_AUTH_EXPIRED', () => {
  it('refuses an expired JWT, forgiving the clock tolerance (default 30 s)', () => {
    const jwt = mint({ ttl: 60 });
    assert.equal(verify(jwt, { now: NOW + 89 }).expireTime, NOW + 60);
    refused('ERR_AUTH_EXPIRED', jwt, { now: NOW + 90 });
    refused('ERR_AUTH_EXPIRED', jwt, { now: NOW + 60, clockTolerance: 0 });
  });
  it('refuses an exp more than 300 s (+ tolerance) ahead', () => {
    assert.equal(verify(forged({ exp: NOW + 330 })).expireTime, NOW + 330);
    assert.match(refused('ERR_AUTH_EXPIRED', forged({ exp: NOW + 331 })).message, /300 s ahead/);
    refused('ERR_AUTH_EXPIRED', forged({ exp: NOW + 301 }), { clockTolerance: 0 });
    refused('ERR_AUTH_EXPIRED', forged({ exp: NOW + 86_400 }));
    assert.equal(appJwtLimits.MAX_APP_JWT_TTL_SECONDS, 300);
  });
});

describe('createAppJwtVerifier options', () => {
  it('refuses bad configuration with ERR_INVALID_OPTION', () => {
    rejectsOption(() => createAppJwtVerifier({ appId: '', keys: [] }), 'appId');
    rejectsOption(() => createAppJwtVerifier({ appId: APP, keys: undefined as never }), 'keys');
    rejectsOption(() => createAppJwtVerifier({ appId: APP, keys: [{ secret: 'short' }] }), 'keys[0].secret');
    rejectsOption(
      () =>
        createAppJwtVerifier({
          appId: APP,
          keys: [
            { secret: SECRET, kid: 'a' },
            { secret: OTHER_SECRET, kid: 'a' },
          ],
        }),
      'keys',
    );
    rejectsOption(() => createAppJwtVerifier({ appId: APP, keys: [], clockTolerance: 301 }), 'clockTolerance');
    rejectsOption(() => createAppJwtVerifier({ appId: APP, keys: [{ publicKey: 'not a key' }] }), 'keys[0].publicKey');
  });
  it('accepts a private key as verification key (its public half is used)', () => {
    const jwt = createAppJwt({ appId: APP, privateKey: ED.privateKey, now: NOW });
    assert.equal(verify(jwt, { keys: [{ privateKey: createPrivateKey(ED.privateKey) }] }).algorithm, 'EdDSA');
  });
});
