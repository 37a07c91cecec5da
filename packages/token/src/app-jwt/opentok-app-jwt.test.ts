import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { appJwtLimits, createOpenTokAppJwtVerifier, createToken, type ErrorCode } from '../index.js';
import { forgeClaims } from '../test-support/forge.js';
import { assertRefused, jsonwebtoken, rsaKeyPair } from '../test-support/interop-fixtures.js';

const NOW = 1_800_000_000;
const APP = '47123456';
const SECRET = 'opentok-project-secret-0123456789abcdef';
const verifier = createOpenTokAppJwtVerifier({ appId: APP, keys: [{ secret: SECRET }] });
const verify = (jwt: string, now = NOW) => verifier.verify(jwt, { now });
const opentokClaims = (extra: Record<string, unknown> = {}) => ({
  iss: APP,
  ist: 'project',
  iat: NOW,
  exp: NOW + 300,
  ...extra,
});
const refused = (code: ErrorCode, jwt: string, pattern?: RegExp) => {
  const err = assertRefused(() => verify(jwt), code);
  if (pattern !== undefined) assert.match(err.message, pattern);
};

describe('createOpenTokAppJwtVerifier', () => {
  it('accepts what opentok signs: HS256 {iss, ist, iat, exp} without jti, the same JWT twice', () => {
    const jwt = jsonwebtoken.sign(opentokClaims(), SECRET);
    assert.deepEqual(verify(jwt), {
      appId: APP,
      jti: undefined,
      issuer: 'iss',
      issuedAt: NOW,
      expireTime: NOW + 300,
      keyId: undefined,
      algorithm: 'HS256',
    });
    assert.equal(verify(jwt).jti, undefined);
  });

  it('accepts what @vonage/video signs: RS256 {application_id, jti, iat, exp = iat + 900}, and opentok Vonage mode', () => {
    const appId = randomUUID();
    const keys = rsaKeyPair();
    const rsa = createOpenTokAppJwtVerifier({ appId, keys: [{ publicKey: keys.publicKey }] });
    const vonage = jsonwebtoken.sign(
      { application_id: appId, jti: randomUUID(), iat: NOW, exp: NOW + 900 },
      keys.privateKey,
      {
        algorithm: 'RS256',
      },
    );
    assert.equal(rsa.verify(vonage, { now: NOW }).issuer, 'application_id');
    const both = jsonwebtoken.sign(
      { iss: appId, ist: 'project', application_id: appId, jti: 'j-1', iat: NOW, exp: NOW + 300 },
      keys.privateKey,
      { algorithm: 'RS256' },
    );
    assert.deepEqual([rsa.verify(both, { now: NOW }).issuer, rsa.verify(both, { now: NOW }).jti], ['both', 'j-1']);
  });

  it('allows exp up to 15 minutes (+ tolerance) ahead, and no further', () => {
    assert.equal(appJwtLimits.MAX_OPENTOK_APP_JWT_TTL_SECONDS, 900);
    assert.equal(verify(forgeClaims(opentokClaims({ exp: NOW + 930 }), SECRET)).expireTime, NOW + 930);
    refused('ERR_AUTH_EXPIRED', forgeClaims(opentokClaims({ exp: NOW + 931 }), SECRET), /900 s ahead/);
    refused('ERR_AUTH_EXPIRED', forgeClaims(opentokClaims({ iat: NOW - 400, exp: NOW - 31 }), SECRET));
  });

  it('requires the App ID in iss (with ist project) or application_id, each given equal to the path', () => {
    refused('ERR_AUTH_INVALID', forgeClaims({ iat: NOW, exp: NOW + 60 }, SECRET), /names no app/);
    refused('ERR_AUTH_INVALID', forgeClaims(opentokClaims({ iss: '47000000' }), SECRET), /iss/);
    refused('ERR_AUTH_INVALID', forgeClaims(opentokClaims({ ist: 'account' }), SECRET), /ist/);
    refused('ERR_AUTH_INVALID', forgeClaims(opentokClaims({ application_id: '47000000' }), SECRET), /application_id/);
    assert.equal(
      verify(forgeClaims({ application_id: APP, iat: NOW, exp: NOW + 60 }, SECRET)).issuer,
      'application_id',
    );
  });

  it('never takes a client session token of the app, nor a bad jti, nor another secret', () => {
    const token = createToken({ appId: APP, secret: SECRET, sessionId: 's1', now: NOW, ttl: 600 });
    refused('ERR_AUTH_INVALID', token, /session token/);
    refused('ERR_AUTH_INVALID', forgeClaims(opentokClaims({ jti: '' }), SECRET), /jti/);
    refused('ERR_AUTH_INVALID', forgeClaims(opentokClaims({ jti: 'x'.repeat(129) }), SECRET), /jti/);
    refused('ERR_AUTH_INVALID', jsonwebtoken.sign(opentokClaims(), `${SECRET}-other`), /does not verify/);
  });
});
