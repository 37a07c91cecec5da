/**
 * The moderation and media cases docs/protocol.md decides ("Force mute", "WebRTC negotiation"), over
 * real sockets: force-mute as one sequence, a force-muted publisher unmuting itself, streams published
 * under mute-all, what disableForceMute leaves, and what a browser's end-of-candidates is sent as.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerMessage } from '@stagepass/protocol';
import { TestGateway, newSessionId, type Joined } from './test-support/test-gateway.js';
import type { TestClient } from './test-support/test-client.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

async function ack(client: TestClient, message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await client.request(message);
  assert.equal(reply.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
  return (reply as { result: Record<string, unknown> }).result;
}

async function publish(who: Joined, hasAudio = true): Promise<string> {
  return (await ack(who.client, { type: 'publish', hasAudio, hasVideo: true })).streamId as string;
}

/** What a client received after `mark` (a message it received), in order. */
function receivedAfter(client: TestClient, mark: ServerMessage): ServerMessage[] {
  const start = client.received.indexOf(mark);
  assert.ok(start >= 0);
  return client.received.slice(start + 1);
}

async function hasAudio(sessionId: string, streamId: string): Promise<boolean> {
  const snapshot = await tg.gateway.sessions.getSession(tg.app.appId, sessionId);
  return snapshot!.streams.find((s) => s.id === streamId)!.hasAudio;
}

interface Room {
  readonly sessionId: string;
  readonly publisher: Joined;
  readonly moderator: Joined;
  readonly viewer: Joined;
  readonly streamId: string;
}

async function room(): Promise<Room> {
  const sessionId = newSessionId('mute');
  const publisher = await tg.join(sessionId, { role: 'publisher' });
  const moderator = await tg.join(sessionId, { role: 'moderator' });
  const viewer = await tg.join(sessionId);
  const streamId = await publish(publisher);
  await viewer.client.next('streamCreated');
  await moderator.client.next('streamCreated');
  return { sessionId, publisher, moderator, viewer, streamId };
}

