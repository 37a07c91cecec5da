/**
 * Resume and rejoin through the real gateway (docs/protocol.md "Resume"): the SDK joins through a
 * TCP proxy that the test cuts (a network drop: no close frame) and holds shut while it changes the
 * session; conditions are polled with generous deadlines, never timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemorySessionService } from '@stagepass/gateway';
import { CLOSE_CODES } from '@stagepass/protocol';
import type { Session, SessionEvents } from './index.js';
import { fakeCamera, fakeWebRtc } from './test-support/fake-webrtc.js';
import { Harness, newSessionId, nextEvent, type RawClient } from './test-support/harness.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const LONG_MS = 20_000;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = LONG_MS): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every event of `session` from now on, by name, in order. */
function record(session: Session): { type: string; event: unknown }[] {
  const seen: { type: string; event: unknown }[] = [];
  const types: (keyof SessionEvents)[] = [
    'connectionCreated',
    'connectionDestroyed',
    'streamCreated',
    'streamDestroyed',
    'streamPropertyChanged',
    'muteForced',
    'forceMuteChanged',
    'reconnecting',
    'reconnected',
    'disconnected',
  ];
  for (const type of types) session.on(type, (event: unknown) => seen.push({ type, event }));
  return seen;
}

/** Cuts the proxy and holds it shut; resolves once the gateway saw the socket go (it is suspended then). */
async function drop(h: Harness, proxy: TcpProxy, session: Session): Promise<void> {
  const sockets = await h.metric('stagepass_sockets');
  proxy.cut(true);
  await until(() => session.state === 'reconnecting', 'reconnecting');
  await until(async () => (await h.metric('stagepass_sockets')) < sockets, 'the gateway saw the drop');
}

const onlyRaw = (raw: RawClient, type: string) => raw.inbox.filter((m) => m.type === type);

