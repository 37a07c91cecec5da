/**
 * Every limit of docs/protocol.md ("Limits") over real sockets, with small values via options so the
 * suite stays fast: message size, rate, slow reader, half-open peer, sockets per IP, and what
 * refused messages of an admitted client get.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start({ maxBufferedBytes: 64 * 1024 });
});
after(() => tg.stop());

/** The client's TCP socket under ws, to stop reading from it (a reader that never reads). */
function tcpOf(client: { ws: unknown }): Socket {
  return (client.ws as { _socket: Socket })._socket;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (2 s at most). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await check()); waited += 10) {
    if (waited > 2000) throw new Error('condition not met within 2 s');
    await pause(10);
  }
}

describe('gateway limits: messages of an admitted client', () => {
  it('a message over maxPayloadBytes (64 KiB) closes 1009 ERR_MESSAGE_TOO_LARGE; the others see networkDisconnected', async () => {
    const sessionId = newSessionId();
    const watcher = await tg.join(sessionId);
    const big = await tg.join(sessionId);
    const before = await tg.metric('stagepass_closes_total', 'code="1009"');
    big.client.send({ type: 'signal', data: 'x'.repeat(64 * 1024) });
    assert.deepEqual(await big.client.closedWithin(), { code: 1009, reason: 'ERR_MESSAGE_TOO_LARGE' });
    assert.deepEqual(await watcher.client.next('connectionDestroyed'), {
      type: 'connectionDestroyed',
      connectionId: big.id,
      reason: 'networkDisconnected',
    });
    assert.equal(await tg.metric('stagepass_closes_total', 'code="1009"'), before + 1);
    // Just under the limit is read (and refused by the protocol's own 8 KiB signal limit, not closed).
    const fits = await tg.join(sessionId);
    const reply = await fits.client.request({ type: 'signal', data: 'y'.repeat(60 * 1024) });
    assert.equal(reply.type, 'error');
    assert.equal(reply.code, 'ERR_MESSAGE_INVALID');
    assert.equal(fits.client.closeInfo, undefined);
  });

  it('an oversized first message closes 1009 too, before admission', async () => {
    const client = tg.open(newSessionId());
    await client.opened;
    client.send({ type: 'connect', v: PROTOCOL_VERSION, token: 'x'.repeat(70 * 1024) });
    assert.deepEqual(await client.closedWithin(), { code: 1009, reason: 'ERR_MESSAGE_TOO_LARGE' });
  });

  it('a flood gets ERR_RATE_LIMITED replies while over the limit, then close 1008 ERR_RATE_LIMITED', async () => {
    const sessionId = newSessionId();
    const watcher = await tg.join(sessionId);
    const flooder = await tg.join(sessionId);
    for (let i = 1; i <= 400; i++) flooder.client.send({ type: 'signal', id: i, to: flooder.id, data: 'x' });
    assert.deepEqual(await flooder.client.closedWithin(), { code: 1008, reason: 'ERR_RATE_LIMITED' });
    const acks = flooder.client.received.filter((m) => m.type === 'ack');
    const limited = flooder.client.received.filter((m) => m.type === 'error' && m.code === 'ERR_RATE_LIMITED');
    // The burst (100, plus what refilled meanwhile) passes; the refusals name the request they refuse.
    assert.ok(acks.length >= 100 && acks.length < 200, `acks: ${acks.length}`);
    assert.ok(limited.length >= 150, `rate-limited replies: ${limited.length}`);
    const firstRefused = limited[0]!.type === 'error' ? limited[0]!.id! : 0;
    assert.ok(firstRefused > 100, `first refused: ${firstRefused}`);
    assert.deepEqual(
      acks.filter((a) => a.type === 'ack' && a.id < firstRefused).map((a) => a.type === 'ack' && a.id),
      Array.from({ length: firstRefused - 1 }, (_, i) => i + 1),
    );
    assert.equal((await watcher.client.next('connectionDestroyed')).reason, 'networkDisconnected');
  });

  it('a client within the rate (a burst up to 100, then 50/s) is never limited', async () => {
    const calm = await tg.join(newSessionId());
    const signal = () => calm.client.request({ type: 'signal', to: calm.id, data: 'ok' });
    const burst = await Promise.all(Array.from({ length: 95 }, signal));
    assert.deepEqual(new Set(burst.map((r) => r.type)), new Set(['ack']));
    await pause(400); // refills 20
    const more = await Promise.all(Array.from({ length: 24 }, signal));
    assert.deepEqual(new Set(more.map((r) => r.type)), new Set(['ack']));
  });

  it('binary frames, invalid JSON and unknown members get ERR_MESSAGE_INVALID (with the id when readable); the connection stays', async () => {
    const sessionId = newSessionId();
    const client = (await tg.join(sessionId)).client;
    client.ws.send(Buffer.from('{"type":"signal","data":"x"}'));
    const binary = await client.next('error');
    assert.equal(binary.code, 'ERR_MESSAGE_INVALID');
    assert.equal(binary.id, null);
    client.sendText('{not json');
    assert.equal((await client.next('error')).code, 'ERR_MESSAGE_INVALID');
    client.send({ type: 'publish', id: 41, hasAudio: 'yes', hasVideo: true });
    assert.deepEqual(await client.next('error'), {
      type: 'error',
      id: 41,
      code: 'ERR_MESSAGE_INVALID',
      message: 'publish.hasAudio must be true or false',
    });
    client.send({ type: 'signal', id: 42, data: 'x', color: 'red' });
    const unknown = await client.next('error');
    assert.equal(unknown.id, 42);
    assert.equal(unknown.code, 'ERR_MESSAGE_INVALID');
    client.send({ type: 'teleport', id: 43 });
    assert.equal((await client.next('error')).id, 43);
    // connect again is refused, not a second admission.
    client.send({ type: 'connect', v: PROTOCOL_VERSION, token: tg.token({ sessionId }) });
    const again = await client.next('error');
    assert.equal(again.code, 'ERR_MESSAGE_INVALID');
    assert.equal(again.id, null);
    assert.equal((await tg.gateway.sessions.getSession(tg.app.appId, sessionId))!.connections.length, 1);
    assert.equal((await client.request({ type: 'signal', data: 'still here' })).type, 'ack');
    assert.equal(client.closeInfo, undefined);
  });

  it('a webrtc payload nested 5,000 levels deep gets ERR_MESSAGE_INVALID, not 1011; the connection stays', async () => {
    const sessionId = newSessionId();
    const publisher = await tg.join(sessionId, { role: 'publisher' });
    const subscriber = await tg.join(sessionId, { role: 'subscriber' });
    const published = await publisher.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
    assert.equal(published.type, 'ack');
    const streamId = published.type === 'ack' ? (published.result.streamId as string) : '';
    const subscribed = await subscriber.client.request({ type: 'subscribe', streamId });
    const subscriptionId = subscribed.type === 'ack' ? (subscribed.result.subscriptionId as string) : '';
    assert.notEqual(subscriptionId, '');
    // 5,000 levels in 10 KB (built as text: JSON.stringify of it would overflow here too).
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    subscriber.client.sendText(
      `{"type":"webrtc","id":900,"subscriptionId":"${subscriptionId}","kind":"candidate","payload":${deep}}`,
    );
    const refused = await subscriber.client.next('error', (m) => m.id === 900);
    assert.equal(refused.code, 'ERR_MESSAGE_INVALID');
    assert.match(refused.message, /payload must nest objects and arrays at most 32 levels deep/);
    assert.equal((await subscriber.client.request({ type: 'signal', data: 'still here' })).type, 'ack');
    assert.equal(subscriber.client.closeInfo, undefined);
    assert.equal(publisher.client.received.filter((m) => m.type === 'webrtc').length, 0);
  });

  it('pings count against the rate: a ping flood gets pongs for the burst only, then close 1008 ERR_RATE_LIMITED', async () => {
    const sessionId = newSessionId();
    const watcher = await tg.join(sessionId);
    const flooder = await tg.join(sessionId);
    let pongs = 0;
    flooder.client.ws.on('pong', () => pongs++);
    for (let i = 0; i < 400; i++) flooder.client.ws.ping();
    assert.deepEqual(await flooder.client.closedWithin(), { code: 1008, reason: 'ERR_RATE_LIMITED' });
    // The burst (100, plus what refilled meanwhile) is answered; the refused pings are not.
    assert.ok(pongs >= 100 && pongs < 400, `pongs: ${pongs}`);
    assert.equal((await watcher.client.next('connectionDestroyed')).reason, 'networkDisconnected');
  });

  it('continuation frames count against the rate, before connect too: a flood of empty fragments closes 1008', async () => {
    const client = tg.open(newSessionId());
    await client.opened;
    // One text message that never ends: a first fragment, then empty continuations (ws would buffer 16,384).
    client.ws.send('{', { fin: false });
    for (let i = 0; i < 400; i++) client.ws.send('', { fin: false });
    assert.deepEqual(await client.closedWithin(), { code: 1008, reason: 'ERR_RATE_LIMITED' });
    // Admitted, a fragmented message within the rate is read whole.
    const calm = await tg.join(newSessionId());
    calm.client.ws.send('{"type":"signal","id":5,', { fin: false });
    calm.client.ws.send('"data":', { fin: false });
    calm.client.ws.send('"whole"}', { fin: true });
    assert.equal((await calm.client.next('ack', (m) => m.id === 5)).id, 5);
  });

  it('a ping, pong or binary frame before connected closes the socket 4019 ERR_MESSAGE_INVALID', async () => {
    const pinger = tg.open(newSessionId());
    await pinger.opened;
    let pongs = 0;
    pinger.ws.on('pong', () => pongs++);
    pinger.ws.ping();
    assert.deepEqual(await pinger.closedWithin(), { code: 4019, reason: 'ERR_MESSAGE_INVALID' });
    assert.equal(pongs, 0);
    const ponger = tg.open(newSessionId());
    await ponger.opened;
    ponger.ws.pong();
    assert.deepEqual(await ponger.closedWithin(), { code: 4019, reason: 'ERR_MESSAGE_INVALID' });
    const binary = tg.open(newSessionId());
    await binary.opened;
    binary.ws.send(Buffer.from('{"type":"connect"}'));
    assert.deepEqual(await binary.closedWithin(), { code: 4019, reason: 'ERR_MESSAGE_INVALID' });
  });

  it('a slow reader is closed 4022 ERR_SLOW_CONSUMER once its backlog passes maxBufferedBytes; the others never wait', async () => {
    const sessionId = newSessionId();
    const watcher = await tg.join(sessionId);
    const slow = await tg.join(sessionId);
    const before = await tg.metric('stagepass_closes_total', 'code="4022"');
    tcpOf(slow.client).pause();
    const data = 's'.repeat(8000);
    let sent = 0;
    // Fan signals out to the reader that does not read, a batch per event-loop turn, until it is dropped.
    while ((await tg.gateway.sessions.getSession(tg.app.appId, sessionId))!.connections.length === 2) {
      assert.ok(sent < 20_000, 'the slow reader was never dropped');
      for (let i = 0; i < 50; i++) void tg.gateway.sessions.signal(tg.app.appId, sessionId, { to: slow.id, data });
      sent += 50;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await watcher.client.next('connectionDestroyed'), {
      type: 'connectionDestroyed',
      connectionId: slow.id,
      reason: 'networkDisconnected',
    });
    // Meanwhile the watcher is served at once.
    assert.equal((await watcher.client.request({ type: 'signal', to: watcher.id, data: 'prompt' })).type, 'ack');
    // The reader wakes up: behind its backlog it finds the close frame.
    tcpOf(slow.client).resume();
    assert.deepEqual(await slow.client.closedWithin(), { code: 4022, reason: 'ERR_SLOW_CONSUMER' });
    assert.equal(await tg.metric('stagepass_closes_total', 'code="4022"'), before + 1);
  });
});

