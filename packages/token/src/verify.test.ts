import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  StagepassError,
  createMinter,
  createToken,
  createVerifier,
  verifyToken,
  type ErrorCode,
  type VerifyTokenOptions,
} from './index.js';
import { baseClaims, forgeClaims, forgeHs256, forgeT1 } from './test-support/forge.js';

const NOW = 1_800_000_000;
const APP = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
const SECRET = 'test-secret-0123456789-0123456789-abcdef';
const OTHER_SECRET = 'another-secret-0123456789-0123456789-xyz';
const DAY = 86_400;

function verify(token: unknown, extra: Partial<VerifyTokenOptions> = {}) {
  return verifyToken(token, { appId: APP, secret: SECRET, now: NOW, ...extra });
}
function refusedWith(code: ErrorCode, token: unknown, extra: Partial<VerifyTokenOptions> = {}): StagepassError {
  let caught: unknown;
  try {
    verify(token, extra);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof StagepassError, `expected StagepassError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof token === 'string' && token.length > 20)
    assert.ok(!caught.message.includes(token.slice(-20)), 'message quotes the token');
  assert.ok(!caught.message.includes(SECRET));
  return caught;
}
const forged = (changes: Record<string, unknown>, secret = SECRET) =>
  forgeClaims({ ...baseClaims(APP, NOW), ...changes }, secret);
const withoutClaim = (name: string) => {
  const claims = baseClaims(APP, NOW);
  delete claims[name];
  return forgeClaims(claims, SECRET);
};
const mint = (extra: Record<string, unknown> = {}) =>
  createToken({ appId: APP, secret: SECRET, sessionId: 'session-1', now: NOW, ...extra } as Parameters<
    typeof createToken
  >[0]);

describe('verifyToken: a valid token', () => {
  it('returns what the token grants', () => {
    const token = mint({
      role: 'subscriber',
      data: 'user=42',
      initialLayoutClassList: ['a', 'b'],
      ttl: '1h',
      kid: 'k1',
    });
    const result = verifyToken(token, {
      appId: APP,
      keys: [{ secret: SECRET, kid: 'k1' }],
      sessionId: 'session-1',
      now: NOW + 10,
    });
    assert.equal(result.format, 'stagepass');
    assert.equal(result.algorithm, 'HS256');
    assert.equal(result.appId, APP);
    assert.equal(result.sessionId, 'session-1');
    assert.equal(result.role, 'subscriber');
    assert.deepEqual(result.capabilities, {
      subscribe: true,
      publish: false,
      signal: true,
      forceDisconnect: false,
      forceUnpublish: false,
      forceMute: false,
    });
    assert.equal(result.createTime, NOW);
    assert.equal(result.issuedAt, NOW);
    assert.equal(result.expireTime, NOW + 3600);
    assert.equal(result.notBefore, undefined);
    assert.equal(result.data, 'user=42');
    assert.deepEqual(result.initialLayoutClassList, ['a', 'b']);
    assert.match(result.tokenId, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(result.keyId, 'k1');
  });
  it('gives tokens without jti a digest as token ID', () => {
    const result = verify(withoutClaim('jti'));
    assert.match(result.tokenId, /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.equal(verify(withoutClaim('jti')).tokenId, result.tokenId);
  });
  it('verifies EdDSA, ES256 and RS256 tokens with only the public key', () => {
    for (const [type, options] of [
      ['ed25519', {}],
      ['ec', { namedCurve: 'P-256' }],
      ['rsa', { modulusLength: 2048 }],
    ] as const) {
      const pair = generateKeyPairSync(type as 'ed25519', options as object);
      const token = createToken({ appId: APP, privateKey: pair.privateKey, sessionId: 's', now: NOW });
      const result = verifyToken(token, {
        appId: APP,
        publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }),
        now: NOW,
      });
      assert.equal(result.algorithm, { ed25519: 'EdDSA', ec: 'ES256', rsa: 'RS256' }[type]);
      assert.equal(result.sessionId, 's');
    }
  });
});

describe('size and structure', () => {
  it('refuses tokens over 8 KiB before decoding anything', () => {
    refusedWith('ERR_TOKEN_TOO_LARGE', 'x'.repeat(8193));
    refusedWith('ERR_TOKEN_TOO_LARGE', `T1==${'A'.repeat(8189)}`);
    refusedWith('ERR_TOKEN_TOO_LARGE', 'é'.repeat(4097)); // 8194 UTF-8 bytes
    refusedWith('ERR_TOKEN_MALFORMED', 'x'.repeat(8192)); // at the cap: decoded, and malformed
  });
  it('refuses anything but three canonical base64url parts', () => {
    const token = mint();
    const [h, p, s] = token.split('.') as [string, string, string];
    for (const bad of [
      `${h}.${p}`,
      `${token}.x`,
      `${h}..${s}`.replace('..', '.'),
      '',
      '..',
      `${h}.${p}.${s}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p}+.${s}`,
      `${h}.${p}.${s.slice(0, -1)}/`,
      ` ${token}`,
      `${token}\n`,
    ]) {
      refusedWith('ERR_TOKEN_MALFORMED', bad);
    }
    refusedWith('ERR_TOKEN_MALFORMED', 42);
    refusedWith('ERR_TOKEN_MALFORMED', null);
  });
  it('words a malformed token as a token, and names a retired kid or a wrong algorithm', () => {
    const [h, p, s] = mint().split('.') as [string, string, string];
    assert.equal(
      refusedWith('ERR_TOKEN_MALFORMED', `${h}=.${p}.${s}`).message,
      'The token header is not canonical base64url; pass the token exactly as it was minted.',
    );
    assert.equal(
      refusedWith('ERR_TOKEN_SIGNATURE_INVALID', mint({ kid: 'retired' }), {
        secret: undefined,
        keys: [{ secret: SECRET, kid: 'current' }],
      }).message,
      'No key of this app has the key ID the token names; it may have been retired.',
    );
    const ed = generateKeyPairSync('ed25519').publicKey;
    assert.equal(
      refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', mint(), { secret: undefined, keys: [{ publicKey: ed }] }).message,
      'Refused: the token header names an algorithm this app has no key for (allowed: EdDSA).',
    );
    assert.equal(
      refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', mint({ kid: 'ed' }), {
        secret: undefined,
        keys: [{ publicKey: ed, kid: 'ed' }, { secret: SECRET }],
      }).message,
      'The key this token names is a EdDSA key; the token header names an algorithm this app has no key for under that kid.',
    );
  });
  it('refuses a signature spelled with non-zero trailing bits (one signature, one spelling)', () => {
    const token = mint();
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 32-byte signature is 43 chars; the last one carries 2 unused bits: 3 aliases decode to the same bytes.
    const index = alphabet.indexOf(last);
    const aliases = [1, 2, 3].map((d) => alphabet[(index & ~3) | ((index + d) & 3)]!);
    for (const alias of aliases) {
      const respelled = token.slice(0, -1) + alias;
      assert.deepEqual(
        Buffer.from(respelled.split('.')[2]!, 'base64url'),
        Buffer.from(token.split('.')[2]!, 'base64url'),
      );
      refusedWith('ERR_TOKEN_MALFORMED', respelled);
    }
  });
  it('refuses headers and claims that are not JSON objects, or hold duplicate or __proto__ members', () => {
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('[]', JSON.stringify(baseClaims(APP, NOW)), SECRET));
    refusedWith(
      'ERR_TOKEN_MALFORMED',
      forgeHs256('{"alg":"HS256","alg":"none"}', JSON.stringify(baseClaims(APP, NOW)), SECRET),
    );
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256"}', '[1,2]', SECRET));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256"}', 'not json', SECRET));
    const claims = JSON.stringify(baseClaims(APP, NOW));
    refusedWith(
      'ERR_TOKEN_MALFORMED',
      forgeHs256('{"alg":"HS256"}', `${claims.slice(0, -1)},"role":"moderator"}`, SECRET),
    );
    refusedWith(
      'ERR_TOKEN_MALFORMED',
      forgeHs256('{"alg":"HS256"}', `${claims.slice(0, -1)},"__proto__":{"role":"moderator"}}`, SECRET),
    );
    assert.equal(({} as Record<string, unknown>).role, undefined);
  });
  it('refuses invalid UTF-8 in the claims', () => {
    const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const claims = Buffer.concat([
      Buffer.from(JSON.stringify(baseClaims(APP, NOW)).slice(0, -1) + ',"x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const input = `${header}.${claims.toString('base64url')}`;
    refusedWith('ERR_TOKEN_MALFORMED', `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`);
  });
  it('refuses any crit header, and never follows jku, x5u, jwk or x5c', () => {
    const claims = JSON.stringify(baseClaims(APP, NOW));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256","crit":["exp"]}', claims, SECRET));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256","crit":[]}', claims, SECRET));
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = {
      alg: 'HS256',
      typ: 'JWT',
      jku: 'http://127.0.0.1:1/keys',
      x5u: 'http://127.0.0.1:1/x',
      jwk: attacker.publicKey.export({ format: 'jwk' }),
      x5c: ['AAAA'],
    };
    assert.equal(verify(forgeClaims(baseClaims(APP, NOW), SECRET, header)).role, 'publisher'); // signed with our secret: fine, extras ignored
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', forgeClaims(baseClaims(APP, NOW), OTHER_SECRET, header));
  });
  it('refuses a header without alg, or with a non-JWT typ or a non-string kid', () => {
    const claims = JSON.stringify(baseClaims(APP, NOW));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"typ":"JWT"}', claims, SECRET));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256","typ":"JOSE+JSON"}', claims, SECRET));
    refusedWith('ERR_TOKEN_MALFORMED', forgeHs256('{"alg":"HS256","kid":7}', claims, SECRET));
  });
});

describe('algorithms', () => {
  const claims = JSON.stringify(baseClaims(APP, NOW));
  const unsigned = (alg: string) =>
    `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(claims).toString('base64url')}.`;
  it('refuses alg none in any case', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', unsigned(alg));
  });
  it("refuses an algorithm other than the key's", () => {
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', forgeHs256('{"alg":"HS512"}', claims, SECRET));
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', forgeHs256('{"alg":"hs256"}', claims, SECRET));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsToken = createToken({ appId: APP, privateKey: rsa.privateKey, sessionId: 'session-1', now: NOW });
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', rsToken); // app has only an HS256 secret
  });
  it('never lets the header pick HMAC with a public key (alg confusion)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const token = forgeClaims(baseClaims(APP, NOW), pem); // HMAC keyed with the public key's PEM
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', token, { secret: undefined, publicKey: pem });
  });
  it('refuses a kid that names a key of another algorithm', () => {
    const ed = generateKeyPairSync('ed25519');
    const token = createToken({ appId: APP, secret: SECRET, kid: 'ed', sessionId: 's', now: NOW });
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', token, {
      secret: undefined,
      keys: [
        { publicKey: ed.publicKey, kid: 'ed' },
        { secret: SECRET, kid: 'hs' },
      ],
    });
  });
});

describe('signature', () => {
  it('refuses a token signed with another secret', () => {
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', mint({ secret: OTHER_SECRET }));
  });
  it('checks the signature before believing any claim: forged and expired is a signature error', () => {
    const forgedExpired = forged(
      { exp: NOW - DAY, expire_time: NOW - DAY, iat: NOW - 2 * DAY, create_time: NOW - 2 * DAY },
      OTHER_SECRET,
    );
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', forgedExpired);
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', forged({ iss: 'other-app', role: 'nobody', scope: 'x' }, OTHER_SECRET));
    // Forged claims that are not even JSON: still a signature error, not malformed.
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', forgeHs256('{"alg":"HS256"}', '[[[', OTHER_SECRET));
  });
  it('refuses a changed claim with the original signature', () => {
    const token = mint();
    const [h, , s] = token.split('.');
    const escalated = Buffer.from(JSON.stringify({ ...baseClaims(APP, NOW), role: 'moderator' })).toString('base64url');
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', `${h}.${escalated}.${s}`);
  });
  it('refuses a truncated or empty signature', () => {
    const token = mint();
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', token.slice(0, token.lastIndexOf('.') + 1));
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', token.slice(0, -3)); // 40 chars: canonical, 30 bytes
  });
});

describe('key rotation', () => {
  const verifier = createVerifier({
    apps: [
      {
        appId: APP,
        keys: [
          { secret: SECRET, kid: 'new' },
          { secret: OTHER_SECRET, kid: 'old' },
        ],
      },
    ],
  });
  it('picks the key by kid', () => {
    const byNew = createToken({ appId: APP, secret: SECRET, kid: 'new', sessionId: 's', now: NOW });
    const byOld = createToken({ appId: APP, secret: OTHER_SECRET, kid: 'old', sessionId: 's', now: NOW });
    assert.equal(verifier.verify(byNew, { appId: APP, now: NOW }).keyId, 'new');
    assert.equal(verifier.verify(byOld, { appId: APP, now: NOW }).keyId, 'old');
  });
  it('tries every key of the algorithm for a token without kid (OpenTok tokens have none)', () => {
    const noKid = createToken({ appId: APP, secret: OTHER_SECRET, sessionId: 's', now: NOW });
    assert.equal(verifier.verify(noKid, { appId: APP, now: NOW }).keyId, 'old');
  });
  it('refuses a kid no key has (a retired key)', () => {
    const retired = createToken({ appId: APP, secret: SECRET, kid: 'retired', sessionId: 's', now: NOW });
    assert.throws(() => verifier.verify(retired, { appId: APP, now: NOW }), { code: 'ERR_TOKEN_SIGNATURE_INVALID' });
  });
  it('refuses a kid that names the wrong key', () => {
    const swapped = createToken({ appId: APP, secret: SECRET, kid: 'old', sessionId: 's', now: NOW });
    assert.throws(() => verifier.verify(swapped, { appId: APP, now: NOW }), { code: 'ERR_TOKEN_SIGNATURE_INVALID' });
  });
  it('takes new keys with setApp and forgets apps with deleteApp', () => {
    const v = createVerifier();
    const token = mint();
    assert.throws(() => v.verify(token, { appId: APP, now: NOW }), { code: 'ERR_APP_UNKNOWN' });
    v.setApp({ appId: APP, keys: [{ secret: SECRET }] });
    assert.equal(v.hasApp(APP), true);
    assert.equal(v.verify(token, { appId: APP, now: NOW }).appId, APP);
    assert.equal(v.deleteApp(APP), true);
    assert.throws(() => v.verify(token, { appId: APP, now: NOW }), { code: 'ERR_APP_UNKNOWN' });
  });
  it('refuses bad configuration with ERR_INVALID_OPTION', () => {
    assert.throws(() => createVerifier({ apps: [{ appId: APP, keys: [] }] }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createVerifier({ apps: [{ appId: APP, keys: [{ secret: 'short' }] }] }), {
      code: 'ERR_INVALID_OPTION',
    });
    assert.throws(
      () =>
        createVerifier({
          apps: [
            {
              appId: APP,
              keys: [
                { secret: SECRET, kid: 'a' },
                { secret: OTHER_SECRET, kid: 'a' },
              ],
            },
          ],
        }),
      { code: 'ERR_INVALID_OPTION' },
    );
    assert.throws(
      () =>
        createVerifier({
          apps: [
            { appId: APP, keys: [{ secret: SECRET }] },
            { appId: APP, keys: [{ secret: SECRET }] },
          ],
        }),
      { code: 'ERR_INVALID_OPTION' },
    );
    assert.throws(
      () => createVerifier({ apps: [{ appId: APP, keys: [{ secret: SECRET, alg: 'RS256' as 'HS256' }] }] }),
      { code: 'ERR_INVALID_OPTION' },
    );
  });
});

describe('verifyToken options', () => {
  it("names the caller's own option in configuration errors", () => {
    const named = (options: Partial<VerifyTokenOptions>, option: string) =>
      assert.throws(
        () => verifyToken('x', { appId: APP, ...options }),
        (err: unknown) =>
          err instanceof StagepassError &&
          err.code === 'ERR_INVALID_OPTION' &&
          err.details.option === option &&
          err.message.startsWith(`${option}:`),
      );
    named({ secret: 'short' }, 'secret');
    named({ appId: 'has space', secret: SECRET }, 'appId');
    named({ publicKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey }, 'publicKey');
    named({ keys: [{ secret: SECRET }, { secret: 'short', kid: 'k' }] }, 'keys[1].secret');
    named({ secret: SECRET, clockTolerance: 301 }, 'clockTolerance');
    named({}, 'secret');
  });
});

describe('verifyToken option errors', () => {
  it("say the caller's option and the rule, made so at the source", () => {
    const err = assertRefusedOption(() =>
      verifyToken('x', { appId: APP, keys: [{ secret: SECRET }, { secret: 'short', kid: 'k' }] }),
    );
    assert.equal(err.option, 'keys[1].secret');
    assert.equal(err.rule, 'is 5 bytes; HS256 secrets must be at least 32 bytes (e.g. 32 random bytes, hex-encoded)');
    assert.equal(err.message, `keys[1].secret: ${err.rule}`);
    const fromPublicKey = assertRefusedOption(() => verifyToken('x', { appId: APP, publicKey: 'not a key' }));
    assert.equal(fromPublicKey.message, 'publicKey: is not a readable public key (PEM, JWK or KeyObject expected)');
    const tolerance = assertRefusedOption(() => verifyToken('x', { appId: APP, secret: SECRET, clockTolerance: -1 }));
    assert.equal(tolerance.message, 'clockTolerance: must be a whole number of seconds from 0 to 300');
  });
});

function assertRefusedOption(fn: () => unknown): StagepassError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StagepassError && err.code === 'ERR_INVALID_OPTION', String(err));
    return err;
  }
  assert.fail('expected ERR_INVALID_OPTION');
}

describe('app and session', () => {
  it('looks the key up by the presented App ID and requires the app claim to match it', () => {
    const verifier = createVerifier({ apps: [{ appId: APP, keys: [{ secret: SECRET }] }] });
    assert.equal(verifier.verify(mint(), { appId: APP, now: NOW }).appId, APP);
    assert.throws(() => verifier.verify(mint(), { appId: 'unknown-app', now: NOW }), { code: 'ERR_APP_UNKNOWN' });
    assert.throws(() => verifier.verify(mint(), { appId: 7 as unknown as string, now: NOW }), {
      code: 'ERR_INVALID_OPTION',
    });
  });
  it('refuses a token whose app claim is another app (same secret)', () => {
    const other = createToken({ appId: 'other-app', secret: SECRET, sessionId: 'session-1', now: NOW });
    refusedWith('ERR_TOKEN_APP_MISMATCH', other);
  });
  it('refuses a token for another session when a session is given', () => {
    assert.equal(verify(mint(), { sessionId: 'session-1' }).sessionId, 'session-1');
    refusedWith('ERR_TOKEN_SESSION_MISMATCH', mint(), { sessionId: 'session-2' });
  });
});

describe('time', () => {
  it('refuses an expired token, forgiving the clock tolerance (default 30 s)', () => {
    const token = mint({ ttl: 60 });
    assert.equal(verify(token, { now: NOW + 60 + 29 }).role, 'publisher');
    refusedWith('ERR_TOKEN_EXPIRED', token, { now: NOW + 60 + 30 });
    refusedWith('ERR_TOKEN_EXPIRED', token, { now: NOW + 60, clockTolerance: 0 });
    assert.equal(verify(token, { now: NOW + 60 + 299, clockTolerance: 300 }).role, 'publisher');
  });
  it('refuses a token not valid yet (nbf or iat in the future beyond the tolerance)', () => {
    const later = mint({ notBefore: NOW + 100 });
    assert.equal(verify(later, { now: NOW + 70 }).notBefore, NOW + 100);
    refusedWith('ERR_TOKEN_NOT_YET_VALID', later, { now: NOW + 69 });
    const future = createToken({ appId: APP, secret: SECRET, sessionId: 's', now: NOW + 31 });
    refusedWith('ERR_TOKEN_NOT_YET_VALID', future);
    assert.equal(verify(future, { clockTolerance: 31 }).issuedAt, NOW + 31);
  });
  it('refuses a lifetime over 30 days', () => {
    refusedWith('ERR_TOKEN_LIFETIME_TOO_LONG', forged({ exp: NOW + 30 * DAY + 1, expire_time: NOW + 30 * DAY + 1 }));
    assert.equal(verify(forged({ exp: NOW + 30 * DAY, expire_time: NOW + 30 * DAY })).expireTime, NOW + 30 * DAY);
    refusedWith('ERR_TOKEN_LIFETIME_TOO_LONG', forged({ exp: NOW + 365 * DAY, expire_time: NOW + 365 * DAY }));
  });
  it('bounds the clock tolerance to 0–300 s', () => {
    for (const clockTolerance of [-1, 301, 1.5, Number.NaN]) {
      assert.throws(() => verify(mint(), { clockTolerance }), { code: 'ERR_INVALID_OPTION' });
    }
  });
});

describe('claims', () => {
  const invalid = (token: string) => refusedWith('ERR_TOKEN_CLAIM_INVALID', token);
  it('requires scope session.connect', () => {
    invalid(forged({ scope: 'session.moderate' }));
    invalid(withoutClaim('scope'));
  });
  it('requires exp as a finite integer of seconds, agreeing with expire_time', () => {
    invalid(withoutClaim('exp'));
    invalid(forged({ exp: NOW + 0.5 }));
    invalid(forged({ exp: String(NOW + 60) }));
    invalid(forged({ exp: (NOW + 60) * 1000, expire_time: (NOW + 60) * 1000 }));
    invalid(forged({ expire_time: NOW + 61 }));
    const huge = JSON.stringify(baseClaims(APP, NOW)).replace(/"exp":\d+/, '"exp":1e400');
    invalid(forgeHs256('{"alg":"HS256","typ":"JWT"}', huge, SECRET));
    assert.match(invalid(forged({ exp: (NOW + 60) * 1000, expire_time: (NOW + 60) * 1000 })).message, /milliseconds/);
  });
  it('requires ist project and an iat', () => {
    invalid(forged({ ist: 'account' }));
    invalid(withoutClaim('iat'));
    invalid(forged({ iat: -1 }));
  });
  it('requires the role exactly, with no default', () => {
    for (const role of ['Publisher', 'publisherOnly', ' moderator', 'admin', '', null, 1, 'constructor', '__proto__'])
      invalid(forged({ role }));
    invalid(withoutClaim('role'));
  });
  it('requires a session ID of 1–512 printable ASCII characters', () => {
    for (const session_id of ['', 'a b', 'x'.repeat(513), 5]) invalid(forged({ session_id }));
    invalid(withoutClaim('session_id'));
  });
  it('accepts data up to 1024 UTF-16 code units, in every format', () => {
    assert.equal(verify(forged({ connection_data: 'x'.repeat(1024) })).data, 'x'.repeat(1024));
    invalid(forged({ connection_data: 'x'.repeat(1025) }));
    invalid(forged({ connection_data: 42 }));
    invalid(
      forgeHs256(
        '{"alg":"HS256"}',
        JSON.stringify(baseClaims(APP, NOW)).replace('}', ',"connection_data":"\\ud800"}'),
        SECRET,
      ),
    );
  });
  it('checks layout class list and jti types', () => {
    invalid(forged({ initial_layout_class_list: ['a'] }));
    invalid(forged({ initial_layout_class_list: 'x'.repeat(1025) }));
    invalid(forged({ jti: 7 }));
    invalid(forged({ jti: '' }));
  });
  it('requires an app claim', () => {
    invalid(withoutClaim('iss'));
  });
  it('ignores unknown claims, including constructor, and returns only checked values', () => {
    const result = verify(forged({ constructor: 'x', extra: { deep: true } }));
    assert.equal(result.role, 'publisher');
    assert.equal(Object.hasOwn(result, 'extra'), false);
  });
  it('never quotes connection data in a refusal', () => {
    const err = refusedWith('ERR_TOKEN_CLAIM_INVALID', forged({ connection_data: `private-${'x'.repeat(1100)}` }));
    assert.doesNotMatch(err.message, /private-/);
  });
});

describe('opentok-t1 tokens', () => {
  const t1 = (extra: Record<string, unknown> = {}) => mint({ format: 'opentok-t1', ...extra });
  const signedQuery = (changes: Record<string, string | undefined> = {}) => {
    const params: Record<string, string | undefined> = {
      session_id: 'session-1',
      create_time: String(NOW),
      nonce: '0.5',
      role: 'publisher',
      expire_time: String(NOW + 3600),
      initial_layout_class_list: '',
      scope: 'session.connect',
      ...changes,
    };
    return Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
      .join('&');
  };
  it('verifies only when legacy T1 is enabled for the app', () => {
    refusedWith('ERR_TOKEN_FORMAT_DISABLED', t1());
    const result = verify(t1({ role: 'moderator', data: 'a&b=c:d e+f%' }), { legacyT1: true });
    assert.equal(result.format, 'opentok-t1');
    assert.equal(result.algorithm, 'HMAC-SHA1');
    assert.equal(result.role, 'moderator');
    assert.equal(result.data, 'a&b=c:d e+f%');
    assert.match(result.tokenId, /^sha256:/);
  });
  it('splits on the first colon only', () => {
    const token = forgeT1(`${signedQuery()}&connection_data=a:b:c`, SECRET, APP);
    assert.equal(verify(token, { legacyT1: true }).data, 'a:b:c');
  });
  it('refuses repeated keys, in the head and in the signed part', () => {
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(`${signedQuery()}&role=moderator`, SECRET, APP), { legacyT1: true });
    const sig = createHmac('sha1', SECRET).update(signedQuery()).digest('hex');
    const head = `partner_id=${APP}&partner_id=${APP}&sig=${sig}`;
    refusedWith('ERR_TOKEN_MALFORMED', `T1==${Buffer.from(`${head}:${signedQuery()}`).toString('base64')}`, {
      legacyT1: true,
    });
  });
  it('requires partner_id to be the presented App ID', () => {
    refusedWith('ERR_TOKEN_APP_MISMATCH', forgeT1(signedQuery(), SECRET, '4711'), { legacyT1: true });
  });
  it('requires sig as exactly 40 lower-case hex digits, compared in constant time', () => {
    const sig = createHmac('sha1', SECRET).update(signedQuery()).digest('hex');
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(signedQuery(), SECRET, APP, sig.toUpperCase()), { legacyT1: true });
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(signedQuery(), SECRET, APP, sig.slice(1)), { legacyT1: true });
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(signedQuery(), SECRET, APP, `${sig}0`), { legacyT1: true });
    refusedWith(
      'ERR_TOKEN_SIGNATURE_INVALID',
      forgeT1(signedQuery(), SECRET, APP, `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`),
      { legacyT1: true },
    );
    refusedWith('ERR_TOKEN_SIGNATURE_INVALID', forgeT1(signedQuery(), OTHER_SECRET, APP), { legacyT1: true });
  });
  it('refuses empty or non-numeric times', () => {
    for (const changes of [
      { create_time: '' },
      { expire_time: '' },
      { expire_time: '12x' },
      { expire_time: '1e10' },
      { expire_time: ' 1' },
      { create_time: undefined },
      { expire_time: undefined },
      { expire_time: '-5' },
    ]) {
      refusedWith('ERR_TOKEN_CLAIM_INVALID', forgeT1(signedQuery(changes), SECRET, APP), { legacyT1: true });
    }
  });
  it('applies the same claim rules as the other formats', () => {
    const opts = { legacyT1: true };
    refusedWith('ERR_TOKEN_CLAIM_INVALID', forgeT1(signedQuery({ role: 'Publisher' }), SECRET, APP), opts);
    refusedWith('ERR_TOKEN_CLAIM_INVALID', forgeT1(signedQuery({ scope: 'other' }), SECRET, APP), opts);
    refusedWith(
      'ERR_TOKEN_CLAIM_INVALID',
      forgeT1(`${signedQuery()}&connection_data=${'x'.repeat(1025)}`, SECRET, APP),
      opts,
    );
    refusedWith('ERR_TOKEN_EXPIRED', forgeT1(signedQuery({ expire_time: String(NOW - 31) }), SECRET, APP), opts);
    refusedWith(
      'ERR_TOKEN_LIFETIME_TOO_LONG',
      forgeT1(signedQuery({ expire_time: String(NOW + 31 * DAY) }), SECRET, APP),
      opts,
    );
    refusedWith('ERR_TOKEN_NOT_YET_VALID', forgeT1(signedQuery({ create_time: String(NOW + 60) }), SECRET, APP), opts);
    refusedWith('ERR_TOKEN_SESSION_MISMATCH', forgeT1(signedQuery(), SECRET, APP), { ...opts, sessionId: 'other' });
  });
  it('parses the query strictly', () => {
    const opts = { legacyT1: true };
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(`${signedQuery()}&connection_data=%E0%A4%A`, SECRET, APP), opts);
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(`${signedQuery()}&novalue`, SECRET, APP), opts);
    refusedWith('ERR_TOKEN_MALFORMED', forgeT1(`${signedQuery()}&=x`, SECRET, APP), opts);
    refusedWith('ERR_TOKEN_MALFORMED', `T1==${Buffer.from('partner_id=1&sig=00').toString('base64')}`, opts);
    refusedWith('ERR_TOKEN_MALFORMED', 'T1==not base64!', opts);
    refusedWith('ERR_TOKEN_MALFORMED', `T1==${Buffer.from('x').toString('base64').replace('=', '')}`, opts);
  });
  it('needs an app secret', () => {
    const ed = generateKeyPairSync('ed25519');
    refusedWith('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', t1(), {
      secret: undefined,
      publicKey: ed.publicKey,
      legacyT1: true,
    });
  });
});

describe('vonage tokens', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  it('verify with the public key', () => {
    const token = createMinter({ appId: APP, privateKey: rsa.privateKey, format: 'vonage' }).mint({
      sessionId: 's',
      role: 'publisheronly',
      data: 'x',
      now: NOW,
    });
    const result = verifyToken(token, { appId: APP, publicKey: rsa.publicKey, now: NOW });
    assert.equal(result.format, 'vonage');
    assert.equal(result.role, 'publisheronly');
    assert.equal(result.data, 'x');
    assert.equal(result.capabilities.subscribe, false);
  });
  it('requires sub video and the app claim', () => {
    const token = createMinter({ appId: 'other', privateKey: rsa.privateKey, format: 'vonage' }).mint({
      sessionId: 's',
      now: NOW,
    });
    assert.throws(() => verifyToken(token, { appId: APP, publicKey: rsa.publicKey, now: NOW }), {
      code: 'ERR_TOKEN_APP_MISMATCH',
    });
  });
});
