import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_REQUEST_TYPES } from './parse-client-message.js';
import { ACK_RESULT_MEMBERS, type AckMessage, type AckResult } from './wire-types.js';

describe('typed ack results', () => {
  it('type publish and subscribe results by their request (checked by the compiler)', () => {
    const published: AckMessage<'publish'> = { type: 'ack', id: 1, result: { streamId: 'S1' } };
    const subscribed: AckResult<'subscribe'> = { subscriptionId: 'U1' };
    const signalled: AckResult<'signal'> = {};
    // @ts-expect-error a subscribe ack has no streamId
    const wrong: AckResult<'subscribe'> = { streamId: 'S1' };
    // @ts-expect-error a publish ack has a streamId
    const missing: AckResult<'publish'> = {};
    const any: AckMessage = published;
    assert.deepEqual(
      [published.result.streamId, subscribed.subscriptionId, signalled, wrong, missing, any.result],
      ['S1', 'U1', {}, { streamId: 'S1' }, {}, { streamId: 'S1' }],
    );
  });
  it('name a result member list for every request type', () => {
    assert.deepEqual(Object.keys(ACK_RESULT_MEMBERS).sort(), [...CLIENT_REQUEST_TYPES].sort());
    assert.deepEqual(ACK_RESULT_MEMBERS.publish, ['streamId']);
    assert.deepEqual(ACK_RESULT_MEMBERS.subscribe, ['subscriptionId']);
    assert.ok(Object.isFrozen(ACK_RESULT_MEMBERS));
  });
});
