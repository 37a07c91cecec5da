import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES, StagepassError, type Role } from '@stagepass/protocol';
import { RecordingPeer } from '../test-support/recording-peer.js';
import { createMemorySessionService } from './memory-session-service.js';
import type { AdmittedClient, SessionService } from './session-service.js';

const APP = 'app-1';
const NOW_S = 1_800_000_000;

function client(role: Role, extra: Partial<AdmittedClient> = {}): AdmittedClient {
  return {
    appId: APP,
    sessionId: 's1',
    role,
    capabilities: CAPABILITIES[role],
    data: `user-${role}`,
    tokenId: `t-${Math.random()}`,
    issuedAt: NOW_S,
    expireTime: NOW_S + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
    ...extra,
  };
}

function setup(now = () => NOW_S * 1000) {
  const denials: string[] = [];
  const sessions = createMemorySessionService({
    now,
    events: { onCapabilityDenied: (capability) => denials.push(capability) },
  });
  const join = async (role: Role, extra: Partial<AdmittedClient> = {}) => {
    const peer = new RecordingPeer();
    const id = await sessions.join(client(role, extra), peer);
    return { id, peer };
  };
  return { sessions, join, denials };
}

function publish(
  sessions: SessionService,
  who: { id: string; peer: RecordingPeer },
  extra: Record<string, unknown> = {},
): string {
  sessions.handle(who.id, { type: 'publish', id: 1, hasAudio: true, hasVideo: true, ...extra });
  const ack = who.peer.received.find((m) => m.type === 'ack' && m.id === 1);
  assert.ok(ack && ack.type === 'ack', 'publish was not acked');
  return ack.result.streamId as string;
}

describe('memory session service: joining', () => {
  it('sends connected with the session state, and connectionCreated with the data to the others', async () => {
    const { sessions, join } = setup();
    const a = await join('publisher');
    const [connected] = a.peer.take('connected');
    assert.equal(connected!.connection.id, a.id);
    assert.equal(connected!.connection.data, 'user-publisher');
    assert.equal(connected!.role, 'publisher');
    assert.deepEqual(connected!.connections, []);
    const streamId = publish(sessions, a);
    const b = await join('subscriber');
    const [bConnected] = b.peer.take('connected');
    assert.deepEqual(
      bConnected!.connections.map((c) => [c.id, c.data]),
      [[a.id, 'user-publisher']],
    );
    assert.deepEqual(
      bConnected!.streams.map((s) => s.id),
      [streamId],
    );
    assert.deepEqual(bConnected!.capabilities, CAPABILITIES.subscriber);
    const [created] = a.peer.take('connectionCreated');
    assert.equal(created!.connection.id, b.id);
    assert.equal(created!.connection.data, 'user-subscriber');
  });
  it('keeps apps apart: the same session ID under two apps is two sessions', async () => {
    const { sessions, join } = setup();
    const a = await join('moderator');
    const other = await join('moderator', { appId: 'app-2' });
    assert.equal(a.peer.take('connectionCreated').length, 0);
    assert.deepEqual(
      (await sessions.getSession('app-2', 's1'))!.connections.map((c) => c.id),
      [other.id],
    );
    sessions.handle(a.id, { type: 'forceDisconnect', id: 9, connectionId: other.id });
    assert.equal(a.peer.take('error')[0]!.code, 'ERR_NOT_FOUND');
    assert.equal(other.peer.closed, undefined);
  });
  it('refuses a join past the session limit', async () => {
    const { join } = setup();
    await join('publisher', { maxConnectionsPerSession: 2 });
    await join('publisher', { maxConnectionsPerSession: 2 });
    await assert.rejects(
      join('publisher', { maxConnectionsPerSession: 2 }),
      (err: unknown) => err instanceof StagepassError && err.code === 'ERR_SESSION_FULL',
    );
  });
});

