import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES, type Role, type ServerMessage } from '@stagepass/protocol';
import { createMemorySessionService } from './memory-session-service.js';
import type { MediaRouter } from './media-router.js';
import type { Outbound } from './outbound.js';
import type { AdmittedClient, Peer } from './session-service.js';

class Recorder implements Peer {
  readonly messages: ServerMessage[] = [];
  send(message: Outbound): void {
    this.messages.push(JSON.parse(message.text) as ServerMessage);
  }
  close(): void {}
}

function client(role: Role): AdmittedClient {
  return {
    appId: 'app',
    sessionId: 's1',
    role,
    capabilities: CAPABILITIES[role],
    data: null,
    tokenId: `t-${Math.random()}`,
    issuedAt: 1,
    expireTime: 2_000_000_000,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
  };
}

/** A router that records what the core tells it, in place of an SFU. */
function recordingRouter() {
  const calls: unknown[] = [];
  const router: MediaRouter = {
    negotiate(from, subscription, negotiation) {
      calls.push(['negotiate', from.id, subscription.id, negotiation.kind]);
    },
    negotiateUpload(stream, negotiation) {
      calls.push(['upload', stream.id, negotiation.kind]);
    },
    subscriptionCreated(subscription) {
      calls.push(['subscribed', subscription.id]);
    },
    subscriptionEnded(subscription) {
      calls.push(['unsubscribed', subscription.id]);
    },
    setGate(stream, gate) {
      calls.push(['gate', stream.id, gate]);
    },
    close() {
      calls.push(['close']);
    },
  };
  return { router, calls };
}

describe('media router: told through the domain events', () => {
  it("learns each stream's gate at publish, force mute, hasVideo changes and unpublish, and routes negotiation", async () => {
    const { router, calls } = recordingRouter();
    const sessions = createMemorySessionService({ mediaRouter: () => router });
    const pubPeer = new Recorder();
    const subPeer = new Recorder();
    const pub = await sessions.join(client('publisher'), pubPeer);
    const sub = await sessions.join(client('subscriber'), subPeer);
    sessions.handle(pub, { type: 'publish', id: 1, hasAudio: true, hasVideo: true });
    const ack = pubPeer.messages.find((m) => m.type === 'ack');
    const streamId = (ack?.type === 'ack' ? ack.result.streamId : '') as string;
    await sessions.forceMuteStream('app', 's1', streamId);
    sessions.handle(pub, { type: 'setStreamProperty', streamId, property: 'hasVideo', value: false });
    sessions.handle(sub, { type: 'subscribe', id: 2, streamId });
    const subAck = subPeer.messages.find((m) => m.type === 'ack');
    const subscriptionId = (subAck?.type === 'ack' ? subAck.result.subscriptionId : '') as string;
    sessions.handle(pub, { type: 'webrtc', subscriptionId, kind: 'offer', payload: { sdp: 'v=0' } });
    sessions.handle(pub, { type: 'unpublish', streamId });
    assert.deepEqual(calls, [
      ['gate', streamId, { audio: true, video: true }],
      ['gate', streamId, { audio: false, video: true }],
      ['gate', streamId, { audio: false, video: false }],
      ['subscribed', subscriptionId],
      ['negotiate', pub, subscriptionId, 'offer'],
      ['unsubscribed', subscriptionId],
      ['gate', streamId, null],
    ]);
    // This router relays nothing: the subscriber got no webrtc message from the core itself.
    assert.equal(
      subPeer.messages.some((m) => m.type === 'webrtc'),
      false,
    );
    sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
  });

  it("a connection leaving closes its streams' gates", async () => {
    const { router, calls } = recordingRouter();
    const sessions = createMemorySessionService({ mediaRouter: () => router });
    const peer = new Recorder();
    const pub = await sessions.join(client('publisher'), peer);
    sessions.handle(pub, { type: 'publish', hasAudio: false, hasVideo: true });
    calls.length = 0;
    sessions.leave(pub, 'clientDisconnected');
    assert.equal(calls.length, 1);
    assert.equal((calls[0] as unknown[])[2], null);
    sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
    assert.deepEqual(calls.at(-1), ['close']);
  });
});
