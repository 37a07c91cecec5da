/**
 * Interop with general JWT libraries (`jose`, `jsonwebtoken`): our `stagepass` tokens verify with
 * them and theirs with us, and the tokens they accept that we must refuse are refused with the
 * right code.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT, jwtVerify } from 'jose';
import {
  CAPABILITIES,
  StagepassError,
  createMinter,
  createSessionId,
  inspectToken,
  verifyToken,
  type JwsAlgorithm,
} from './index.js';
import {
  LATER,
  NOW,
  SPECIAL_DATA,
  assertRefused,
  decodeSegment,
  ed25519KeyPair,
  jsonwebtoken,
  jwsSegments,
  p256KeyPair,
  rsaKeyPair,
  type PemKeyPair,
} from './test-support/interop-fixtures.js';

const APP_ID = 'a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const SECRET = randomBytes(24).toString('hex'); // 48 characters
const SECRET_BYTES = new TextEncoder().encode(SECRET);
const LAYOUT = ['focus', 'wide'];
const AT_LATER = new Date(LATER * 1000);

const RSA = rsaKeyPair();
const ED25519 = ed25519KeyPair();
const P256 = p256KeyPair();

function digestId(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'latin1').digest('base64url')}`;
}

/** A compact JWS over hand-written header and claims JSON, HMAC-SHA256 with `key` (bypasses every library). */
function handSignedHs256(headerJson: string, claimsJson: string, key: string): string {
  const input = `${Buffer.from(headerJson, 'utf8').toString('base64url')}.${Buffer.from(claimsJson, 'utf8').toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

interface AsymmetricCase {
  readonly alg: Exclude<JwsAlgorithm, 'HS256'>;
  readonly keys: PemKeyPair;
  readonly publicKey: KeyObject;
  readonly jsonwebtoken: boolean;
}

const ASYMMETRIC: readonly AsymmetricCase[] = [
  { alg: 'EdDSA', keys: ED25519, publicKey: createPublicKey(ED25519.publicKey), jsonwebtoken: false },
  { alg: 'ES256', keys: P256, publicKey: createPublicKey(P256.publicKey), jsonwebtoken: true },
  { alg: 'RS256', keys: RSA, publicKey: createPublicKey(RSA.publicKey), jsonwebtoken: true },
];

/** Checks the claim set of one of our stagepass tokens as a third-party library returned it. */
function assertStagepassPayload(payload: unknown, sessionId: string, role: string): void {
  assert.ok(typeof payload === 'object' && payload !== null);
  const claims = payload as Record<string, unknown>;
  const { nonce, jti } = claims;
  assert.equal(typeof nonce, 'number');
  assert.ok(Number.isSafeInteger(nonce) && (nonce as number) >= 0);
  assert.equal(typeof jti, 'string');
  assert.match(jti as string, /^[A-Za-z0-9_-]{22,}$/);
  assert.ok(Buffer.from(jti as string, 'base64url').length >= 16, 'jti carries at least 128 bits');
  assert.deepEqual(claims, {
    iss: APP_ID,
    ist: 'project',
    iat: NOW,
    exp: NOW + 3600,
    session_id: sessionId,
    create_time: NOW,
    nonce,
    role,
    expire_time: NOW + 3600,
    connection_data: SPECIAL_DATA,
    initial_layout_class_list: LAYOUT.join(' '),
    scope: 'session.connect',
    jti,
  });
  assert.equal(claims.expire_time, claims.exp);
}

describe('our stagepass tokens verify with jose and jsonwebtoken', () => {
  it('HS256 (with a kid): jose jwtVerify with the secret bytes, jsonwebtoken.verify with the secret', async () => {
    const sessionId = createSessionId();
    const minter = createMinter({ appId: APP_ID, secret: SECRET, kid: 'hs-2025' });
    const token = minter.mint({
      sessionId,
      role: 'moderator',
      data: SPECIAL_DATA,
      initialLayoutClassList: LAYOUT,
      expireTime: NOW + 3600,
      now: NOW,
    });
    const { payload, protectedHeader } = await jwtVerify(token, SECRET_BYTES, {
      algorithms: ['HS256'],
      currentDate: AT_LATER,
    });
    assert.deepEqual(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: 'hs-2025' });
    assertStagepassPayload(payload, sessionId, 'moderator');
    const complete = jsonwebtoken.verify(token, SECRET, {
      algorithms: ['HS256'],
      clockTimestamp: LATER,
      complete: true,
    }) as { header: unknown; payload: unknown };
    assert.deepEqual(complete.header, { alg: 'HS256', typ: 'JWT', kid: 'hs-2025' });
    assertStagepassPayload(complete.payload, sessionId, 'moderator');
    // And jose refuses it once expired, as we do.
    await assert.rejects(
      jwtVerify(token, SECRET_BYTES, { algorithms: ['HS256'], currentDate: new Date((NOW + 3600) * 1000) }),
      { code: 'ERR_JWT_EXPIRED' },
    );
  });

  for (const c of ASYMMETRIC) {
    it(`${c.alg} (with a kid): jose jwtVerify with the public KeyObject${c.jsonwebtoken ? ', jsonwebtoken.verify with the PEM' : ''}`, async () => {
      const sessionId = createSessionId();
      const kid = `${c.alg.toLowerCase()}-key-1`;
      const minter = createMinter({ appId: APP_ID, privateKey: c.keys.privateKey, kid });
      assert.equal(minter.alg, c.alg);
      const token = minter.mint({
        sessionId,
        role: 'subscriber',
        data: SPECIAL_DATA,
        initialLayoutClassList: LAYOUT,
        expireTime: NOW + 3600,
        now: NOW,
      });
      const { payload, protectedHeader } = await jwtVerify(token, c.publicKey, {
        algorithms: [c.alg],
        currentDate: AT_LATER,
      });
      assert.deepEqual(protectedHeader, { alg: c.alg, typ: 'JWT', kid });
      assertStagepassPayload(payload, sessionId, 'subscriber');
      if (c.jsonwebtoken) {
        const complete = jsonwebtoken.verify(token, c.keys.publicKey, {
          algorithms: [c.alg],
          clockTimestamp: LATER,
          complete: true,
        }) as { header: unknown; payload: unknown };
        assert.deepEqual(complete.header, { alg: c.alg, typ: 'JWT', kid });
        assertStagepassPayload(complete.payload, sessionId, 'subscriber');
      }
      // Our own verifier agrees and reports the kid.
      const granted = verifyToken(token, {
        appId: APP_ID,
        keys: [{ publicKey: c.keys.publicKey, kid }],
        sessionId,
        now: LATER,
      });
      assert.equal(granted.algorithm, c.alg);
      assert.equal(granted.keyId, kid);
      assert.equal(granted.tokenId, (payload as { jti: string }).jti);
    });
  }

  it('data that would make a token over 8 KiB once escaped is refused at minting, never minted unverifiable', () => {
    const sessionId = createSessionId();
    const minter = createMinter({ appId: APP_ID, secret: SECRET });
    // 1000 control characters: within the character limit, but 6 bytes each as JSON escapes.
    assert.throws(
      () => minter.mint({ sessionId, data: '\u0001'.repeat(1000), ttl: 60, now: NOW }),
      (err: unknown) =>
        err instanceof StagepassError &&
        err.code === 'ERR_INVALID_OPTION' &&
        err.details.option === 'data' &&
        /8192 bytes/.test(err.message),
    );
    // The largest that fits still verifies with jose and with us.
    const data = '\u0001'.repeat(900);
    const token = minter.mint({ sessionId, data, ttl: 60, now: NOW });
    assert.ok(token.length <= 8192);
    assert.equal(verifyToken(token, { appId: APP_ID, secret: SECRET, now: LATER }).data, data);
  });
});

describe('jose and jsonwebtoken tokens with the OpenTok claim set verify with us', () => {
  it('jose SignJWT, HS256, the claims OpenTok writes (nonce a float, as the opentok SDK makes it)', async () => {
    const sessionId = createSessionId();
    const token = await new SignJWT({
      ist: 'project',
      session_id: sessionId,
      role: 'moderator',
      scope: 'session.connect',
      nonce: 0.8345,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(APP_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 3600)
      .sign(SECRET_BYTES);
    const granted = verifyToken(token, { appId: APP_ID, secret: SECRET, sessionId, now: LATER });
    assert.deepEqual(granted, {
      format: 'stagepass',
      algorithm: 'HS256',
      appId: APP_ID,
      sessionId,
      role: 'moderator',
      capabilities: CAPABILITIES.moderator,
      createTime: NOW,
      issuedAt: NOW,
      expireTime: NOW + 3600,
      notBefore: undefined,
      data: undefined,
      initialLayoutClassList: [],
      tokenId: digestId(token),
      keyId: undefined,
    });
  });

  it('jose SignJWT, HS256 with kid, jti, nbf, connection data and layout', async () => {
    const sessionId = createSessionId();
    const token = await new SignJWT({
      ist: 'project',
      session_id: sessionId,
      role: 'publisheronly',
      scope: 'session.connect',
      nonce: 42,
      create_time: NOW,
      expire_time: NOW + 600,
      connection_data: SPECIAL_DATA,
      initial_layout_class_list: 'a b',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'rotating-2' })
      .setIssuer(APP_ID)
      .setIssuedAt(NOW)
      .setNotBefore(NOW + 5)
      .setExpirationTime(NOW + 600)
      .setJti('jose-token-0001')
      .sign(SECRET_BYTES);
    const granted = verifyToken(token, {
      appId: APP_ID,
      keys: [
        { secret: 'z'.repeat(32), kid: 'rotating-1' },
        { secret: SECRET, kid: 'rotating-2' },
      ],
      sessionId,
      now: LATER,
    });
    assert.equal(granted.role, 'publisheronly');
    assert.equal(granted.notBefore, NOW + 5);
    assert.equal(granted.expireTime, NOW + 600);
    assert.equal(granted.data, SPECIAL_DATA);
    assert.deepEqual(granted.initialLayoutClassList, ['a', 'b']);
    assert.equal(granted.tokenId, 'jose-token-0001');
    assert.equal(granted.keyId, 'rotating-2');
    // nbf is honoured.
    assertRefused(
      () => verifyToken(token, { appId: APP_ID, secret: SECRET, now: NOW - 40 }),
      'ERR_TOKEN_NOT_YET_VALID',
    );
  });

  for (const c of ASYMMETRIC) {
    it(`jose SignJWT, ${c.alg}, verifies with the public key`, async () => {
      const sessionId = createSessionId();
      const token = await new SignJWT({
        ist: 'project',
        session_id: sessionId,
        role: 'subscriber',
        scope: 'session.connect',
        nonce: 7,
      })
        .setProtectedHeader({ alg: c.alg, typ: 'JWT', kid: 'k1' })
        .setIssuer(APP_ID)
        .setIssuedAt(NOW)
        .setExpirationTime(NOW + 60)
        .sign(createPrivateKey(c.keys.privateKey));
      const granted = verifyToken(token, {
        appId: APP_ID,
        keys: [{ publicKey: c.publicKey, kid: 'k1' }],
        sessionId,
        now: LATER,
      });
      assert.equal(granted.algorithm, c.alg);
      assert.equal(granted.role, 'subscriber');
      assert.equal(granted.expireTime, NOW + 60);
      assert.equal(granted.keyId, 'k1');
    });
  }

  it('jsonwebtoken.sign, HS256', () => {
    const sessionId = createSessionId();
    const token = jsonwebtoken.sign(
      {
        iss: APP_ID,
        ist: 'project',
        iat: NOW,
        exp: NOW + 3600,
        session_id: sessionId,
        role: 'publisher',
        scope: 'session.connect',
        nonce: 0.25,
      },
      SECRET,
      { algorithm: 'HS256' },
    );
    assert.deepEqual(decodeSegment(jwsSegments(token)[0]), { alg: 'HS256', typ: 'JWT' });
    const granted = verifyToken(token, { appId: APP_ID, secret: SECRET, sessionId, now: LATER });
    assert.equal(granted.format, 'stagepass');
    assert.equal(granted.role, 'publisher');
    assert.equal(granted.createTime, NOW);
    assert.equal(granted.expireTime, NOW + 3600);
    assert.equal(granted.tokenId, digestId(token));
  });

  it('jsonwebtoken.sign, RS256 with keyid', () => {
    const sessionId = createSessionId();
    const token = jsonwebtoken.sign(
      {
        iss: APP_ID,
        ist: 'project',
        iat: NOW,
        exp: NOW + 3600,
        session_id: sessionId,
        role: 'moderator',
        scope: 'session.connect',
        nonce: 1,
      },
      RSA.privateKey,
      { algorithm: 'RS256', keyid: 'rsa-1' },
    );
    const granted = verifyToken(token, {
      appId: APP_ID,
      keys: [{ publicKey: RSA.publicKey, kid: 'rsa-1' }],
      sessionId,
      now: LATER,
    });
    assert.equal(granted.algorithm, 'RS256');
    assert.equal(granted.role, 'moderator');
    assert.equal(granted.keyId, 'rsa-1');
  });
});

describe('tokens jose and jsonwebtoken accept that we must refuse', () => {
  const sessionId = 'session-1';
  const claimsJson = (exp: string): string =>
    `{"iss":"${APP_ID}","ist":"project","iat":${NOW}${exp},"session_id":"${sessionId}","role":"moderator","scope":"session.connect","nonce":1}`;

  it('no exp: ERR_TOKEN_CLAIM_INVALID', async () => {
    const token = await new SignJWT({
      ist: 'project',
      session_id: sessionId,
      role: 'moderator',
      scope: 'session.connect',
      nonce: 1,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(APP_ID)
      .setIssuedAt(NOW)
      .sign(SECRET_BYTES);
    const { payload } = await jwtVerify(token, SECRET_BYTES, { algorithms: ['HS256'], currentDate: AT_LATER });
    assert.equal(payload.exp, undefined);
    assert.equal(
      (jsonwebtoken.verify(token, SECRET, { algorithms: ['HS256'], clockTimestamp: LATER }) as { exp?: number }).exp,
      undefined,
    );
    const err = assertRefused(
      () => verifyToken(token, { appId: APP_ID, secret: SECRET, now: LATER }),
      'ERR_TOKEN_CLAIM_INVALID',
    );
    assert.match(err.message, /\bexp\b/);
  });

  it('exp: 1e400 (Infinity once parsed): ERR_TOKEN_CLAIM_INVALID', async () => {
    const token = handSignedHs256('{"alg":"HS256","typ":"JWT"}', claimsJson(',"exp":1e400'), SECRET);
    const { payload } = await jwtVerify(token, SECRET_BYTES, { algorithms: ['HS256'], currentDate: AT_LATER });
    assert.equal(payload.exp, Infinity);
    assert.equal(
      (jsonwebtoken.verify(token, SECRET, { algorithms: ['HS256'], clockTimestamp: LATER }) as { exp: number }).exp,
      Infinity,
    );
    const err = assertRefused(
      () => verifyToken(token, { appId: APP_ID, secret: SECRET, now: LATER }),
      'ERR_TOKEN_CLAIM_INVALID',
    );
    assert.match(err.message, /\bexp\b/);
  });

  it('other non-integer exp spellings: ERR_TOKEN_CLAIM_INVALID', () => {
    for (const exp of [',"exp":1750003600.5', ',"exp":"1750003600"', ',"exp":-1', ',"exp":1e21', ',"exp":null']) {
      const token = handSignedHs256('{"alg":"HS256","typ":"JWT"}', claimsJson(exp), SECRET);
      assertRefused(
        () => verifyToken(token, { appId: APP_ID, secret: SECRET, now: LATER }),
        'ERR_TOKEN_CLAIM_INVALID',
        exp,
      );
    }
  });

  it('alg "none" (any spelling, with or without a signature): ERR_TOKEN_ALGORITHM_NOT_ALLOWED', () => {
    const unsecured = new UnsecuredJWT({
      ist: 'project',
      session_id: sessionId,
      role: 'moderator',
      scope: 'session.connect',
      nonce: 1,
    })
      .setIssuer(APP_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 3600)
      .encode();
    assert.equal(UnsecuredJWT.decode(unsecured, { currentDate: AT_LATER }).payload.role, 'moderator');
    assert.ok(unsecured.endsWith('.'));
    assertRefused(
      () => verifyToken(unsecured, { appId: APP_ID, secret: SECRET, now: LATER }),
      'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
    );
    assertRefused(
      () => verifyToken(unsecured, { appId: APP_ID, publicKey: RSA.publicKey, now: LATER }),
      'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
    );
    const claims = claimsJson(`,"exp":${NOW + 3600}`);
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const [header, payload] = jwsSegments(handSignedHs256(`{"alg":"${alg}","typ":"JWT"}`, claims, SECRET));
      assertRefused(
        () => verifyToken(`${header}.${payload}.`, { appId: APP_ID, secret: SECRET, now: LATER }),
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
        alg,
      );
      const signed = handSignedHs256(`{"alg":"${alg}","typ":"JWT"}`, claims, SECRET);
      assertRefused(
        () => verifyToken(signed, { appId: APP_ID, secret: SECRET, now: LATER }),
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
        alg,
      );
    }
  });

  for (const c of ASYMMETRIC) {
    it(`alg confusion: HS256 with the ${c.alg} public key PEM as HMAC key: ERR_TOKEN_ALGORITHM_NOT_ALLOWED`, async () => {
      const claims = claimsJson(`,"exp":${NOW + 3600}`);
      const forged = handSignedHs256('{"alg":"HS256","typ":"JWT"}', claims, c.keys.publicKey);
      // A naive HMAC check keyed with the PEM text accepts it: the forgery is well made.
      const { payload } = await jwtVerify(forged, new TextEncoder().encode(c.keys.publicKey), {
        algorithms: ['HS256'],
        currentDate: AT_LATER,
      });
      assert.equal(payload.role, 'moderator');
      assertRefused(
        () => verifyToken(forged, { appId: APP_ID, publicKey: c.keys.publicKey, now: LATER }),
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
      );
      assertRefused(
        () => verifyToken(forged, { appId: APP_ID, publicKey: c.publicKey, now: LATER }),
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
      );
      // Naming the asymmetric key's kid does not help either.
      const forgedKid = handSignedHs256('{"alg":"HS256","typ":"JWT","kid":"pub-1"}', claims, c.keys.publicKey);
      assertRefused(
        () =>
          verifyToken(forgedKid, { appId: APP_ID, keys: [{ publicKey: c.keys.publicKey, kid: 'pub-1' }], now: LATER }),
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
      );
    });
  }

  it('a token jose accepts but whose payload repeats a member: ERR_TOKEN_MALFORMED', async () => {
    const claims = claimsJson(`,"exp":${NOW + 3600}`).replace(
      '"role":"moderator"',
      '"role":"subscriber","role":"moderator"',
    );
    const token = handSignedHs256('{"alg":"HS256","typ":"JWT"}', claims, SECRET);
    const { payload } = await jwtVerify(token, SECRET_BYTES, { algorithms: ['HS256'], currentDate: AT_LATER });
    assert.equal(payload.role, 'moderator');
    assertRefused(() => verifyToken(token, { appId: APP_ID, secret: SECRET, now: LATER }), 'ERR_TOKEN_MALFORMED');
  });

  it('inspectToken reads these tokens without verifying them', () => {
    const token = handSignedHs256('{"alg":"HS256","typ":"JWT"}', claimsJson(',"exp":1e400'), SECRET);
    const inspected = inspectToken(token);
    assert.equal(inspected.verified, false);
    assert.equal(inspected.claims.exp, Infinity);
  });
});