describe('reconnect: resume within the window', () => {
  let h: Harness;
  let proxy: TcpProxy;
  before(async () => {
    h = await Harness.start();
    proxy = await TcpProxy.start(h.url);
  });
  after(async () => {
    await h.stop();
    await proxy.stop();
  });

  const join = (sessionId: string, mint = {}) =>
    h.join(sessionId, 'publisher', mint, { url: proxy.url, ...fakeWebRtc, timeoutMs: 5000 });

  it('gets the same connection back: reconnecting, then reconnected; the others see nothing; its stream stays', async () => {
    const sessionId = newSessionId();
    const watcher = await h.raw(sessionId, 'moderator');
    const a = await join(sessionId, { data: 'a' });
    const pub = await a.publish(fakeCamera().stream, { name: 'a cam' });
    await watcher.next('streamCreated');
    const id = a.connection.id;
    const events = record(a);
    await drop(h, proxy, a);
    proxy.release();
    const reconnected = (await nextEvent(a, 'reconnected', LONG_MS)) as SessionEvents['reconnected'];
    assert.deepEqual(reconnected, {
      resumed: true,
      previousConnectionId: id,
      connectionsCreated: [],
      connectionsDestroyed: [],
      streamsCreated: [],
      streamsDestroyed: [],
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['reconnecting', 'reconnected'],
    );
    assert.equal(a.connection.id, id);
    assert.equal(a.state, 'connected');
    assert.equal(pub.destroyed, false);
    assert.deepEqual([...a.streams.keys()], [pub.streamId]);
    assert.deepEqual([...a.connections.keys()], [watcher.id]);
    // The same connection: the others hear from it under its old ID, and it hears them.
    const heard = watcher.next('signal', (m) => m.data === 'back');
    await a.signal({ data: 'back' });
    assert.equal((await heard).from, id);
    assert.deepEqual(onlyRaw(watcher, 'connectionDestroyed'), []);
    assert.deepEqual(onlyRaw(watcher, 'streamDestroyed'), []);
  });

  it('delivers exactly the difference: gone, came and went (nothing), arrived and stayed; force mute re-applied', async () => {
    const sessionId = newSessionId();
    const moderator = await h.raw(sessionId, 'moderator');
    const leaver = await h.raw(sessionId, 'publisher', { data: 'leaver' });
    const leaverStream = await leaver.publish('leaver cam');
    const a = await join(sessionId, { data: 'a' });
    const { stream: camera, audio } = fakeCamera();
    const pub = await a.publish(camera);
    const events = record(a);
    await drop(h, proxy, a);

    // While away: one leaves, one comes and goes, one arrives and stays; everything is force-muted.
    leaver.ws.close(1000);
    await moderator.next('connectionDestroyed', (m) => m.connectionId === leaver.id);
    const passer = await h.raw(sessionId, 'publisher', { data: 'passer' });
    await passer.publish('passer cam');
    passer.ws.close(1000);
    await moderator.next('connectionDestroyed', (m) => m.connectionId === passer.id);
    await moderator.request({ type: 'forceMuteAll' });
    const stayer = await h.raw(sessionId, 'publisher', { data: 'stayer' });
    const stayerStream = await stayer.publish('stayer cam');

    proxy.release();
    const reconnected = (await nextEvent(a, 'reconnected', LONG_MS)) as SessionEvents['reconnected'];
    assert.equal(reconnected.resumed, true);
    assert.deepEqual(
      reconnected.connectionsDestroyed.map((c) => c.data),
      ['leaver'],
    );
    assert.deepEqual(
      reconnected.connectionsCreated.map((c) => c.data),
      ['stayer'],
    );
    assert.deepEqual(
      reconnected.streamsDestroyed.map((s) => s.id),
      [leaverStream],
    );
    assert.deepEqual(
      reconnected.streamsCreated.map((s) => s.id),
      [stayerStream],
    );
    const summary = events.map(({ type, event }) => {
      const e = event as Record<string, { id?: string; data?: string | null } | string | boolean | undefined>;
      if (type === 'connectionCreated' || type === 'connectionDestroyed')
        return `${type} ${(e.connection as { data: string }).data} ${e.reason ?? ''}`.trim();
      if (type === 'streamCreated' || type === 'streamDestroyed')
        return `${type} ${(e.stream as { id: string }).id === leaverStream ? 'leaver' : (e.stream as { id: string }).id === stayerStream ? 'stayer' : 'other'} ${e.reason ?? ''}`.trim();
      if (type === 'streamPropertyChanged')
        return `${type} ${String(e.property)} ${String(e.reason)} local=${String(e.local)}`;
      if (type === 'forceMuteChanged') return `${type} ${String(e.active)}`;
      return type;
    });
    assert.deepEqual(summary, [
      'reconnecting',
      'streamDestroyed leaver whileReconnecting',
      'connectionDestroyed leaver whileReconnecting',
      'connectionCreated stayer',
      'streamCreated stayer',
      'streamPropertyChanged hasAudio forceMuted local=true',
      'muteForced',
      'forceMuteChanged true',
      'reconnected',
    ]);
    assert.equal(audio.enabled, false, 'the force mute is applied to the track');
    assert.equal(a.streams.get(pub.streamId)?.hasAudio, false);
    assert.deepEqual(a.forceMute, { active: true, excludedStreamIds: [] });
    assert.deepEqual([...a.connections.values()].map((c) => c.data).sort(), [null, 'stayer']);
  });

  it('a publisher offers to a subscriber that came while it was away (the subscribers of the resumed snapshot)', async () => {
    const sessionId = newSessionId();
    const alice = await join(sessionId);
    const pub = await alice.publish(fakeCamera().stream);
    const bob = await h.join(sessionId, 'subscriber', {}, { ...fakeWebRtc });
    await until(() => bob.streams.has(pub.streamId), "Bob knows Alice's stream");
    await drop(h, proxy, alice);
    const sub = await bob.subscribe(pub.streamId);
    proxy.release();
    await nextEvent(alice, 'reconnected', LONG_MS);
    await until(() => sub.mediaStream.getTracks().length === 2, 'Bob gets both tracks');
    assert.equal(sub.destroyed, false);
  });

  it('no resume after a force-disconnect while away: disconnected forceDisconnected, no rejoin', async () => {
    const sessionId = newSessionId();
    const moderator = await h.raw(sessionId, 'moderator');
    let calls = 0;
    const a = await h.join(
      sessionId,
      'publisher',
      {},
      {
        url: proxy.url,
        timeoutMs: 5000,
        token: () => {
          calls++;
          return h.token(sessionId, { role: 'publisher' });
        },
      },
    );
    await drop(h, proxy, a);
    await moderator.request({ type: 'forceDisconnect', connectionId: a.connection.id });
    const ended = nextEvent(a, 'disconnected', LONG_MS);
    proxy.release();
    const info = await ended;
    assert.equal(info.reason, 'forceDisconnected');
    assert.equal(info.closeCode, 4100);
    assert.equal(calls, 1, 'no fresh token asked for');
  });

  it('no resume after a revocation while away: disconnected tokenRevoked ERR_TOKEN_REVOKED', async () => {
    const sessionId = newSessionId();
    const nowS = Math.floor(Date.now() / 1000);
    const a = await join(sessionId, { now: nowS - 100 });
    await drop(h, proxy, a);
    const count = await h.gateway.sessions.disconnectRevoked(h.appId, {
      kind: 'issuedBefore',
      sessionId,
      issuedBefore: nowS - 50,
    });
    assert.equal(count, 1);
    const ended = nextEvent(a, 'disconnected', LONG_MS);
    proxy.release();
    const info = await ended;
    assert.deepEqual([info.reason, info.code], ['tokenRevoked', 'ERR_TOKEN_REVOKED']);
  });
});

describe('reconnect: past the resume window, a rejoin', () => {
  let h: Harness;
  let proxy: TcpProxy;
  before(async () => {
    h = await Harness.start({ resumeWindowMs: 200 });
    proxy = await TcpProxy.start(h.url);
  });
  after(async () => {
    await h.stop();
    await proxy.stop();
  });

  it('the others see networkDisconnected; the SDK rejoins as a new connection with a fresh token from the provider', async () => {
    const sessionId = newSessionId();
    const watcher = await h.raw(sessionId, 'moderator');
    let calls = 0;
    const a = await h.join(
      sessionId,
      'publisher',
      {},
      {
        url: proxy.url,
        ...fakeWebRtc,
        timeoutMs: 5000,
        token: () => {
          calls++;
          return h.token(sessionId, { role: 'publisher', data: `token ${calls}` });
        },
      },
    );
    const pub = await a.publish(fakeCamera().stream);
    const old = a.connection.id;
    const events = record(a);
    await drop(h, proxy, a);
    const gone = await watcher.next('connectionDestroyed', (m) => m.connectionId === old);
    assert.equal(gone.reason, 'networkDisconnected');
    proxy.release();
    const reconnected = (await nextEvent(a, 'reconnected', LONG_MS)) as SessionEvents['reconnected'];
    assert.equal(reconnected.resumed, false);
    assert.equal(reconnected.previousConnectionId, old);
    assert.notEqual(a.connection.id, old);
    assert.equal(a.connection.data, 'token 2');
    assert.equal(calls, 2);
    assert.equal(pub.destroyed, true, "the old connection's stream ended with it");
    assert.deepEqual(
      events.map((e) => e.type),
      ['reconnecting', 'streamDestroyed', 'reconnected'],
    );
    assert.equal((events[1]!.event as { reason: string; local: boolean }).reason, 'connectionClosed');
    const joined = await watcher.next('connectionCreated', (m) => m.connection.id === a.connection.id);
    assert.equal(joined.connection.data, 'token 2');
    assert.deepEqual([...a.connections.keys()], [watcher.id]);
  });

  it('a string token is reused while valid; past its expiry: disconnected ERR_TOKEN_EXPIRED', async () => {
    const sessionId = newSessionId();
    const watcher = await h.raw(sessionId, 'moderator');
    const valid = await h.join(sessionId, 'publisher', {}, { url: proxy.url, timeoutMs: 5000 });
    // Expired 10 s ago: still admitted within the gateway's 30 s clock tolerance, but not renewable.
    const expired = await h.join(
      sessionId,
      'publisher',
      { now: Math.floor(Date.now() / 1000) - 100, expireTime: Math.floor(Date.now() / 1000) - 10 },
      { url: proxy.url, timeoutMs: 5000 },
    );
    const validId = valid.connection.id;
    const sockets = await h.metric('stagepass_sockets');
    proxy.cut(true);
    await until(async () => (await h.metric('stagepass_sockets')) <= sockets - 2, 'the gateway saw both drops');
    await watcher.next('connectionDestroyed', (m) => m.connectionId === validId);
    const ended = nextEvent(expired, 'disconnected', LONG_MS);
    const back = nextEvent(valid, 'reconnected', LONG_MS);
    proxy.release();
    const info = await ended;
    assert.deepEqual([info.reason, info.code], ['tokenExpired', 'ERR_TOKEN_EXPIRED']);
    assert.equal((await back).resumed, false);
    assert.notEqual(valid.connection.id, validId);
  });
});

describe('reconnect: a cluster node lost the session (close 1013 ERR_UNAVAILABLE)', () => {
  let h: Harness;
  let core: MemorySessionService | undefined;
  before(async () => {
    // The node's own core, closed the way a cluster node closes the members of a session whose owner died.
    h = await Harness.start({ sessions: (events) => (core = new MemorySessionService({ events })) });
  });
  after(() => h.stop());

  it('reconnecting serviceUnavailable, then a rejoin into the session as it is now', async () => {
    const sessionId = newSessionId();
    const gone = await h.raw(sessionId, 'moderator');
    const a = await h.join(sessionId, 'publisher', { data: 'a' }, { timeoutMs: 5000 });
    const old = a.connection.id;
    assert.deepEqual([...a.connections.keys()], [gone.id]);
    const events = record(a);
    core!.closeSession(h.appId, sessionId, CLOSE_CODES.tryAgainLater, 'ERR_UNAVAILABLE');
    const reconnected = (await nextEvent(a, 'reconnected', LONG_MS)) as SessionEvents['reconnected'];
    assert.deepEqual(events[0], { type: 'reconnecting', event: { reason: 'serviceUnavailable' } });
    assert.equal(reconnected.resumed, false, 'the session state was gone: a rejoin');
    assert.notEqual(a.connection.id, old);
    assert.equal(a.connection.data, 'a');
    assert.deepEqual(
      reconnected.connectionsDestroyed.map((c) => c.id),
      [gone.id],
      'the member that did not come back is reported gone',
    );
    assert.equal(a.state, 'connected');
    const late = await h.join(sessionId, 'subscriber');
    assert.deepEqual([...late.connections.keys()], [a.connection.id], 'one session state, with a in it');
  });
});
