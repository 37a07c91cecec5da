import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { turnCredential, turnExpiry } from './turn-credential.js';

const SECRET = 'stagepass-turn-secret-0123';

describe('turnCredential (TURN REST API, coturn use-auth-secret)', () => {
  it('matches a vector computed outside Node (openssl dgst -sha1 -hmac … -binary | base64)', () => {
    assert.deepEqual(turnCredential(SECRET, 'C1', 1767225600), {
      username: '1767225600:C1',
      credential: 'VtWbd2X9wJjcgCc6cp3RfSC1w5M=',
    });
  });

  it('is base64(HMAC-SHA1(secret, "<expiry>:<connectionId>")), as node:crypto computes it', () => {
    const username = '1800000000:k3Jq-9xY_z';
    const expected = createHmac('sha1', 'another-secret-of-24-chars').update(username).digest('base64');
    assert.deepEqual(turnCredential('another-secret-of-24-chars', 'k3Jq-9xY_z', 1800000000), {
      username,
      credential: expected,
    });
    assert.notEqual(turnCredential(SECRET, 'k3Jq-9xY_z', 1800000000).credential, expected);
  });
});

describe('turnExpiry', () => {
  const now = 1_700_000_000_000;
  it('is now + ttl when the token lives longer', () => {
    assert.equal(turnExpiry(now, 3600, 1_700_000_000 + 7200), 1_700_000_000 + 3600);
  });
  it("never outlives the token: capped at the token's exp", () => {
    assert.equal(turnExpiry(now, 86400, 1_700_000_600), 1_700_000_600);
    assert.equal(turnExpiry(now + 999, 600, 1_700_000_000 + 600), 1_700_000_000 + 600);
  });
  it('rounds now down to whole seconds', () => {
    assert.equal(turnExpiry(now + 999, 60, 2e9), 1_700_000_060);
  });
});
