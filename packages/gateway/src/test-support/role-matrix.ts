/**
 * The role × action matrix over real sockets: real gateways on port 0, raw JSON frames written by
 * hand, every outcome asserted by its code. The expected table is written out here, from
 * docs/tokens.md ("Roles") and docs/protocol.md, not derived from the implementation's table. One
 * suite, run against one gateway (gateway-roles.test.ts) and against a cluster whose actors sit on
 * different nodes (cluster/redis-cluster.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Capability, Role } from '@stagepass/protocol';
import type { SessionService } from '../session/session-service.js';
import { newSessionId, type JoinOptions, type Joined } from './test-gateway.js';

/** Where the suite runs: each join may land on another gateway node. */
export interface MatrixTarget {
  join(sessionId: string, options?: JoinOptions): Promise<Joined>;
  /** A node's session service (the app backend's operations). */
  readonly sessions: SessionService;
  readonly appId: string;
}

type Action =
  | 'publish'
  | 'subscribe'
  | 'sendSignal'
  | 'receiveSignal'
  | 'forceDisconnect'
  | 'forceUnpublish'
  | 'forceMuteStream'
  | 'forceMuteAll'
  | 'disableForceMute';

/** 'ok', or the capability named in the ERR_CAPABILITY_DENIED reply. */
type Outcome = 'ok' | Capability;

const ROLES: readonly Role[] = ['subscriber', 'publisher', 'publisheronly', 'moderator'];

const MATRIX: Readonly<Record<Action, Readonly<Record<Role, Outcome>>>> = {
  publish: { subscriber: 'publish', publisher: 'ok', publisheronly: 'ok', moderator: 'ok' },
  subscribe: { subscriber: 'ok', publisher: 'ok', publisheronly: 'subscribe', moderator: 'ok' },
  sendSignal: { subscriber: 'ok', publisher: 'ok', publisheronly: 'signal', moderator: 'ok' },
  receiveSignal: { subscriber: 'ok', publisher: 'ok', publisheronly: 'ok', moderator: 'ok' },
  forceDisconnect: {
    subscriber: 'forceDisconnect',
    publisher: 'forceDisconnect',
    publisheronly: 'forceDisconnect',
    moderator: 'ok',
  },
  forceUnpublish: {
    subscriber: 'forceUnpublish',
    publisher: 'forceUnpublish',
    publisheronly: 'forceUnpublish',
    moderator: 'ok',
  },
  forceMuteStream: { subscriber: 'forceMute', publisher: 'forceMute', publisheronly: 'forceMute', moderator: 'ok' },
  forceMuteAll: { subscriber: 'forceMute', publisher: 'forceMute', publisheronly: 'forceMute', moderator: 'ok' },
  disableForceMute: { subscriber: 'forceMute', publisher: 'forceMute', publisheronly: 'forceMute', moderator: 'ok' },
};

/** Who may do what, as the capability table says: used for the other-session targets. */
const ROLE_CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = {
  subscriber: ['subscribe', 'signal'],
  publisher: ['subscribe', 'publish', 'signal'],
  publisheronly: ['publish'],
  moderator: ['subscribe', 'publish', 'signal', 'forceDisconnect', 'forceUnpublish', 'forceMute'],
};

interface Scene {
  readonly sessionId: string;
  /** A publisher with one stream (audio on). */
  readonly owner: Joined;
  readonly streamId: string;
  /** A subscriber, target of forceDisconnect. */
  readonly victim: Joined;
  readonly actor: Joined;
}

/** The suite's target, set by {@link describeRoleMatrix}. */
let target: () => MatrixTarget = () => {
  throw new Error('describeRoleMatrix was not called');
};

