import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkVerifierAccepts } from './app-validation.js';
import { assertRefused } from './test-support/registry-fixtures.js';

describe('checkVerifierAccepts', () => {
  it("refuses what the token verifier refuses, under the registry's option name, with the verifier's rule", () => {
    const err = assertRefused(
      () => checkVerifierAccepts({ kid: 'k1', alg: 'HS256', secret: 'short' }, 'secret'),
      'ERR_INVALID_OPTION',
      'secret',
    );
    assert.match(err.rule ?? '', /at least 32 bytes/);
    assert.equal(err.message, `secret: ${err.rule}`);
  });

  it('accepts a key the verifier loads', () => {
    assert.equal(checkVerifierAccepts({ kid: 'k1', alg: 'HS256', secret: 'x'.repeat(32) }, 'secret'), undefined);
  });
});
