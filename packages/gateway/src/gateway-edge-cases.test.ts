/**
 * The cases docs/protocol.md decides in "Edge cases" (and the sections they belong to), over real
 * sockets: each test pins one answer, so a change of behaviour fails here before a client meets it.
 * Moderation and media edge cases are in gateway-edge-cases-media.test.ts, REST and the registry in
 * gateway-edge-cases-rest.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION, type ServerMessage } from '@stagepass/protocol';
import { createAppJwt } from '@stagepass/token';
import { claimsOf } from './test-support/forge-token.js';
import { TestGateway, newSessionId, type Joined } from './test-support/test-gateway.js';
import type { TestClient } from './test-support/test-client.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

const nowS = () => Math.floor(Date.now() / 1000);

/** The types a client received, in order, from the first message that `from` matches. */
function typesSince(client: TestClient, from: (m: ServerMessage) => boolean): string[] {
  const start = client.received.findIndex(from);
  assert.ok(start >= 0, 'the first message was never received');
  return client.received.slice(start).map((m) => m.type);
}

async function ack(client: TestClient, message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await client.request(message);
  assert.equal(reply.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
  return (reply as { result: Record<string, unknown> }).result;
}

async function publish(who: Joined, hasAudio = true): Promise<string> {
  return (await ack(who.client, { type: 'publish', hasAudio, hasVideo: true })).streamId as string;
}

async function subscribe(who: Joined, streamId: string): Promise<string> {
  return (await ack(who.client, { type: 'subscribe', streamId })).subscriptionId as string;
}

function assertRefused(reply: { type: string; code?: string; id?: number | null }, code: string): void {
  assert.equal(reply.type, 'error', `expected ${code}, got ${JSON.stringify(reply)}`);
  assert.equal(reply.code, code);
}

describe('edge cases: admission', () => {
  it('revocation: the others see connectionDestroyed reason forceDisconnected; the revoked socket closes 4014', async () => {
    const sessionId = newSessionId('revoked');
    const token = tg.token({ sessionId });
    const revoked = await tg.join(sessionId, { token });
    const watcher = await tg.join(sessionId);
    const claims = claimsOf(token);
    const answer = await tg.http(`/v1/apps/${tg.app.appId}/revocations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${createAppJwt({ appId: tg.app.appId, secret: tg.app.secret })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ tokenId: claims.jti, expireTime: claims.exp }),
    });
    assert.equal(answer.status, 204);
    assert.deepEqual(await revoked.client.closedWithin(), { code: 4014, reason: 'ERR_TOKEN_REVOKED' });
    assert.deepEqual(await watcher.client.next('connectionDestroyed'), {
      type: 'connectionDestroyed',
      connectionId: revoked.id,
      reason: 'forceDisconnected',
    });
  });

  it('no Origin header on an app with allowed origins: refused 4016 ERR_ORIGIN_NOT_ALLOWED', async () => {
    const app = tg.createApp({ allowedOrigins: ['https://ok.example'] });
    const sessionId = newSessionId();
    assert.deepEqual(await tg.refusal(sessionId, { app }), { code: 4016, reason: 'ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('single use: refusals before the claim (origin, session mismatch) do not spend the token; ERR_SESSION_FULL does', async () => {
    const app = tg.createApp({
      singleUseTokens: true,
      allowedOrigins: ['https://ok.example'],
      maxConnectionsPerSession: 1,
    });
    const ok = { origin: 'https://ok.example' };
    const sessionId = newSessionId('single');
    const token = tg.token({ app, sessionId });
    assert.deepEqual(await tg.refusal(sessionId, { app, token, client: { origin: 'https://evil.example' } }), {
      code: 4016,
      reason: 'ERR_ORIGIN_NOT_ALLOWED',
    });
    assert.deepEqual(await tg.refusal(newSessionId(), { app, token, client: ok }), {
      code: 4006,
      reason: 'ERR_TOKEN_SESSION_MISMATCH',
    });
    const first = await tg.join(sessionId, { app, token, client: ok });
    // The session is full: this token passes every check, is claimed, then the join is refused.
    const second = tg.token({ app, sessionId });
    assert.deepEqual(await tg.refusal(sessionId, { app, token: second, client: ok }), {
      code: 4015,
      reason: 'ERR_SESSION_FULL',
    });
    first.client.close(1000);
    await first.client.closed;
    await waitUntil(async () => (await tg.gateway.sessions.getSession(app.appId, sessionId)) === undefined);
    assert.deepEqual(await tg.refusal(sessionId, { app, token: second, client: ok }), {
      code: 4013,
      reason: 'ERR_TOKEN_REPLAYED',
    });
  });

  it('a + in the query string is a plus, raw or percent-encoded (never a space)', async () => {
    const sessionId = `plus+${newSessionId()}`;
    const raw = tg.openPath(`/v1/connect?appId=${tg.app.appId}&sessionId=${sessionId}`);
    await raw.opened;
    raw.send({ type: 'connect', v: PROTOCOL_VERSION, token: tg.token({ sessionId }) });
    const connected = await raw.next('connected');
    assert.equal(connected.sessionId, sessionId);
    // The encoded form reaches the same session.
    const encoded = await tg.join(sessionId);
    assert.deepEqual(
      encoded.connected.connections.map((c) => c.id),
      [connected.connection.id],
    );
  });

  it('close 1013 is never sent: over the per-IP cap the upgrade is refused with HTTP 429 before any socket', async () => {
    const capped = await TestGateway.start({ maxSocketsPerIp: 2 });
    try {
      const sessionId = newSessionId();
      await capped.join(sessionId);
      await capped.join(sessionId);
      const third = capped.open(sessionId);
      await assert.rejects(third.opened, (err: { status?: number }) => err.status === 429);
    } finally {
      await capped.stop();
    }
  });
});

describe('edge cases: frames and requests out of place', () => {
  it('a binary frame once admitted: error ERR_MESSAGE_INVALID with id null; the connection stays', async () => {
    const { client } = await tg.join(newSessionId());
    client.ws.send(Buffer.from('{"type":"signal","data":"x"}'), { binary: true });
    const error = await client.next('error');
    assert.equal(error.id, null);
    assert.equal(error.code, 'ERR_MESSAGE_INVALID');
    await ack(client, { type: 'signal', data: 'still here' });
    assert.equal(client.closeInfo, undefined);
  });

  it('a binary frame before connected: close 4019 ERR_MESSAGE_INVALID', async () => {
    const client = tg.open(newSessionId());
    await client.opened;
    client.ws.send(Buffer.from('{}'), { binary: true });
    assert.deepEqual(await client.closedWithin(), { code: 4019, reason: 'ERR_MESSAGE_INVALID' });
  });

  it('a second connect (or a resume) once admitted: error ERR_MESSAGE_INVALID with id null; same connection, no second connected', async () => {
    const sessionId = newSessionId();
    const joined = await tg.join(sessionId);
    joined.client.send({ type: 'connect', v: PROTOCOL_VERSION, token: tg.token({ sessionId }) });
    const error = await joined.client.next('error');
    assert.deepEqual([error.id, error.code], [null, 'ERR_MESSAGE_INVALID']);
    joined.client.send({
      type: 'resume',
      v: PROTOCOL_VERSION,
      connectionId: joined.id,
      resumeSecret: joined.connected.resumeSecret,
    });
    const again = await joined.client.next('error');
    assert.deepEqual([again.id, again.code], [null, 'ERR_MESSAGE_INVALID']);
    await joined.client.nothing('connected');
    const snapshot = await tg.gateway.sessions.getSession(tg.app.appId, sessionId);
    assert.deepEqual(
      snapshot!.connections.map((c) => c.id),
      [joined.id],
    );
  });

  it('an id out of range (or not an integer) is refused ERR_MESSAGE_INVALID with id null; the request is not done', async () => {
    const sessionId = newSessionId();
    const { client } = await tg.join(sessionId, { role: 'publisher' });
    for (const id of ['-1', '2147483648', '1.5', '"7"', 'null', '1e400', 'true']) {
      client.sendText(`{"type":"publish","id":${id},"hasAudio":true,"hasVideo":false}`);
      const error = await client.next('error');
      assert.deepEqual([error.id, error.code], [null, 'ERR_MESSAGE_INVALID'], `id ${id}`);
    }
    const snapshot = await tg.gateway.sessions.getSession(tg.app.appId, sessionId);
    assert.equal(snapshot!.streams.length, 0);
    client.send({ type: 'signal', id: 2147483647, data: 'max' });
    const reply = await client.next('ack');
    assert.equal(reply.id, 2147483647);
  });

  it('invalid UTF-8 in a text frame: close 1007 (empty reason); the others see networkDisconnected at once', async () => {
    const sessionId = newSessionId();
    const bad = await tg.join(sessionId);
    const watcher = await tg.join(sessionId);
    bad.client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.deepEqual(await bad.client.closedWithin(), { code: 1007, reason: '' });
    assert.deepEqual(await watcher.client.next('connectionDestroyed'), {
      type: 'connectionDestroyed',
      connectionId: bad.id,
      reason: 'networkDisconnected',
    });
    // Before connect too: 1007.
    const early = tg.open(sessionId);
    await early.opened;
    early.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    assert.deepEqual(await early.closedWithin(), { code: 1007, reason: '' });
  });
});

describe("edge cases: other connections' streams and subscriptions", () => {
  it('webrtc from a connection that is not an end of the subscription: ERR_NOT_FOUND; nothing is relayed', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const outsider = await tg.join(sessionId, { role: 'moderator' });
    const streamId = await publish(publisher);
    const subscriptionId = await subscribe(subscriber, streamId);
    const reply = await outsider.client.request({
      type: 'webrtc',
      subscriptionId,
      kind: 'offer',
      payload: { type: 'offer', sdp: 'v=0' },
    });
    assertRefused(reply, 'ERR_NOT_FOUND');
    await publisher.client.nothing('webrtc');
    await subscriber.client.nothing('webrtc', 0);
  });

  it("touching another connection's stream or subscription is ERR_NOT_FOUND, for its publisher too", async () => {
    const sessionId = newSessionId();
    const owner = await tg.join(sessionId, { role: 'publisher' });
    const other = await tg.join(sessionId, { role: 'publisher' });
    const streamId = await publish(owner);
    const subscriptionId = await subscribe(other, streamId);
    assertRefused(await other.client.request({ type: 'unpublish', streamId }), 'ERR_NOT_FOUND');
    assertRefused(
      await other.client.request({ type: 'setStreamProperty', streamId, property: 'hasAudio', value: false }),
      'ERR_NOT_FOUND',
    );
    // Only its subscriber ends a subscription; the stream's publisher cannot unsubscribe it.
    assertRefused(await owner.client.request({ type: 'unsubscribe', subscriptionId }), 'ERR_NOT_FOUND');
    const snapshot = await tg.gateway.sessions.getSession(tg.app.appId, sessionId);
    assert.equal(snapshot!.streams[0]!.hasAudio, true);
    await owner.client.nothing('subscriberDestroyed');
  });

  it('subscribing twice to one stream answers the same subscriptionId and tells the publisher once', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const streamId = await publish(publisher);
    const first = await subscribe(subscriber, streamId);
    const second = await subscribe(subscriber, streamId);
    assert.equal(second, first);
    await publisher.client.next('subscriberCreated', (m) => m.subscriptionId === first);
    await publisher.client.nothing('subscriberCreated');
    // Once unsubscribed, a new subscribe is a new subscription.
    await ack(subscriber.client, { type: 'unsubscribe', subscriptionId: first });
    const third = await subscribe(subscriber, streamId);
    assert.notEqual(third, first);
    await publisher.client.next('subscriberCreated', (m) => m.subscriptionId === third);
  });
});

describe('edge cases: the order of replies and events', () => {
  it("the ack comes before the requester's own events, for every request", async () => {
    const sessionId = newSessionId();
    const p = await tg.join(sessionId, { role: 'publisher' });
    const m = await tg.join(sessionId, { role: 'moderator' });
    const cases: readonly [Joined, Record<string, unknown>, string][] = [
      [p, { type: 'publish', hasAudio: true, hasVideo: true }, 'streamCreated'],
      [p, { type: 'signal', data: 'to all' }, 'signal'],
    ];
    let streamId = '';
    for (const [who, message, event] of cases) {
      const reply = await who.client.request(message);
      assert.equal(reply.type, 'ack');
      if (message.type === 'publish')
        streamId = (reply as { result: Record<string, unknown> }).result.streamId as string;
      await who.client.next(event as 'signal');
      assert.deepEqual(
        typesSince(who.client, (x) => x === reply),
        ['ack', event],
        String(message.type),
      );
    }
    const later: readonly [Joined, Record<string, unknown>, string][] = [
      [p, { type: 'setStreamProperty', streamId, property: 'hasVideo', value: false }, 'streamPropertyChanged'],
      [m, { type: 'forceMuteStream', streamId }, 'streamPropertyChanged'],
      [m, { type: 'forceMuteAll' }, 'forceMuteChanged'],
      [m, { type: 'disableForceMute' }, 'forceMuteChanged'],
      [p, { type: 'unpublish', streamId }, 'streamDestroyed'],
    ];
    for (const [who, message, event] of later) {
      const reply = await who.client.request(message);
      assert.equal(reply.type, 'ack', JSON.stringify(reply));
      // Earlier events of the same type may still sit in the inbox: read what followed this reply.
      await waitUntil(async () => typesSince(who.client, (x) => x === reply).includes(event));
      assert.equal(typesSince(who.client, (x) => x === reply)[1], event, String(message.type));
    }
  });

  it('a moderator force-disconnecting itself gets no ack: the close 4100 is the answer', async () => {
    const m = await tg.join(newSessionId(), { role: 'moderator' });
    m.client.send({ type: 'forceDisconnect', id: 5, connectionId: m.id });
    assert.deepEqual(await m.client.closedWithin(), { code: 4100, reason: 'forceDisconnected' });
    assert.equal(
      m.client.received.some((x) => x.type === 'ack'),
      false,
    );
  });

  it('a stream that goes: each subscriber gets subscriberDestroyed, then streamDestroyed', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const streamId = await publish(publisher);
    const subscriptionId = await subscribe(subscriber, streamId);
    await publisher.client.next('subscriberCreated');
    const reply = await publisher.client.request({ type: 'unpublish', streamId });
    assert.deepEqual(await subscriber.client.next('subscriberDestroyed'), {
      type: 'subscriberDestroyed',
      subscriptionId,
      streamId,
    });
    await subscriber.client.next('streamDestroyed');
    assert.deepEqual(
      typesSince(subscriber.client, (x) => x.type === 'subscriberDestroyed'),
      ['subscriberDestroyed', 'streamDestroyed'],
    );
    // The publisher: its ack, then the subscription's end, then the stream's.
    await publisher.client.next('streamDestroyed');
    assert.deepEqual(
      typesSince(publisher.client, (x) => x === reply),
      ['ack', 'subscriberDestroyed', 'streamDestroyed'],
    );
  });

  it('a publisher that leaves: subscriberDestroyed, streamDestroyed (connectionClosed), then connectionDestroyed', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const streamId = await publish(publisher);
    const subscriptionId = await subscribe(subscriber, streamId);
    publisher.client.close(1000);
    await subscriber.client.next('connectionDestroyed');
    const tail = subscriber.client.received.slice(-3);
    assert.deepEqual(tail, [
      { type: 'subscriberDestroyed', subscriptionId, streamId },
      { type: 'streamDestroyed', streamId, reason: 'connectionClosed' },
      { type: 'connectionDestroyed', connectionId: publisher.id, reason: 'clientDisconnected' },
    ]);
  });

  it('a subscriber that leaves: its publisher gets subscriberDestroyed, then connectionDestroyed', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId);
    const streamId = await publish(publisher);
    const subscriptionId = await subscribe(subscriber, streamId);
    await publisher.client.next('subscriberCreated');
    subscriber.client.close(1000);
    await publisher.client.next('connectionDestroyed');
    assert.deepEqual(publisher.client.received.slice(-2), [
      { type: 'subscriberDestroyed', subscriptionId, streamId },
      { type: 'connectionDestroyed', connectionId: subscriber.id, reason: 'clientDisconnected' },
    ]);
  });

  it("duplicates in a signal's to: each recipient gets the signal once", async () => {
    const sessionId = newSessionId();
    const sender = await tg.join(sessionId);
    const a = await tg.join(sessionId);
    const b = await tg.join(sessionId);
    await ack(sender.client, { type: 'signal', to: [b.id, b.id, a.id, b.id], data: 'once' });
    await b.client.next('signal');
    await a.client.next('signal');
    await b.client.nothing('signal');
    await sender.client.nothing('signal', 0);
  });
});

describe('edge cases: eject at expiry', () => {
  it('is at exp + the clock tolerance: a token within the tolerance is admitted and kept, closed 4007 once it passed', async () => {
    // The gateway's clock starts at a whole second X and runs; tolerance 30 s (the default).
    const x = nowS() + 600;
    const started = Date.now();
    const timed = await TestGateway.start({
      now: () => x * 1000 + (Date.now() - started),
      appSettings: { ejectAtExpiry: true },
    });
    try {
      const sessionId = newSessionId();
      // Expired 10 s ago on the gateway's clock: inside the tolerance, admitted, and not ejected at once.
      const late = await timed.join(sessionId, { now: x - 100, expireTime: x - 10 });
      // exp + 30 s is 1 s after the start.
      const due = await timed.join(sessionId, { now: x - 100, expireTime: x - 29 });
      assert.deepEqual(await due.client.closedWithin(3000), { code: 4007, reason: 'ERR_TOKEN_EXPIRED' });
      assert.deepEqual(await late.client.next('connectionDestroyed'), {
        type: 'connectionDestroyed',
        connectionId: due.id,
        reason: 'tokenExpired',
      });
      assert.equal(late.client.closeInfo, undefined, 'ejected before exp + tolerance');
    } finally {
      await timed.stop();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