async function scene(actorRole: Role): Promise<Scene> {
  const sessionId = newSessionId('matrix');
  const owner = await target().join(sessionId, { role: 'publisher', data: 'owner' });
  const published = await owner.client.request({ type: 'publish', name: 'cam', hasAudio: true, hasVideo: true });
  assert.equal(published.type, 'ack');
  const streamId = (published as { result: Record<string, unknown> }).result.streamId as string;
  const victim = await target().join(sessionId, { role: 'subscriber', data: 'victim' });
  const actor = await target().join(sessionId, { role: actorRole, data: `actor-${actorRole}` });
  return { sessionId, owner, streamId, victim, actor };
}

function assertDenied(reply: { type: string; code?: string; capability?: string }, capability: Capability): void {
  assert.equal(reply.type, 'error', `expected ERR_CAPABILITY_DENIED, got ${JSON.stringify(reply)}`);
  assert.equal(reply.code, 'ERR_CAPABILITY_DENIED');
  assert.equal(reply.capability, capability);
}

function assertAck(reply: {
  type: string;
}): asserts reply is { type: 'ack'; id: number; result: Record<string, unknown> } {
  assert.equal(reply.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
}

async function snapshot(s: Scene) {
  return (await target().sessions.getSession(target().appId, s.sessionId))!;
}

/** Performs one action as the scene's actor and checks the outcome, and its effect or absence of effect. */
const PERFORM: Readonly<Record<Action, (s: Scene, expected: Outcome) => Promise<void>>> = {
  async publish(s, expected) {
    const reply = await s.actor.client.request({
      type: 'publish',
      hasAudio: true,
      hasVideo: false,
      videoType: 'screen',
    });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.equal((await snapshot(s)).streams.length, 1);
      return;
    }
    assertAck(reply);
    const created = await s.owner.client.next('streamCreated', (m) => m.stream.connectionId === s.actor.id);
    assert.equal(created.stream.id, reply.result.streamId);
    assert.equal(created.stream.videoType, 'screen');
  },
  async subscribe(s, expected) {
    const reply = await s.actor.client.request({ type: 'subscribe', streamId: s.streamId });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      return;
    }
    assertAck(reply);
    const created = await s.owner.client.next('subscriberCreated');
    assert.deepEqual(created, {
      type: 'subscriberCreated',
      subscriptionId: reply.result.subscriptionId,
      streamId: s.streamId,
      connectionId: s.actor.id,
    });
  },
  async sendSignal(s, expected) {
    const reply = await s.actor.client.request({ type: 'signal', signalType: 'chat', data: 'hello' });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      return;
    }
    assertAck(reply);
    for (const who of [s.owner, s.victim, s.actor]) {
      const signal = await who.client.next('signal');
      assert.deepEqual(signal, { type: 'signal', from: s.actor.id, signalType: 'chat', data: 'hello' });
    }
  },
  async receiveSignal(s, expected) {
    assert.equal(expected, 'ok');
    const reply = await s.owner.client.request({
      type: 'signal',
      to: s.actor.id,
      signalType: 'direct',
      data: 'for you',
    });
    assertAck(reply);
    const signal = await s.actor.client.next('signal');
    assert.deepEqual(signal, { type: 'signal', from: s.owner.id, signalType: 'direct', data: 'for you' });
  },
  async forceDisconnect(s, expected) {
    const reply = await s.actor.client.request({ type: 'forceDisconnect', connectionId: s.victim.id });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.ok(
        (await snapshot(s)).connections.some((c) => c.id === s.victim.id),
        'the victim was disconnected anyway',
      );
      return;
    }
    assertAck(reply);
    assert.deepEqual(await s.victim.client.closedWithin(), { code: 4100, reason: 'forceDisconnected' });
    const destroyed = await s.owner.client.next('connectionDestroyed');
    assert.deepEqual(destroyed, {
      type: 'connectionDestroyed',
      connectionId: s.victim.id,
      reason: 'forceDisconnected',
    });
  },
  async forceUnpublish(s, expected) {
    const reply = await s.actor.client.request({ type: 'forceUnpublish', streamId: s.streamId });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.equal((await snapshot(s)).streams.length, 1);
      return;
    }
    assertAck(reply);
    const destroyed = await s.owner.client.next('streamDestroyed');
    assert.deepEqual(destroyed, { type: 'streamDestroyed', streamId: s.streamId, reason: 'forceUnpublished' });
  },
  async forceMuteStream(s, expected) {
    const reply = await s.actor.client.request({ type: 'forceMuteStream', streamId: s.streamId });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.equal((await snapshot(s)).streams[0]!.hasAudio, true);
      return;
    }
    assertAck(reply);
    assert.deepEqual(await s.owner.client.next('muteForced'), { type: 'muteForced', streamId: s.streamId });
    const changed = await s.victim.client.next('streamPropertyChanged');
    assert.equal(changed.reason, 'forceMuted');
    assert.equal(changed.newValue, false);
  },
  async forceMuteAll(s, expected) {
    const reply = await s.actor.client.request({ type: 'forceMuteAll', excludedStreamIds: [] });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.equal((await snapshot(s)).forceMute.active, false);
      return;
    }
    assertAck(reply);
    assert.deepEqual(await s.victim.client.next('forceMuteChanged'), {
      type: 'forceMuteChanged',
      active: true,
      excludedStreamIds: [],
    });
    assert.deepEqual(await s.owner.client.next('muteForced'), { type: 'muteForced', streamId: s.streamId });
  },
  async disableForceMute(s, expected) {
    await target().sessions.forceMuteAll(target().appId, s.sessionId, []);
    await s.victim.client.next('forceMuteChanged', (m) => m.active);
    const reply = await s.actor.client.request({ type: 'disableForceMute' });
    if (expected !== 'ok') {
      assertDenied(reply, expected);
      assert.equal((await snapshot(s)).forceMute.active, true);
      return;
    }
    assertAck(reply);
    assert.deepEqual(await s.victim.client.next('forceMuteChanged', (m) => !m.active), {
      type: 'forceMuteChanged',
      active: false,
      excludedStreamIds: [],
    });
  },
};