describe('memory session service: roles', () => {
  const matrix: [Role, boolean, boolean, boolean, boolean][] = [
    // role, publish, subscribe, signal, moderate
    ['subscriber', false, true, true, false],
    ['publisher', true, true, true, false],
    ['publisheronly', true, false, false, false],
    ['moderator', true, true, true, true],
  ];
  for (const [role, canPublish, canSubscribe, canSignal, canModerate] of matrix) {
    it(`enforces the ${role} row of the capability table`, async () => {
      const { sessions, join, denials } = setup();
      const other = await join('publisher');
      const otherStream = publish(sessions, other);
      const me = await join(role);
      me.peer.take();
      const expect = (allowed: boolean, capability: string) => {
        const reply = me.peer.received.find((m) => m.type === 'ack' || m.type === 'error');
        assert.ok(reply, `no reply for ${capability}`);
        if (allowed) assert.equal(reply.type, 'ack', `${role} should ${capability}: ${JSON.stringify(reply)}`);
        else {
          assert.equal(reply.type, 'error');
          assert.equal(reply.type === 'error' && reply.code, 'ERR_CAPABILITY_DENIED');
          assert.equal(reply.type === 'error' && reply.capability, capability);
        }
        me.peer.take();
      };
      sessions.handle(me.id, { type: 'publish', id: 1, hasAudio: true, hasVideo: true });
      expect(canPublish, 'publish');
      sessions.handle(me.id, { type: 'subscribe', id: 2, streamId: otherStream });
      expect(canSubscribe, 'subscribe');
      sessions.handle(me.id, { type: 'signal', id: 3, data: 'hi' });
      expect(canSignal, 'signal');
      sessions.handle(me.id, { type: 'forceMuteStream', id: 4, streamId: otherStream });
      expect(canModerate, 'forceMute');
      sessions.handle(me.id, { type: 'forceMuteAll', id: 5 });
      expect(canModerate, 'forceMute');
      sessions.handle(me.id, { type: 'disableForceMute', id: 6 });
      expect(canModerate, 'forceMute');
      sessions.handle(me.id, { type: 'forceUnpublish', id: 7, streamId: otherStream });
      expect(canModerate, 'forceUnpublish');
      sessions.handle(me.id, { type: 'forceDisconnect', id: 8, connectionId: other.id });
      expect(canModerate, 'forceDisconnect');
      assert.equal(other.peer.closed?.code, canModerate ? 4100 : undefined);
      // Every role receives signals, publisheronly included.
      const third = await join('publisher');
      sessions.handle(third.id, { type: 'signal', data: 'to all', signalType: 'chat' });
      assert.deepEqual(me.peer.take('signal'), [
        { type: 'signal', from: third.id, signalType: 'chat', data: 'to all' },
      ]);
      const deniedCount = [
        canPublish,
        canSubscribe,
        canSignal,
        canModerate,
        canModerate,
        canModerate,
        canModerate,
        canModerate,
      ].filter((x) => !x).length;
      assert.equal(denials.length, deniedCount);
    });
  }
});

