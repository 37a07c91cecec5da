import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway } from '@stagepass/gateway';
import { WebSocket } from 'ws';
import type { SignalEvent } from './index.js';
import { Harness, newSessionId, nextEvent, rejection } from './test-support/harness.js';

describe('session events and actions', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  it('connectionCreated / connectionDestroyed keep session.connections live', async () => {
    const sessionId = newSessionId();
    const session = await h.join(sessionId, 'subscriber');
    const created = nextEvent(session, 'connectionCreated');
    const other = await h.join(sessionId, 'publisher', { data: 'other' });
    const { connection } = await created;
    assert.deepEqual(connection, other.connection);
    assert.deepEqual(session.connections.get(other.connection.id), other.connection);
    assert.deepEqual([...other.connections.keys()], [session.connection.id]);

    const destroyed = nextEvent(session, 'connectionDestroyed');
    await other.disconnect();
    assert.deepEqual(await destroyed, { connection: other.connection, reason: 'clientDisconnected' });
    assert.equal(session.connections.size, 0);
  });

  it('signals: to everyone (the sender too), to one connection, to a list; signal:TYPE gets one type only', async () => {
    const sessionId = newSessionId();
    const a = await h.join(sessionId, 'publisher', { data: 'a' });
    const b = await h.join(sessionId, 'subscriber', { data: 'b' });
    const c = await h.join(sessionId, 'moderator', { data: 'c' });
    const got = new Map<string, SignalEvent[]>([
      ['a', []],
      ['b', []],
      ['c', []],
    ]);
    const chat: SignalEvent[] = [];
    for (const [name, s] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const)
      s.on('signal', (e) => got.get(name)!.push(e));
    b.on('signal:chat', (e) => chat.push(e));

    await a.signal({ data: 'hello all', type: 'chat' });
    await a.signal({ data: 'to b', to: b.connection.id });
    await a.signal({ data: 'to b and c', type: 'note', to: [b.connection.id, c.connection.id] });
    // c's signal reaches b after a's (one order per connection), so b has everything once it is there.
    const last = Promise.all([nextEvent(b, 'signal:last'), nextEvent(a, 'signal:last')]);
    await c.signal({ data: 'done', type: 'last', to: [a.connection.id, b.connection.id] });
    await last;

    const view = (events: SignalEvent[]) => events.map((e) => `${e.type}|${e.data}|${e.from?.data}`);
    assert.deepEqual(view(got.get('b')!), ['chat|hello all|a', '|to b|a', 'note|to b and c|a', 'last|done|c']);
    assert.deepEqual(view(chat), ['chat|hello all|a']);
    assert.deepEqual(view(got.get('c')!), ['chat|hello all|a', 'note|to b and c|a']);
    assert.deepEqual(view(got.get('a')!), ['chat|hello all|a', 'last|done|c']);
    assert.equal(got.get('a')![0]!.from, a.connection, "a signal of one's own carries one's own connection");
  });

  it('streams published by a raw-protocol client: streamCreated, streamPropertyChanged, streamDestroyed', async () => {
    const sessionId = newSessionId();
    const session = await h.join(sessionId, 'subscriber');
    const raw = await h.raw(sessionId);
    const created = nextEvent(session, 'streamCreated');
    const streamId = await raw.publish('screen share', true, false);
    const { stream, local } = await created;
    assert.equal(local, false);
    assert.equal(stream.id, streamId);
    assert.equal(stream.connectionId, raw.id);
    assert.equal(stream.hasVideo, false);
    assert.deepEqual(session.streams.get(streamId), stream);

    const changed = nextEvent(session, 'streamPropertyChanged');
    await raw.request({ type: 'setStreamProperty', streamId, property: 'hasVideo', value: true });
    const change = await changed;
    assert.deepEqual(
      { ...change, stream: undefined },
      {
        stream: undefined,
        property: 'hasVideo',
        oldValue: false,
        newValue: true,
        reason: 'publisher',
        local: false,
      },
    );
    assert.equal(change.stream.hasVideo, true);
    assert.equal(session.streams.get(streamId)?.hasVideo, true);

    const destroyed = nextEvent(session, 'streamDestroyed');
    await raw.request({ type: 'unpublish', streamId });
    const end = await destroyed;
    assert.equal(end.reason, 'unpublished');
    assert.equal(end.stream.id, streamId);
    assert.equal(session.streams.size, 0);
  });

  it('a stream of a connection that leaves ends with connectionClosed before its connectionDestroyed', async () => {
    const sessionId = newSessionId();
    const session = await h.join(sessionId, 'subscriber');
    const raw = await h.raw(sessionId);
    const streamId = await raw.publish();
    await nextEvent(session, 'streamCreated').catch(() => {});
    const order: string[] = [];
    session.on('streamDestroyed', (e) => order.push(`stream ${e.stream.id} ${e.reason}`));
    const gone = nextEvent(session, 'connectionDestroyed');
    session.on('connectionDestroyed', (e) => order.push(`connection ${e.reason}`));
    raw.ws.close(1000);
    await gone;
    assert.deepEqual(order, [`stream ${streamId} connectionClosed`, 'connection clientDisconnected']);
    assert.equal(session.streams.size, 0);
  });

  it('moderator forceUnpublish / forceMuteStream act on a raw stream and everyone sees it', async () => {
    const sessionId = newSessionId();
    const mod = await h.join(sessionId, 'moderator');
    const watcher = await h.join(sessionId, 'subscriber');
    const raw = await h.raw(sessionId);
    const streamId = await raw.publish();
    await nextEvent(watcher, 'streamCreated');

    const muted = nextEvent(watcher, 'streamPropertyChanged');
    const told = raw.next('muteForced');
    await mod.forceMuteStream(streamId);
    const change = await muted;
    assert.deepEqual(
      [change.property, change.oldValue, change.newValue, change.reason],
      ['hasAudio', true, false, 'forceMuted'],
    );
    assert.equal((await told).streamId, streamId);
    assert.equal(mod.streams.get(streamId)?.hasAudio, false);

    const ended = nextEvent(watcher, 'streamDestroyed');
    await mod.forceUnpublish(streamId);
    assert.equal((await ended).reason, 'forceUnpublished');
    assert.equal(mod.streams.has(streamId), false);
  });

  it('forceMuteAll / disableForceMute: forceMuteChanged to everyone, session.forceMute kept', async () => {
    const sessionId = newSessionId();
    const mod = await h.join(sessionId, 'moderator');
    const watcher = await h.join(sessionId, 'publisher');
    const raw = await h.raw(sessionId);
    const kept = await raw.publish('kept');
    const on = nextEvent(watcher, 'forceMuteChanged');
    await mod.forceMuteAll({ excludedStreamIds: [kept] });
    assert.deepEqual(await on, { active: true, excludedStreamIds: [kept] });
    assert.deepEqual(watcher.forceMute, { active: true, excludedStreamIds: [kept] });
    assert.deepEqual(mod.forceMute, { active: true, excludedStreamIds: [kept] });

    const later = await h.join(sessionId, 'subscriber');
    assert.deepEqual(later.forceMute, { active: true, excludedStreamIds: [kept] }, 'from connected');

    const off = nextEvent(watcher, 'forceMuteChanged');
    await mod.disableForceMute();
    assert.deepEqual(await off, { active: false, excludedStreamIds: [] });
    assert.deepEqual(watcher.forceMute, { active: false, excludedStreamIds: [] });
    await mod.forceMuteAll();
    await nextEvent(later, 'forceMuteChanged');
    assert.deepEqual(later.forceMute, { active: true, excludedStreamIds: [] });
  });

  it('forceDisconnect: the target gets disconnected with reason forceDisconnected, the others connectionDestroyed', async () => {
    const sessionId = newSessionId();
    const mod = await h.join(sessionId, 'moderator');
    const target = await h.join(sessionId, 'publisher');
    const watcher = await h.join(sessionId, 'subscriber');
    const kicked = nextEvent(target, 'disconnected');
    const seen = nextEvent(watcher, 'connectionDestroyed');
    await mod.forceDisconnect(target.connection.id);
    assert.deepEqual(await kicked, {
      reason: 'forceDisconnected',
      code: null,
      closeCode: 4100,
      message: 'A moderator or the app removed you from the session.',
    });
    assert.equal(target.state, 'disconnected');
    assert.equal((await seen).reason, 'forceDisconnected');
    assert.equal(mod.connections.has(target.connection.id), false);
    const err = await rejection(target.signal({ data: 'still here?' }));
    assert.equal(err.code, 'ERR_NOT_CONNECTED');
  });

  it('a dropped socket (its own socket terminated): reconnecting, then the same connection back; the others see nothing', async () => {
    const sessionId = newSessionId();
    const sockets: WebSocket[] = [];
    class TrackedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const watcher = await h.join(sessionId, 'subscriber');
    const dropped = await h.join(sessionId, 'publisher', {}, { WebSocket: TrackedWebSocket });
    const id = dropped.connection.id;
    const reconnecting = nextEvent(dropped, 'reconnecting');
    const reconnected = nextEvent(dropped, 'reconnected', 20_000);
    const destroyed: unknown[] = [];
    watcher.on('connectionDestroyed', (e) => destroyed.push(e));
    sockets[0]!.terminate();
    assert.deepEqual(await reconnecting, { reason: 'networkDisconnected' });
    assert.equal((await reconnected).resumed, true);
    assert.equal(dropped.connection.id, id);
    assert.equal(dropped.state, 'connected');
    assert.equal(sockets.length, 2, 'one new socket');
    const heard = nextEvent(watcher, 'signal');
    await dropped.signal({ data: 'still here' });
    assert.equal((await heard).from?.id, id);
    assert.deepEqual(destroyed, []);
  });

  it('a draining gateway (close 1012) makes the session reconnect, reason serviceRestart, and rejoin where the URL now leads', async () => {
    const own = await Harness.start();
    // A second node on the same registry; like a load balancer, every socket after the first goes to it.
    const next = createGateway({ registry: own.gateway.registry, port: 0 });
    const { port } = await next.listen();
    const closes: number[] = [];
    let opened = 0;
    class Balanced extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        const target = opened++ === 0 ? String(url) : String(url).replace(/:\d+\//, `:${port}/`);
        super(target, protocols);
        this.on('close', (code) => closes.push(code));
      }
    }
    try {
      const sessionId = newSessionId();
      const watcher = await own.join(sessionId, 'subscriber', {}, { url: `ws://127.0.0.1:${port}` });
      const session = await own.join(sessionId, 'publisher', {}, { WebSocket: Balanced });
      const old = session.connection.id;
      const reconnecting = nextEvent(session, 'reconnecting');
      const reconnected = nextEvent(session, 'reconnected', 10_000);
      await own.gateway.close({ drainMs: 2000 });
      assert.deepEqual(await reconnecting, { reason: 'serviceRestart' });
      assert.equal(closes[0], 1012);
      assert.equal((await reconnected).resumed, false, 'a rejoin: the other node never held the connection');
      assert.notEqual(session.connection.id, old);
      assert.equal(session.state, 'connected');
      const heard = nextEvent(watcher, 'signal');
      await session.signal({ data: 'moved' });
      assert.equal((await heard).data, 'moved');
      await Promise.all([session.disconnect(), watcher.disconnect()]);
    } finally {
      await next.close({ drainMs: 100 });
      await own.stop();
    }
  });

  it('a close ERR_SERVER_SHUTTING_DOWN that is not 1012 (an older gateway sent 1001) ends the session, reason serverShutdown', async () => {
    const own = await Harness.start();
    const session = await own.join(newSessionId(), 'subscriber');
    const ended = nextEvent(session, 'disconnected');
    own.gateway.sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
    const event = await ended;
    assert.deepEqual([event.reason, event.code, event.closeCode], ['serverShutdown', 'ERR_SERVER_SHUTTING_DOWN', 1001]);
    await own.stop();
  });

  it('an app that ejects at expiry: disconnected with reason tokenExpired, code ERR_TOKEN_EXPIRED', async () => {
    // No clock tolerance: the eject comes at the token's exp itself, not 30 s later.
    const own = await Harness.start({ appSettings: { ejectAtExpiry: true }, clockTolerance: 0 });
    try {
      const sessionId = newSessionId();
      const session = await own.join(sessionId, 'subscriber', { expireTime: Math.floor(Date.now() / 1000) + 1 });
      const event = await nextEvent(session, 'disconnected', 4000);
      assert.deepEqual([event.reason, event.code, event.closeCode], ['tokenExpired', 'ERR_TOKEN_EXPIRED', 4007]);
    } finally {
      await own.stop();
    }
  });
});