/** A target in another session, acted on by `role`. */
async function crossSession(role: Role): Promise<void> {
  const s = await scene(role);
  const elsewhere = await scene('moderator');
  const sub = await elsewhere.victim.client.request({ type: 'subscribe', streamId: elsewhere.streamId });
  assertAck(sub);
  const attempts: readonly [Record<string, unknown>, Capability | null][] = [
    [{ type: 'subscribe', streamId: elsewhere.streamId }, 'subscribe'],
    [{ type: 'signal', to: elsewhere.owner.id, data: 'psst' }, 'signal'],
    [{ type: 'signal', to: [s.owner.id, elsewhere.owner.id], data: 'psst' }, 'signal'],
    [{ type: 'forceDisconnect', connectionId: elsewhere.owner.id }, 'forceDisconnect'],
    [{ type: 'forceUnpublish', streamId: elsewhere.streamId }, 'forceUnpublish'],
    [{ type: 'forceMuteStream', streamId: elsewhere.streamId }, 'forceMute'],
    [{ type: 'unpublish', streamId: elsewhere.streamId }, 'publish'],
    [{ type: 'setStreamProperty', streamId: elsewhere.streamId, property: 'hasVideo', value: false }, 'publish'],
    [{ type: 'unsubscribe', subscriptionId: sub.result.subscriptionId }, 'subscribe'],
    [{ type: 'webrtc', subscriptionId: sub.result.subscriptionId, kind: 'offer', payload: { sdp: 'x' } }, null],
  ];
  for (const [request, capability] of attempts) {
    const reply = await s.actor.client.request(request);
    assert.equal(reply.type, 'error', `${String(request.type)} on another session's target was not refused`);
    if (capability === null || ROLE_CAPABILITIES[role].includes(capability)) {
      assert.equal(reply.code, 'ERR_NOT_FOUND', `${role} ${String(request.type)}: ${reply.code}`);
    } else {
      assertDenied(reply, capability);
    }
  }
  const other = (await target().sessions.getSession(target().appId, elsewhere.sessionId))!;
  assert.equal(other.connections.length, 3);
  assert.deepEqual(
    other.streams.map((st) => [st.id, st.hasAudio, st.hasVideo]),
    [[elsewhere.streamId, true, true]],
  );
  assert.equal(
    elsewhere.owner.client.received.some((m) => m.type === 'signal' || m.type === 'webrtc'),
    false,
  );
}

