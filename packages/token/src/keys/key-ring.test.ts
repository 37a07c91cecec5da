import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { importVerificationKey } from './import-key.js';
import { chooseKeys, createKeyRing } from './key-ring.js';

const secret = (n: number) => `key-ring-secret-${n}-0123456789-0123456789`;
const hsA = importVerificationKey({ secret: secret(1), kid: 'a' });
const hsB = importVerificationKey({ secret: secret(2), kid: 'b' });
const hsPlain = importVerificationKey({ secret: secret(3) });
const ed = importVerificationKey({ publicKey: generateKeyPairSync('ed25519').publicKey, kid: 'ed' });
const ring = createKeyRing([hsA, hsB, hsPlain, ed]);

describe('chooseKeys', () => {
  it("takes the key a kid names, if it is of the header's alg", () => {
    assert.deepEqual(chooseKeys(ring, { alg: 'HS256', kid: 'b' }), [hsB]);
    assert.deepEqual(chooseKeys(ring, { alg: 'EdDSA', kid: 'ed', typ: 'JWT' }), [ed]);
    assert.equal(chooseKeys(ring, { alg: 'HS256', kid: 'ed' }), 'kid-other-alg');
  });
  it('takes every key of the alg without a kid, and for an unknown kid those without one', () => {
    assert.deepEqual(chooseKeys(ring, { alg: 'HS256' }), [hsA, hsB, hsPlain]);
    assert.deepEqual(chooseKeys(ring, { alg: 'HS256', kid: 'retired' }), [hsPlain]);
    assert.equal(chooseKeys(createKeyRing([hsA]), { alg: 'HS256', kid: 'retired' }), 'kid-unknown');
    assert.equal(chooseKeys(ring, { alg: 'ES256' }), 'alg-not-allowed');
    assert.equal(chooseKeys(createKeyRing([]), { alg: 'HS256' }), 'alg-not-allowed');
  });
  it('refuses unusable headers', () => {
    assert.equal(chooseKeys(ring, {}), 'no-alg');
    for (const alg of ['none', 'None', 'NONE']) assert.equal(chooseKeys(ring, { alg }), 'alg-none');
    assert.equal(chooseKeys(ring, { alg: 'HS256', kid: 7 }), 'kid-not-string');
    assert.equal(chooseKeys(ring, { alg: 'HS256', typ: 'jwt' }), 'typ-not-jwt');
    assert.equal(chooseKeys(ring, { alg: '__proto__' }), 'alg-not-allowed');
    assert.deepEqual(chooseKeys(ring, { alg: 'HS256', kid: '__proto__' }), [hsPlain]);
  });
  it('returns the lists built when the keys were loaded, not new ones per call', () => {
    for (const header of [{ alg: 'HS256' }, { alg: 'HS256', kid: 'a' }, { alg: 'HS256', kid: 'retired' }]) {
      assert.equal(chooseKeys(ring, header), chooseKeys(ring, header));
    }
  });
  it('indexes the secrets (for T1) and names the algorithms once each, in order', () => {
    assert.deepEqual(ring.secrets, [hsA, hsB, hsPlain]);
    assert.equal(ring.algorithms, 'HS256, EdDSA');
  });
});