describe('memory session service: streams, subscriptions and relay', () => {
  it('publishes with gateway IDs, acks before streamCreated, and unpublishes with a reason', async () => {
    const { sessions, join } = setup();
    const a = await join('publisher');
    const b = await join('subscriber');
    a.peer.take();
    b.peer.take();
    sessions.handle(a.id, {
      type: 'publish',
      id: 4,
      name: 'cam',
      hasAudio: true,
      hasVideo: false,
      videoType: 'screen',
    });
    const [ack, created] = a.peer.take();
    assert.equal(ack!.type, 'ack');
    assert.equal(created!.type, 'streamCreated');
    const stream = created!.type === 'streamCreated' ? created!.stream : undefined;
    assert.deepEqual(
      { ...stream, creationTime: 0 },
      {
        id: ack!.type === 'ack' ? ack!.result.streamId : '',
        connectionId: a.id,
        name: 'cam',
        hasAudio: true,
        hasVideo: false,
        videoType: 'screen',
        creationTime: 0,
      },
    );
    assert.equal(b.peer.take('streamCreated').length, 1);
    sessions.handle(a.id, {
      type: 'setStreamProperty',
      id: 5,
      streamId: stream!.id,
      property: 'hasVideo',
      value: true,
    });
    assert.deepEqual(b.peer.take('streamPropertyChanged'), [
      {
        type: 'streamPropertyChanged',
        streamId: stream!.id,
        property: 'hasVideo',
        oldValue: false,
        newValue: true,
        reason: 'publisher',
      },
    ]);
    sessions.handle(b.id, { type: 'unpublish', id: 6, streamId: stream!.id });
    assert.equal(b.peer.take('error')[0]?.code, 'ERR_CAPABILITY_DENIED');
    const c = await join('publisher');
    sessions.handle(c.id, { type: 'unpublish', id: 6, streamId: stream!.id });
    assert.equal(c.peer.take('error')[0]?.code, 'ERR_NOT_FOUND'); // not c's stream
    sessions.handle(a.id, { type: 'unpublish', id: 7, streamId: stream!.id });
    assert.deepEqual(b.peer.take('streamDestroyed'), [
      { type: 'streamDestroyed', streamId: stream!.id, reason: 'unpublished' },
    ]);
  });
  it('relays WebRTC negotiation only between the two ends of a subscription', async () => {
    const { sessions, join } = setup();
    const pub = await join('publisher');
    const streamId = publish(sessions, pub);
    const sub = await join('subscriber');
    const stranger = await join('moderator');
    pub.peer.take();
    sessions.handle(sub.id, { type: 'subscribe', id: 1, streamId });
    const subscriptionId = sub.peer.take('ack')[0]!.result.subscriptionId as string;
    assert.deepEqual(pub.peer.take('subscriberCreated'), [
      { type: 'subscriberCreated', subscriptionId, streamId, connectionId: sub.id },
    ]);
    sessions.handle(pub.id, { type: 'webrtc', subscriptionId, kind: 'offer', payload: { type: 'offer', sdp: 'v=0' } });
    assert.deepEqual(sub.peer.take('webrtc'), [
      { type: 'webrtc', subscriptionId, kind: 'offer', payload: { type: 'offer', sdp: 'v=0' }, from: pub.id },
    ]);
    sessions.handle(sub.id, {
      type: 'webrtc',
      subscriptionId,
      kind: 'answer',
      payload: { type: 'answer', sdp: 'v=0' },
    });
    assert.equal(pub.peer.take('webrtc').length, 1);
    sessions.handle(stranger.id, { type: 'webrtc', id: 3, subscriptionId, kind: 'candidate', payload: {} });
    assert.equal(stranger.peer.take('error')[0]?.code, 'ERR_NOT_FOUND');
    assert.equal(pub.peer.take('webrtc').length + sub.peer.take('webrtc').length, 0);
    // The publisher leaving ends the subscription and the stream for the subscriber.
    sessions.leave(pub.id, 'networkDisconnected');
    const events = sub.peer.take().map((m) => m.type);
    assert.deepEqual(events, ['subscriberDestroyed', 'streamDestroyed', 'connectionDestroyed']);
  });
  it('delivers signals to everyone, one or a list, stamped with the sender, and refuses unknown recipients', async () => {
    const { sessions, join } = setup();
    const a = await join('publisher');
    const b = await join('subscriber');
    const c = await join('subscriber');
    for (const p of [a, b, c]) p.peer.take();
    sessions.handle(a.id, { type: 'signal', data: 'x', to: [b.id, b.id] });
    assert.equal(b.peer.take('signal').length, 1);
    assert.equal(c.peer.take('signal').length + a.peer.take('signal').length, 0);
    sessions.handle(a.id, { type: 'signal', id: 2, data: 'x', to: [b.id, 'nobody'] });
    assert.equal(a.peer.take('error')[0]?.code, 'ERR_NOT_FOUND');
    assert.equal(b.peer.take('signal').length, 0);
    await sessions.signal(APP, 's1', { data: 'from backend' });
    assert.deepEqual(c.peer.take('signal'), [{ type: 'signal', from: null, signalType: '', data: 'from backend' }]);
  });
});

describe('memory session service: moderation', () => {
  it('forceMuteAll mutes all but the excluded, stays active for new streams, until disabled', async () => {
    const { sessions, join } = setup();
    const mod = await join('moderator');
    const a = await join('publisher');
    const b = await join('publisher');
    const sa = publish(sessions, a);
    const sb = publish(sessions, b);
    for (const p of [mod, a, b]) p.peer.take();
    sessions.handle(mod.id, { type: 'forceMuteAll', id: 1, excludedStreamIds: [sb] });
    assert.deepEqual(a.peer.take('muteForced'), [{ type: 'muteForced', streamId: sa }]);
    assert.equal(b.peer.take('muteForced').length, 0);
    const changes = mod.peer.take();
    assert.deepEqual(
      changes.filter((m) => m.type === 'forceMuteChanged'),
      [{ type: 'forceMuteChanged', active: true, excludedStreamIds: [sb] }],
    );
    assert.equal(changes.filter((m) => m.type === 'streamPropertyChanged' && m.reason === 'forceMuted').length, 1);
    const c = await join('publisher');
    assert.deepEqual(c.peer.take('connected')[0]!.forceMute, { active: true, excludedStreamIds: [sb] });
    sessions.handle(c.id, { type: 'publish', id: 1, hasAudio: true, hasVideo: true });
    const cMessages = c.peer.take();
    const created = cMessages.find((m) => m.type === 'streamCreated');
    assert.equal(created?.type === 'streamCreated' && created.stream.hasAudio, false);
    assert.equal(cMessages.filter((m) => m.type === 'muteForced').length, 1);
    sessions.handle(mod.id, { type: 'disableForceMute', id: 2 });
    assert.deepEqual(a.peer.take('forceMuteChanged'), [
      { type: 'forceMuteChanged', active: false, excludedStreamIds: [] },
    ]);
    sessions.handle(c.id, { type: 'publish', id: 3, hasAudio: true, hasVideo: true });
    const later = c.peer.take('streamCreated').at(-1);
    assert.equal(later?.stream.hasAudio, true);
  });
  it('forceUnpublish and forceDisconnect by a moderator, with reasons', async () => {
    const { sessions, join } = setup();
    const mod = await join('moderator');
    const a = await join('publisher');
    const sa = publish(sessions, a);
    mod.peer.take();
    sessions.handle(mod.id, { type: 'forceUnpublish', id: 1, streamId: sa });
    assert.deepEqual(a.peer.take('streamDestroyed'), [
      { type: 'streamDestroyed', streamId: sa, reason: 'forceUnpublished' },
    ]);
    sessions.handle(mod.id, { type: 'forceDisconnect', id: 2, connectionId: a.id });
    assert.deepEqual(a.peer.closed, { code: 4100, reason: 'forceDisconnected' });
    assert.deepEqual(mod.peer.take('connectionDestroyed'), [
      { type: 'connectionDestroyed', connectionId: a.id, reason: 'forceDisconnected' },
    ]);
    assert.equal(sessions.stats().connections, 1);
  });
});

