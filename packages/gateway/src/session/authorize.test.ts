import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES, CLIENT_REQUEST_TYPES, REQUEST_CAPABILITY, ROLES } from '@stagepass/protocol';
import { authorize } from './authorize.js';
import { revocationReaches } from '../registry/revocation-reaches.js';

describe('authorize', () => {
  it('answers the capability table for every role and request type', () => {
    for (const role of ROLES) {
      for (const type of CLIENT_REQUEST_TYPES) {
        const capability = REQUEST_CAPABILITY[type];
        const expected = capability !== null && !CAPABILITIES[role][capability] ? capability : null;
        assert.equal(authorize({ capabilities: CAPABILITIES[role] }, { type }), expected, `${role} ${type}`);
      }
    }
    assert.equal(authorize({ capabilities: CAPABILITIES.subscriber }, { type: 'publish' }), 'publish');
    assert.equal(authorize({ capabilities: CAPABILITIES.publisheronly }, { type: 'signal' }), 'signal');
    assert.equal(authorize({ capabilities: CAPABILITIES.subscriber }, { type: 'webrtc' }), null);
  });
});

describe('revocationReaches', () => {
  const client = { sessionId: 's1', tokenId: 'tok-1', issuedAt: 1000 };
  it('a token revocation reaches that token ID only', () => {
    assert.equal(revocationReaches({ kind: 'token', tokenId: 'tok-1', expireTime: 2000 }, client), true);
    assert.equal(revocationReaches({ kind: 'token', tokenId: 'tok-2', expireTime: 2000 }, client), false);
  });
  it('issuedBefore reaches tokens issued strictly before, in that session or (null) in any', () => {
    assert.equal(revocationReaches({ kind: 'issuedBefore', sessionId: 's1', issuedBefore: 1001 }, client), true);
    assert.equal(revocationReaches({ kind: 'issuedBefore', sessionId: 's1', issuedBefore: 1000 }, client), false);
    assert.equal(revocationReaches({ kind: 'issuedBefore', sessionId: 's2', issuedBefore: 5000 }, client), false);
    assert.equal(revocationReaches({ kind: 'issuedBefore', sessionId: null, issuedBefore: 5000 }, client), true);
  });
});
