/**
 * Interop with the real `@vonage/video` SDK and `@vonage/jwt`: Vonage Video client tokens verify
 * with us, and our `vonage` tokens pass Vonage's (and jsonwebtoken's) verifiers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { verifySignature } from '@vonage/jwt';
import { Video } from '@vonage/video';
import { CAPABILITIES, createSessionId, createToken, inspectToken, verifyToken } from './index.js';
import {
  LATER,
  NOW,
  ROLES_IN_TOKENS,
  SPECIAL_DATA,
  assertRefused,
  dataOfLength,
  jsonwebtoken,
  jwsSegments,
  decodeSegment,
  rsaKeyPair,
} from './test-support/interop-fixtures.js';

const APP_ID = randomUUID();
const OTHER_APP_ID = randomUUID();
const KEYS = rsaKeyPair();
const OTHER_KEYS = rsaKeyPair();
const LAYOUT = ['focus', 'picture-in-picture'];
const video = new Video({ applicationId: APP_ID, privateKey: KEYS.privateKey });

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

describe('@vonage/video client tokens verify with Stagepass', () => {
  for (const role of ROLES_IN_TOKENS) {
    it(`generateClientToken, role ${role}, special-character data, layout classes, expireTime`, () => {
      const sessionId = createSessionId();
      const before = unixNow();
      const expireTime = before + 3600;
      const token = video.generateClientToken(sessionId, {
        role,
        data: SPECIAL_DATA,
        expireTime,
        initialLayoutClassList: LAYOUT,
      });
      const after = unixNow();
      assert.deepEqual(decodeSegment(jwsSegments(token)[0]), { alg: 'RS256', typ: 'JWT' });
      const claims = inspectToken(token).claims;
      assert.equal(inspectToken(token).format, 'vonage');
      const iat = claims.iat;
      const jti = claims.jti;
      assert.ok(typeof iat === 'number' && iat >= before && iat <= after);
      assert.ok(typeof jti === 'string');
      const granted = verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, sessionId });
      assert.deepEqual(granted, {
        format: 'vonage',
        algorithm: 'RS256',
        appId: APP_ID,
        sessionId,
        role,
        capabilities: CAPABILITIES[role],
        createTime: iat,
        issuedAt: iat,
        expireTime,
        notBefore: undefined,
        data: SPECIAL_DATA,
        initialLayoutClassList: LAYOUT,
        tokenId: jti,
        keyId: undefined,
      });
    });
  }

  it('defaults: a publisher token, no data, no layout, 24 h', () => {
    const sessionId = createSessionId();
    const token = video.generateClientToken(sessionId);
    const granted = verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, sessionId });
    assert.equal(granted.format, 'vonage');
    assert.equal(granted.role, 'publisher');
    assert.equal(granted.data, undefined);
    assert.deepEqual(granted.initialLayoutClassList, []);
    // @vonage/video rounds its clock for exp (Math.round) but floors it for iat.
    assert.ok([86_400, 86_401].includes(granted.expireTime - granted.issuedAt));
  });

  it('1024-character data verifies', () => {
    const sessionId = createSessionId();
    const data = dataOfLength(SPECIAL_DATA, 1024);
    const token = video.generateClientToken(sessionId, { role: 'subscriber', data, expireTime: unixNow() + 60 });
    assert.equal(verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, sessionId }).data, data);
  });

  it('a token of another application (same key) is refused ERR_TOKEN_APP_MISMATCH', () => {
    const other = new Video({ applicationId: OTHER_APP_ID, privateKey: KEYS.privateKey });
    const token = other.generateClientToken(createSessionId(), { role: 'moderator', expireTime: unixNow() + 600 });
    assertRefused(() => verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey }), 'ERR_TOKEN_APP_MISMATCH');
  });

  it('verified with the wrong public key: ERR_TOKEN_SIGNATURE_INVALID', () => {
    const token = video.generateClientToken(createSessionId(), { role: 'moderator', expireTime: unixNow() + 600 });
    assertRefused(
      () => verifyToken(token, { appId: APP_ID, publicKey: OTHER_KEYS.publicKey }),
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
  });

  it('an app configured with a secret only refuses the RS256 token ERR_TOKEN_ALGORITHM_NOT_ALLOWED', () => {
    const token = video.generateClientToken(createSessionId(), { expireTime: unixNow() + 600 });
    assertRefused(
      () => verifyToken(token, { appId: APP_ID, secret: 'k'.repeat(40) }),
      'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
    );
  });

  it('expireTime in milliseconds makes a token that never expires for them: refused ERR_TOKEN_CLAIM_INVALID', () => {
    const sessionId = createSessionId();
    const expireMs = Date.now() + 3600e3;
    const token = video.generateClientToken(sessionId, { role: 'moderator', expireTime: expireMs });
    assert.equal(inspectToken(token).claims.exp, expireMs);
    // jsonwebtoken (what @vonage/jwt verifies with) accepts it, even a century from now.
    const farFuture = unixNow() + 100 * 365 * 86_400;
    assert.equal(
      (
        jsonwebtoken.verify(token, KEYS.publicKey, { algorithms: ['RS256'], clockTimestamp: farFuture }) as {
          exp: number;
        }
      ).exp,
      expireMs,
    );
    const err = assertRefused(
      () => verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, sessionId }),
      'ERR_TOKEN_CLAIM_INVALID',
    );
    assert.match(err.message, /milliseconds/);
  });
});

describe('Stagepass vonage tokens pass @vonage/jwt and jsonwebtoken', () => {
  it('verifySignature (from @vonage/jwt) returns true with the public key, false with another', () => {
    const token = createToken({
      appId: APP_ID,
      privateKey: KEYS.privateKey,
      format: 'vonage',
      sessionId: createSessionId(),
      role: 'publisher',
      data: SPECIAL_DATA,
      ttl: '1h', // on the real clock: verifySignature has no clock option
    });
    assert.equal(verifySignature(token, KEYS.publicKey), true);
    assert.equal(verifySignature(token, OTHER_KEYS.publicKey), false);
  });

  for (const role of ROLES_IN_TOKENS) {
    it(`jsonwebtoken.verify(RS256) returns exactly our claims, role ${role}`, () => {
      const sessionId = createSessionId();
      const token = createToken({
        appId: APP_ID,
        privateKey: KEYS.privateKey,
        format: 'vonage',
        sessionId,
        role,
        data: SPECIAL_DATA,
        initialLayoutClassList: LAYOUT,
        expireTime: NOW + 3600,
        now: NOW,
      });
      assert.deepEqual(decodeSegment(jwsSegments(token)[0]), { alg: 'RS256', typ: 'JWT' });
      const jti = inspectToken(token).claims.jti;
      assert.ok(typeof jti === 'string');
      assert.match(jti, /^[A-Za-z0-9_-]{22}$/);
      const claims = jsonwebtoken.verify(token, KEYS.publicKey, { algorithms: ['RS256'], clockTimestamp: LATER });
      assert.deepEqual(claims, {
        scope: 'session.connect',
        session_id: sessionId,
        role,
        initial_layout_class_list: LAYOUT.join(' '),
        exp: NOW + 3600,
        sub: 'video',
        acl: { paths: { '/session/**': {} } },
        connection_data: SPECIAL_DATA,
        jti,
        iat: NOW,
        application_id: APP_ID,
      });
      // And it round-trips through us.
      const granted = verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, sessionId, now: LATER });
      assert.equal(granted.format, 'vonage');
      assert.equal(granted.tokenId, jti);
      assert.equal(granted.role, role);
    });
  }

  it('without data: no connection_data claim; jsonwebtoken refuses it once expired, as we do', () => {
    const sessionId = createSessionId();
    const token = createToken({
      appId: APP_ID,
      privateKey: KEYS.privateKey,
      format: 'vonage',
      sessionId,
      ttl: 60,
      now: NOW,
    });
    const claims = jsonwebtoken.verify(token, KEYS.publicKey, {
      algorithms: ['RS256'],
      clockTimestamp: LATER,
    }) as Record<string, unknown>;
    assert.equal('connection_data' in claims, false);
    assert.equal(claims.role, 'publisher');
    assert.equal(claims.initial_layout_class_list, '');
    assert.throws(
      () => jsonwebtoken.verify(token, KEYS.publicKey, { algorithms: ['RS256'], clockTimestamp: NOW + 61 }),
      { name: 'TokenExpiredError' },
    );
    assertRefused(
      () => verifyToken(token, { appId: APP_ID, publicKey: KEYS.publicKey, now: NOW + 91, clockTolerance: 30 }),
      'ERR_TOKEN_EXPIRED',
    );
  });
});
