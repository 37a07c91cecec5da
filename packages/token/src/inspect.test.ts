import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createToken, inspectToken } from './index.js';

const NOW = 1_800_000_000;
const APP = '4711';
const SECRET = 'test-secret-0123456789-0123456789-abcdef';

describe('inspectToken', () => {
  it('decodes a JWS without verifying it, and says so', () => {
    const token = createToken({ appId: APP, secret: SECRET, sessionId: 's', now: NOW, role: 'moderator' });
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.AAAA`;
    const inspected = inspectToken(forged);
    assert.equal(inspected.verified, false);
    assert.equal(inspected.format, 'stagepass');
    assert.equal(inspected.header.alg, 'HS256');
    assert.equal(inspected.claims.role, 'moderator');
  });
  it('decodes T1 tokens into their head and parameters', () => {
    const token = createToken({
      appId: APP,
      secret: SECRET,
      sessionId: 's',
      now: NOW,
      format: 'opentok-t1',
      data: 'a&b',
    });
    const inspected = inspectToken(token);
    assert.equal(inspected.format, 'opentok-t1');
    assert.equal(inspected.header.partner_id, APP);
    assert.match(String(inspected.header.sig), /^[0-9a-f]{40}$/);
    assert.equal(inspected.claims.connection_data, 'a&b');
    assert.equal(inspected.claims.expire_time, String(NOW + 86400));
  });
  it('refuses what cannot be decoded at all', () => {
    for (const bad of ['', 'abc', 'a.b.c', 'T1==@@', 'e30.W10.x', 42]) {
      assert.throws(() => inspectToken(bad), { code: 'ERR_TOKEN_MALFORMED' }, String(bad));
    }
    assert.throws(() => inspectToken('x'.repeat(8193)), { code: 'ERR_TOKEN_TOO_LARGE' });
  });
});