/**
 * Declares the matrix and the session tests against `current()` (read when each test runs: set it up in
 * a `before`).
 */
export function describeRoleMatrix(title: string, current: () => MatrixTarget): void {
  target = current;
  describe(`${title}: role × action matrix over real sockets`, () => {
    for (const role of ROLES) {
      describe(role, () => {
        for (const action of Object.keys(MATRIX) as Action[]) {
          const expected = MATRIX[action][role];
          it(`${action} → ${expected === 'ok' ? 'allowed' : `ERR_CAPABILITY_DENIED (${expected})`}`, async () => {
            await PERFORM[action](await scene(role), expected);
          });
        }

        it('a target in another session: ERR_NOT_FOUND when the role may act, else ERR_CAPABILITY_DENIED; the other session is untouched', () =>
          crossSession(role));
      });
    }
  });

  describeSessions(title);
  describeMoreSessions(title);
}

function describeSessions(title: string): void {
  describe(`${title}: sessions over real sockets`, () => {
    it("shows every connection's data to everyone: in connected, and in connectionCreated", async () => {
      const sessionId = newSessionId();
      const a = await target().join(sessionId, { role: 'publisher', data: 'user=a' });
      const b = await target().join(sessionId, { role: 'subscriber', data: 'user=b' });
      const c = await target().join(sessionId, { role: 'publisheronly' });
      assert.deepEqual(a.connected.connections, []);
      assert.equal(a.connected.connection.data, 'user=a');
      assert.deepEqual(
        b.connected.connections.map((x) => [x.id, x.data]),
        [[a.id, 'user=a']],
      );
      assert.deepEqual(
        c.connected.connections.map((x) => [x.id, x.data]),
        [
          [a.id, 'user=a'],
          [b.id, 'user=b'],
        ],
      );
      assert.equal(c.connected.connection.data, null);
      assert.equal((await a.client.next('connectionCreated')).connection.data, 'user=b');
      assert.equal((await a.client.next('connectionCreated')).connection.data, null);
      assert.equal((await b.client.next('connectionCreated')).connection.id, c.id);
      assert.equal(c.connected.role, 'publisheronly');
      assert.deepEqual(c.connected.capabilities, {
        subscribe: false,
        publish: true,
        signal: false,
        forceDisconnect: false,
        forceUnpublish: false,
        forceMute: false,
      });
    });

    it('relays WebRTC negotiation between the two ends of a subscription only; a third party gets ERR_NOT_FOUND', async () => {
      const sessionId = newSessionId();
      const publisher = await target().join(sessionId, { role: 'publisher' });
      const subscriber = await target().join(sessionId, { role: 'subscriber' });
      const third = await target().join(sessionId, { role: 'moderator' });
      const published = await publisher.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
      assertAck(published);
      const subscribed = await subscriber.client.request({ type: 'subscribe', streamId: published.result.streamId });
      assertAck(subscribed);
      const subscriptionId = subscribed.result.subscriptionId as string;
      assert.equal((await publisher.client.next('subscriberCreated')).subscriptionId, subscriptionId);

      const offer = { type: 'offer', sdp: 'v=0 offer' };
      assertAck(await publisher.client.request({ type: 'webrtc', subscriptionId, kind: 'offer', payload: offer }));
      assert.deepEqual(await subscriber.client.next('webrtc'), {
        type: 'webrtc',
        subscriptionId,
        kind: 'offer',
        payload: offer,
        from: publisher.id,
      });
      const answer = { type: 'answer', sdp: 'v=0 answer' };
      assertAck(await subscriber.client.request({ type: 'webrtc', subscriptionId, kind: 'answer', payload: answer }));
      assert.deepEqual(await publisher.client.next('webrtc'), {
        type: 'webrtc',
        subscriptionId,
        kind: 'answer',
        payload: answer,
        from: subscriber.id,
      });
      const candidate = { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0' };
      assertAck(
        await subscriber.client.request({ type: 'webrtc', subscriptionId, kind: 'candidate', payload: candidate }),
      );
      assert.deepEqual((await publisher.client.next('webrtc')).payload, candidate);

      const intruder = await third.client.request({
        type: 'webrtc',
        subscriptionId,
        kind: 'offer',
        payload: { sdp: 'evil' },
      });
      assert.equal(intruder.type, 'error');
      assert.equal(intruder.code, 'ERR_NOT_FOUND');
      await publisher.client.request({ type: 'signal', data: 'barrier' });
      await third.client.next('signal');
      assert.equal(
        third.client.received.some((m) => m.type === 'webrtc'),
        false,
        'the third party saw negotiation',
      );
      // Exactly what the other end sent: the publisher got the answer and the candidate, the subscriber the offer.
      assert.equal(publisher.client.received.filter((m) => m.type === 'webrtc').length, 2);
      assert.equal(subscriber.client.received.filter((m) => m.type === 'webrtc').length, 1);
    });
  });
}

function describeMoreSessions(title: string): void {
  describe(`${title}: sessions over real sockets, signals and leaving`, () => {
    it('publisheronly receives signals (broadcast and direct) but may not send one (capability signal)', async () => {
      const sessionId = newSessionId();
      const sender = await target().join(sessionId, { role: 'subscriber' });
      const only = await target().join(sessionId, { role: 'publisheronly' });
      assertAck(await sender.client.request({ type: 'signal', data: 'to all' }));
      assert.equal((await only.client.next('signal')).data, 'to all');
      assertAck(await sender.client.request({ type: 'signal', to: [only.id], signalType: 'dm', data: 'to you' }));
      assert.deepEqual(await only.client.next('signal'), {
        type: 'signal',
        from: sender.id,
        signalType: 'dm',
        data: 'to you',
      });
      const refused = await only.client.request({ type: 'signal', to: sender.id, data: 'hi' });
      assertDenied(refused, 'signal');
      // Without an id a refused request still gets its error, with id null.
      only.client.send({ type: 'signal', data: 'no id' });
      const noId = await only.client.next('error');
      assert.equal(noId.id, null);
      assert.equal(noId.code, 'ERR_CAPABILITY_DENIED');
      assert.equal(noId.capability, 'signal');
    });

    it('a client that closes is clientDisconnected for the others, and its streams go with it', async () => {
      const sessionId = newSessionId();
      const stayer = await target().join(sessionId, { role: 'subscriber' });
      const leaver = await target().join(sessionId, { role: 'publisher' });
      const published = await leaver.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
      assertAck(published);
      await stayer.client.next('streamCreated');
      leaver.client.close(1000);
      assert.deepEqual(await stayer.client.next('streamDestroyed'), {
        type: 'streamDestroyed',
        streamId: published.result.streamId,
        reason: 'connectionClosed',
      });
      assert.deepEqual(await stayer.client.next('connectionDestroyed'), {
        type: 'connectionDestroyed',
        connectionId: leaver.id,
        reason: 'clientDisconnected',
      });
      // A browser's ws.close() sends no status code (1005): still the client's own close.
      const other = await target().join(sessionId, { role: 'subscriber' });
      other.client.ws.close();
      assert.equal(
        (await stayer.client.next('connectionDestroyed', (m) => m.connectionId === other.id)).reason,
        'clientDisconnected',
      );
    });
  });
}