describe('gateway limits: streams', () => {
  it('a publish past maxStreamsPerConnection or maxStreamsPerSession is refused ERR_TOO_MANY_STREAMS; the connection stays', async () => {
    const capped = await TestGateway.start({ maxStreamsPerConnection: 2, maxStreamsPerSession: 3 });
    try {
      const sessionId = newSessionId();
      const a = await capped.join(sessionId, { role: 'publisher' });
      const b = await capped.join(sessionId, { role: 'publisher' });
      const publish = (who: typeof a) => who.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
      const first = await publish(a);
      assert.equal(first.type, 'ack');
      assert.equal((await publish(a)).type, 'ack');
      const third = await publish(a);
      assert.equal(third.type === 'error' && third.code, 'ERR_TOO_MANY_STREAMS');
      assert.match(third.type === 'error' ? third.message : '', /maxStreamsPerConnection/);
      assert.equal((await publish(b)).type, 'ack');
      const overSession = await publish(b);
      assert.equal(overSession.type === 'error' && overSession.code, 'ERR_TOO_MANY_STREAMS');
      assert.match(overSession.type === 'error' ? overSession.message : '', /maxStreamsPerSession/);
      // Both stay; a joiner sees the three streams; an unpublish frees a place.
      assert.equal(a.client.closeInfo, undefined);
      assert.equal(b.client.closeInfo, undefined);
      assert.equal((await capped.join(sessionId)).connected.streams.length, 3);
      const streamId = first.type === 'ack' ? (first.result.streamId as string) : '';
      assert.equal((await a.client.request({ type: 'unpublish', streamId })).type, 'ack');
      assert.equal((await publish(b)).type, 'ack');
      assert.equal((await capped.gateway.sessions.getSession(capped.app.appId, sessionId))!.streams.length, 3);
    } finally {
      await capped.stop();
    }
  });
});