describe('memory session service: lifecycle', () => {
  it('a connection leaving with tokenExpired (the node ejects it at expiry) is announced so', async () => {
    const { sessions, join } = setup();
    const watcher = await join('subscriber');
    const a = await join('publisher', { ejectAtExpiry: true, expireTime: NOW_S + 1 });
    watcher.peer.take();
    sessions.leave(a.id, 'tokenExpired');
    assert.deepEqual(watcher.peer.take('connectionDestroyed'), [
      { type: 'connectionDestroyed', connectionId: a.id, reason: 'tokenExpired' },
    ]);
    assert.equal(a.peer.closed, undefined, "its socket is the node's to close (connection/client-protocol.ts)");
    assert.equal(sessions.stats().connections, 1);
  });
  it('drops a session with its last connection, and revokes by token ID', async () => {
    const { sessions, join } = setup();
    const a = await join('publisher', { tokenId: 'revoke-me' });
    const b = await join('publisher');
    assert.equal(
      await sessions.disconnectRevoked(APP, { kind: 'token', tokenId: 'revoke-me', expireTime: NOW_S + 3600 }),
      1,
    );
    assert.deepEqual(a.peer.closed, { code: 4014, reason: 'ERR_TOKEN_REVOKED' });
    sessions.leave(b.id, 'clientDisconnected');
    assert.equal(await sessions.getSession(APP, 's1'), undefined);
    assert.deepEqual(sessions.stats(), { sessions: 0, connections: 0, streams: 0 });
    const created = await sessions.createSession(APP);
    assert.equal((await sessions.getSession(APP, created.sessionId))?.connections.length, 0);
  });
  it('forgets a session created through the API that nobody joined within idleSessionTtlMs (swept every minute)', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let nowMs = NOW_S * 1000;
    const sessions = createMemorySessionService({ now: () => nowMs, idleSessionTtlMs: 10 * 60_000 });
    const idle = (await sessions.createSession(APP, 'idle')).sessionId;
    const joined = (await sessions.createSession(APP, 's1')).sessionId;
    const peer = new RecordingPeer();
    await sessions.join(client('publisher'), peer);
    nowMs += 9 * 60_000;
    t.mock.timers.tick(60_000 * 9);
    assert.notEqual(await sessions.getSession(APP, idle), undefined, 'younger than the TTL: kept');
    nowMs += 2 * 60_000;
    t.mock.timers.tick(60_000 * 2);
    assert.equal(await sessions.getSession(APP, idle), undefined, 'past the TTL with no connection: dropped');
    assert.equal(
      (await sessions.getSession(APP, joined))?.connections.length,
      1,
      'a session with a connection stays, whatever its age',
    );
    assert.deepEqual(sessions.stats(), { sessions: 1, connections: 1, streams: 0 });
    sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
  });
  it('closeAll closes every peer', async () => {
    const { sessions, join } = setup();
    const a = await join('publisher');
    publish(sessions, a);
    sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
    assert.deepEqual(a.peer.closed, { code: 1001, reason: 'ERR_SERVER_SHUTTING_DOWN' });
    assert.deepEqual(sessions.stats(), { sessions: 0, connections: 0, streams: 0 });
  });
});
