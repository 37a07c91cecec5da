import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBase64url, randomSecretBytes } from './random.js';

describe('randomSecretBytes', () => {
  it('gives Buffers of their own with the length asked, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const secret = randomSecretBytes(32);
      assert.equal(secret.length, 32);
      const hex = secret.toString('hex');
      assert.equal(seen.has(hex), false);
      seen.add(hex);
    }
    // A secret is not a view of the pool: later draws never change it.
    const kept = randomSecretBytes(32);
    const copy = Buffer.from(kept);
    for (let i = 0; i < 300; i++) randomBase64url(32);
    assert.deepEqual(kept, copy);
  });
  it('refuses sizes outside 1–256', () => {
    for (const bad of [0, 257, 1.5, -1]) assert.throws(() => randomSecretBytes(bad), RangeError);
  });
});
