// Generic JWT libraries signing and verifying the same claim set as a Stagepass HS256 token.
// Each gets its fastest key form, imported once (as our minter and verifier import theirs once):
// jsonwebtoken a secret KeyObject (given the string, it first tries createPrivateKey on it per call,
// which is ~30× slower), jose v6 (WebCrypto only) an HMAC CryptoKey (a Uint8Array is re-imported per call).
import { createSecretKey, randomUUID, webcrypto } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { SignJWT, jwtVerify } from 'jose';
import { APP_ID, DATA, ROLE, SECRET, SECRET_BYTES, SESSION_ID, TTL_SECONDS, expect, nowSeconds } from './fixtures.mjs';

/** The Stagepass / OpenTok client-token claim set, built fresh per token (time, nonce, jti). */
function claims() {
  const now = nowSeconds();
  return {
    iss: APP_ID,
    ist: 'project',
    iat: now,
    exp: now + TTL_SECONDS,
    session_id: SESSION_ID,
    create_time: now,
    nonce: Math.floor(Math.random() * 2 ** 53),
    role: ROLE,
    expire_time: now + TTL_SECONDS,
    connection_data: DATA,
    initial_layout_class_list: '',
    scope: 'session.connect',
    jti: randomUUID(),
  };
}

const jsonwebtokenKey = createSecretKey(Buffer.from(SECRET, 'utf8'));
const joseKey = () =>
  webcrypto.subtle.importKey('raw', SECRET_BYTES, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
const signOptions = { algorithm: 'HS256' };
const verifyOptions = { algorithms: ['HS256'], issuer: APP_ID };
const isJws = (token) => typeof token === 'string' && /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

export const cases = {
  'jsonwebtoken-hs256-sign': {
    setup: () => ({
      op: () => jsonwebtoken.sign(claims(), jsonwebtokenKey, signOptions),
      check: (token) => expect(isJws(token), 'jsonwebtoken.sign returns a JWS'),
    }),
  },
  'jsonwebtoken-hs256-verify': {
    setup() {
      const token = jsonwebtoken.sign(claims(), jsonwebtokenKey, signOptions);
      return {
        op: () => jsonwebtoken.verify(token, jsonwebtokenKey, verifyOptions),
        check: (payload) =>
          expect(payload.role === ROLE && payload.connection_data === DATA, 'jsonwebtoken.verify returns the claims'),
      };
    },
  },
  'jose-hs256-sign': {
    async: true,
    async setup() {
      const key = await joseKey();
      return {
        op: () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key),
        check: (token) => expect(isJws(token), 'SignJWT.sign returns a JWS'),
      };
    },
  },
  'jose-hs256-verify': {
    async: true,
    async setup() {
      const key = await joseKey();
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
      return {
        op: () => jwtVerify(token, key, verifyOptions),
        check: ({ payload }) =>
          expect(payload.role === ROLE && payload.connection_data === DATA, 'jwtVerify returns the claims'),
      };
    },
  },
};
