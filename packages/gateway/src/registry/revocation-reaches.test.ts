import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Revocation } from './app-registry.js';
import { revocationReaches, type RevocableToken } from './revocation-reaches.js';
import { createSqliteAppRegistry } from './sqlite-app-registry.js';

const NOW_S = 1_800_000_000;

const revocations: Revocation[] = [
  { kind: 'token', tokenId: 'jti-1', expireTime: NOW_S + 60 },
  { kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S - 100 },
  { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S - 100 },
];
const tokens: RevocableToken[] = [
  { sessionId: 'room-1', tokenId: 'jti-1', issuedAt: NOW_S - 50 },
  { sessionId: 'room-2', tokenId: 'jti-2', issuedAt: NOW_S - 101 },
  { sessionId: 'room-1', tokenId: 'jti-3', issuedAt: NOW_S - 100 },
  { sessionId: 'room-1', tokenId: 'jti-4', issuedAt: NOW_S - 101 },
];

describe('revocationReaches', () => {
  it('a token ID in any session; issuedBefore strictly, in every session or one', () => {
    assert.deepEqual(
      revocations.map((r) => tokens.map((t) => revocationReaches(r, t))),
      [
        [true, false, false, false],
        [false, true, false, true],
        [false, false, false, true],
      ],
    );
  });

  it('says what the registry answers after storing that one revocation', async () => {
    for (const revocation of revocations) {
      const registry = createSqliteAppRegistry({ path: ':memory:', now: () => NOW_S * 1000 });
      const { app } = registry.createApp({ name: 'rule' });
      registry.revoke(app.appId, revocation);
      for (const token of tokens) {
        const stored = await registry.isRevoked(app.appId, token.sessionId, token.tokenId, token.issuedAt);
        assert.equal(
          revocationReaches(revocation, token),
          stored,
          `${JSON.stringify(revocation)} / ${JSON.stringify(token)}`,
        );
      }
      registry.close();
    }
  });
});