describe('gateway limits: sockets', () => {
  it('a half-open peer (no pong, no frame for idleTimeoutMs) is terminated; the others see networkDisconnected once its resume window passed', async () => {
    const quick = await TestGateway.start({ pingIntervalMs: 40, idleTimeoutMs: 150, resumeWindowMs: 50 });
    try {
      const sessionId = newSessionId();
      const alive = await quick.join(sessionId);
      const silent = await quick.join(sessionId, { client: { autoPong: false } });
      const destroyed = await alive.client.next('connectionDestroyed', () => true, 10_000);
      assert.deepEqual(destroyed, {
        type: 'connectionDestroyed',
        connectionId: silent.id,
        reason: 'networkDisconnected',
      });
      assert.equal((await silent.client.closedWithin()).code, 1006);
      // The peer that answers pings stays, well past the idle time.
      await pause(300);
      assert.equal(alive.client.closeInfo, undefined);
      assert.equal((await alive.client.request({ type: 'signal', data: 'x' })).type, 'ack');
      assert.equal(await quick.metric('stagepass_closes_total', 'code="1006"'), 1);
    } finally {
      await quick.stop();
    }
  });

  it('sockets from one IP address past maxSocketsPerIp get HTTP 429 ERR_TOO_MANY_CONNECTIONS before the upgrade', async () => {
    const strict = await TestGateway.start({ maxSocketsPerIp: 3 });
    try {
      const sessionId = newSessionId();
      const first = await strict.join(sessionId);
      const pending = strict.open(sessionId);
      await pending.opened;
      await strict.join(sessionId);
      const refused = strict.open(sessionId);
      const err = await refused.opened.then(
        () => undefined,
        (e: { status?: number; body?: string }) => e,
      );
      assert.equal(err?.status, 429);
      assert.equal(JSON.parse(err.body!).code, 'ERR_TOO_MANY_CONNECTIONS');
      // Refused as the connection was accepted (every TCP connection counts: gateway-http-limits.test.ts).
      assert.equal(await strict.registryMetric('stagepass_http_refusals_total', 'reason="sockets_per_ip"'), 1);
      // A closed socket frees its place (read from the registry: a /metrics request would take a place).
      first.client.close(1000);
      await first.client.closed;
      await until(async () => (await strict.registryMetric('stagepass_sockets')) === 2);
      await strict.join(sessionId);
    } finally {
      await strict.stop();
    }
  });
});
