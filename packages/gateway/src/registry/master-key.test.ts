import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseMasterKey } from './master-key.js';
import { assertRefused } from './test-support/registry-fixtures.js';

describe('parseMasterKey', () => {
  const bytes = randomBytes(32);
  it('reads 64 hex characters, base64 and base64url of 32 bytes', () => {
    assert.deepEqual(Buffer.from(parseMasterKey(bytes.toString('hex'))), bytes);
    assert.deepEqual(Buffer.from(parseMasterKey(bytes.toString('hex').toUpperCase())), bytes);
    assert.deepEqual(Buffer.from(parseMasterKey(bytes.toString('base64'))), bytes);
    assert.deepEqual(Buffer.from(parseMasterKey(bytes.toString('base64url'))), bytes);
    assert.deepEqual(Buffer.from(parseMasterKey(` ${bytes.toString('hex')}\n`)), bytes);
  });

  it('refuses anything else without echoing it', () => {
    // 32 bytes leave 2 unused bits in the last base64 character: setting one spells the same key differently.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const canonical = bytes.toString('base64');
    const nonCanonical = `${canonical.slice(0, 42)}${alphabet[alphabet.indexOf(canonical[42]!) + 1]!}=`;
    assert.deepEqual(Buffer.from(nonCanonical, 'base64'), bytes);
    for (const text of [
      '',
      'secret',
      bytes.toString('hex').slice(1),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('hex'),
      nonCanonical,
    ]) {
      const err = assertRefused(() => parseMasterKey(text), 'ERR_INVALID_OPTION', 'masterKey');
      assert.match(err.message, /STAGEPASS_MASTER_KEY/);
      if (text.length > 8) assert.equal(err.message.includes(text), false);
    }
  });
});