describe('edge cases: force mute', () => {
  it('forceMuteStream is one sequence: the state, streamPropertyChanged to everyone, then muteForced to the publisher', async () => {
    const r = await room();
    const created = r.publisher.client.received.findLast((m) => m.type === 'streamCreated')!;
    const reply = await r.moderator.client.request({ type: 'forceMuteStream', streamId: r.streamId });
    assert.equal(reply.type, 'ack');
    const changed = {
      type: 'streamPropertyChanged',
      streamId: r.streamId,
      property: 'hasAudio',
      oldValue: true,
      newValue: false,
      reason: 'forceMuted',
    };
    await r.publisher.client.next('muteForced');
    assert.deepEqual(receivedAfter(r.publisher.client, created), [
      changed,
      { type: 'muteForced', streamId: r.streamId },
    ]);
    assert.deepEqual(await r.viewer.client.next('streamPropertyChanged'), changed);
    assert.deepEqual(await r.moderator.client.next('streamPropertyChanged'), changed);
    assert.equal(await hasAudio(r.sessionId, r.streamId), false);
    // A stream already muted: the ack, and nothing else.
    await ack(r.moderator.client, { type: 'forceMuteStream', streamId: r.streamId });
    await r.publisher.client.nothing('muteForced');
    await r.viewer.client.nothing('streamPropertyChanged', 0);
  });

  it('forceMuteAll: per stream streamPropertyChanged and muteForced, then forceMuteChanged', async () => {
    const r = await room();
    const created = r.publisher.client.received.findLast((m) => m.type === 'streamCreated')!;
    await ack(r.moderator.client, { type: 'forceMuteAll' });
    await r.publisher.client.next('forceMuteChanged');
    assert.deepEqual(
      receivedAfter(r.publisher.client, created).map((m) => m.type),
      ['streamPropertyChanged', 'muteForced', 'forceMuteChanged'],
    );
  });

  it('a force-muted publisher unmutes itself with setStreamProperty hasAudio true (reason publisher), mute-all active or not', async () => {
    const r = await room();
    await ack(r.moderator.client, { type: 'forceMuteAll' });
    await r.publisher.client.next('muteForced');
    await r.viewer.client.next('streamPropertyChanged');
    await ack(r.publisher.client, {
      type: 'setStreamProperty',
      streamId: r.streamId,
      property: 'hasAudio',
      value: true,
    });
    assert.deepEqual(await r.viewer.client.next('streamPropertyChanged'), {
      type: 'streamPropertyChanged',
      streamId: r.streamId,
      property: 'hasAudio',
      oldValue: false,
      newValue: true,
      reason: 'publisher',
    });
    assert.equal(await hasAudio(r.sessionId, r.streamId), true);
    const snapshot = await tg.gateway.sessions.getSession(tg.app.appId, r.sessionId);
    assert.equal(snapshot!.forceMute.active, true, 'unmuting one stream does not end mute-all');
  });

  it('a stream published under an active mute-all starts muted: streamCreated with hasAudio false, then muteForced', async () => {
    const r = await room();
    await ack(r.moderator.client, { type: 'forceMuteAll' });
    await r.viewer.client.next('streamPropertyChanged');
    await r.viewer.client.next('forceMuteChanged');
    await r.publisher.client.next('muteForced', (m) => m.streamId === r.streamId);
    const reply = await r.publisher.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
    assert.equal(reply.type, 'ack');
    const streamId = (reply as { result: Record<string, unknown> }).result.streamId as string;
    await r.publisher.client.next('muteForced', (m) => m.streamId === streamId);
    const seen = receivedAfter(r.publisher.client, reply);
    assert.deepEqual(
      seen.map((m) => m.type),
      ['streamCreated', 'muteForced'],
    );
    assert.equal((seen[0] as Extract<ServerMessage, { type: 'streamCreated' }>).stream.hasAudio, false);
    const created = await r.viewer.client.next('streamCreated', (m) => m.stream.id === streamId);
    assert.equal(created.stream.hasAudio, false);
    await r.viewer.client.nothing('streamPropertyChanged');
    // Published without audio: nothing to mute, no muteForced.
    const silent = await publish(r.publisher, false);
    await r.publisher.client.nothing('muteForced');
    assert.equal(await hasAudio(r.sessionId, silent), false);
  });

  it('disableForceMute unmutes nothing: muted streams stay muted; only forceMuteChanged; new streams publish as asked', async () => {
    const r = await room();
    await ack(r.moderator.client, { type: 'forceMuteAll' });
    await r.viewer.client.next('forceMuteChanged');
    await r.viewer.client.next('streamPropertyChanged');
    await ack(r.moderator.client, { type: 'disableForceMute' });
    assert.deepEqual(await r.viewer.client.next('forceMuteChanged'), {
      type: 'forceMuteChanged',
      active: false,
      excludedStreamIds: [],
    });
    await r.viewer.client.nothing('streamPropertyChanged');
    assert.equal(await hasAudio(r.sessionId, r.streamId), false);
    const fresh = await publish(r.publisher, true);
    assert.equal(await hasAudio(r.sessionId, fresh), true);
  });
});

describe('edge cases: WebRTC negotiation', () => {
  it("end-of-candidates: a null payload is refused ERR_MESSAGE_INVALID; {candidate: ''} is relayed as it is", async () => {
    const sessionId = newSessionId('ice');
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const streamId = await publish(publisher);
    const { subscriptionId } = await ack(subscriber.client, { type: 'subscribe', streamId });
    const refused = await publisher.client.request({
      type: 'webrtc',
      subscriptionId,
      kind: 'candidate',
      payload: null,
    });
    assert.equal(refused.type, 'error');
    assert.equal((refused as { code: string }).code, 'ERR_MESSAGE_INVALID');
    await ack(publisher.client, { type: 'webrtc', subscriptionId, kind: 'candidate', payload: { candidate: '' } });
    assert.deepEqual(await subscriber.client.next('webrtc'), {
      type: 'webrtc',
      subscriptionId,
      kind: 'candidate',
      payload: { candidate: '' },
      from: publisher.id,
    });
  });

  it('relayed mode: a force-muted stream still negotiates; the gateway only tells the publisher (muteForced)', async () => {
    const sessionId = newSessionId('relay');
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const moderator = await tg.join(sessionId, { role: 'moderator' });
    const streamId = await publish(publisher);
    const { subscriptionId } = await ack(moderator.client, { type: 'subscribe', streamId });
    await ack(moderator.client, { type: 'forceMuteStream', streamId });
    await publisher.client.next('muteForced');
    // Media never passes the gateway: it relays the negotiation unchanged, muted or not.
    const offer = { type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
    await ack(publisher.client, { type: 'webrtc', subscriptionId, kind: 'offer', payload: offer });
    const relayed = await moderator.client.next('webrtc');
    assert.deepEqual(relayed.payload, offer);
  });
});
