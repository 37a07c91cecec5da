import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase64Padded, decodeBase64url } from './base64.js';

describe('decodeBase64url (strict, canonical)', () => {
  it('decodes canonical unpadded base64url', () => {
    assert.deepEqual(decodeBase64url('AQID_-8'), Buffer.from([1, 2, 3, 255, 239]));
    assert.deepEqual(decodeBase64url(''), Buffer.alloc(0));
  });
  it('refuses padding, the standard alphabet, whitespace and impossible lengths', () => {
    for (const bad of ['AQ==', 'AQI=', 'ab+c', 'ab/c', 'ab c', 'abcde', 'ab\ncd', 'ab.c']) {
      assert.equal(decodeBase64url(bad), undefined, bad);
    }
  });
  it('refuses every character outside the base64url alphabet, at every position', () => {
    const alphabet = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
    const others: string[] = [];
    for (let code = 0; code < 0x300; code++)
      if (!alphabet.has(String.fromCharCode(code))) others.push(String.fromCharCode(code));
    others.push('\u2028', '\ufeff', '\ud83d\ude00', '\uffff');
    for (const base of ['AAAA', 'AAAAAA', 'AAAAAAA', 'AAAAAAAAAAAA']) {
      for (let at = 0; at < base.length; at++) {
        for (const other of others) {
          const text = base.slice(0, at) + other + base.slice(at + 1);
          assert.equal(decodeBase64url(text), undefined, JSON.stringify(text));
          const inserted = base.slice(0, at) + other + base.slice(at);
          assert.equal(decodeBase64url(inserted), undefined, JSON.stringify(inserted));
        }
      }
    }
  });
  it('refuses every UTF-16 code unit outside the alphabet, replaced or inserted', () => {
    const alphabet = /^[A-Za-z0-9_-]$/;
    for (let code = 0; code <= 0xffff; code++) {
      const other = String.fromCharCode(code);
      if (alphabet.test(other)) continue;
      for (const text of [`A${other}AA`, `AA${other}AAA`, `AAAAAA${other}`]) {
        assert.equal(decodeBase64url(text), undefined, `U+${code.toString(16)}`);
      }
    }
  });
  it('refuses non-zero trailing bits: one byte string has one spelling', () => {
    // 'AQ' is [0x01]; 'AR'..'AZ' decode leniently to the same byte.
    assert.deepEqual(decodeBase64url('AQ'), Buffer.from([1]));
    for (const alias of ['AR', 'AS', 'AT', 'Aa', 'A_']) assert.equal(decodeBase64url(alias), undefined, alias);
    assert.deepEqual(decodeBase64url('AQI'), Buffer.from([1, 2]));
    for (const alias of ['AQJ', 'AQK', 'AQL']) assert.equal(decodeBase64url(alias), undefined, alias);
  });
});

describe('decodeBase64Padded (T1)', () => {
  it('decodes canonical padded base64 and refuses other spellings', () => {
    assert.deepEqual(decodeBase64Padded('AQID/+8='), Buffer.from([1, 2, 3, 255, 239]));
    for (const bad of ['AQID_-8=', 'AQID/+8', 'AR==', 'AQ=', 'AQ===', ' AQ==']) {
      assert.equal(decodeBase64Padded(bad), undefined, bad);
    }
  });
});
