import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CAPABILITIES, ROLES } from '@stagepass/protocol';
import { connectedText, type ConnectedParts } from './connected-text.js';

const info = fc.record({
  id: fc.string(),
  creationTime: fc.integer({ min: 0 }),
  data: fc.option(fc.string({ unit: 'binary' }), { nil: null }),
});
const streamInfo = fc.record({
  id: fc.string(),
  connectionId: fc.string(),
  name: fc.string({ unit: 'binary' }),
  hasAudio: fc.boolean(),
  hasVideo: fc.boolean(),
  videoType: fc.constantFrom('camera' as const, 'screen' as const),
  creationTime: fc.integer({ min: 0 }),
});
const iceServer = fc.record(
  {
    urls: fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 2 }),
    username: fc.string({ unit: 'binary' }),
    credential: fc.string(),
  },
  { requiredKeys: ['urls'] },
);
const parts: fc.Arbitrary<ConnectedParts> = fc.constantFrom(...ROLES).chain((role) =>
  fc.record({
    v: fc.integer({ min: 1, max: 3 }),
    sessionId: fc.string({ unit: 'binary' }),
    mediaMode: fc.constantFrom('relayed' as const, 'routed' as const),
    connection: info,
    role: fc.constant(role),
    capabilities: fc.constantFrom(CAPABILITIES[role], { ...CAPABILITIES[role], publish: !CAPABILITIES[role].publish }),
    expireTime: fc.integer({ min: 0, max: 2 ** 40 }),
    connections: fc.array(info, { maxLength: 3 }),
    streams: fc.array(streamInfo, { maxLength: 3 }),
    forceMute: fc.record({ active: fc.boolean(), excludedStreamIds: fc.array(fc.string(), { maxLength: 2 }) }),
    resumeSecret: fc.string(),
    iceServers: fc.array(iceServer, { maxLength: 2 }),
  }),
);

describe('connectedText', () => {
  it('is exactly JSON.stringify of the connected message, key order included', () => {
    fc.assert(
      fc.property(parts, (p) => {
        assert.equal(connectedText(p), JSON.stringify({ type: 'connected', ...p }));
      }),
      { numRuns: 3000 },
    );
  });

  it('does not keep a role fragment made from other capabilities', () => {
    const base: Omit<ConnectedParts, 'capabilities'> = {
      v: 1,
      sessionId: 's',
      mediaMode: 'relayed',
      connection: { id: 'c', creationTime: 1, data: null },
      role: 'publisher',
      expireTime: 2,
      connections: [],
      streams: [],
      forceMute: { active: false, excludedStreamIds: [] },
      resumeSecret: 'A'.repeat(43),
      iceServers: [],
    };
    const altered = { ...CAPABILITIES.publisher, forceMute: true };
    assert.deepEqual(
      JSON.parse(connectedText({ ...base, capabilities: CAPABILITIES.publisher })).capabilities,
      CAPABILITIES.publisher,
    );
    assert.deepEqual(JSON.parse(connectedText({ ...base, capabilities: altered })).capabilities, altered);
    assert.deepEqual(
      JSON.parse(connectedText({ ...base, capabilities: CAPABILITIES.publisher })).capabilities,
      CAPABILITIES.publisher,
    );
  });
});
