/**
 * The OT facade's Session in Node against the real gateway (port 0), with `ws` as its WebSocket: the connect
 * callback and events, OpenTok.js's event objects and reasons, signals, moderation, error names and codes.
 * Media (Publisher, Subscriber) needs a browser: ot-sample.browser.test.ts in packages/demo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MintOptions } from '@stagepass/token';
import { WebSocket } from 'ws';
import { Harness, WAIT_MS, newSessionId } from '../test-support/harness.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { OT, initSession, type OTError, type Session, type SessionEvents } from './index.js';

/** The next `type` event of an OT session (or emitter), or a failure after WAIT_MS. */
function next<K extends keyof SessionEvents & string>(session: Session, type: K): Promise<SessionEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${WAIT_MS} ms`)), WAIT_MS);
    session.once(type, (event) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

describe('@stagepass/client/ot Session against the real gateway', () => {
  let h: Harness;
  const open: Session[] = [];
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await Promise.all(open.map((s) => s.disconnect()));
    await h.stop();
  });

  const init = (sessionId: string, url = h.url) => {
    const session = initSession(h.appId, sessionId, { url, WebSocket });
    open.push(session);
    return session;
  };
  /** Connects with the callback form; resolves with the order events and callback came in. */
  const join = async (session: Session, mint: Partial<MintOptions>) => {
    const order: string[] = [];
    session.once('sessionConnected', () => order.push('sessionConnected'));
    const error = await new Promise<OTError | undefined>((resolve) =>
      session.connect(h.token(session.sessionId, mint), (err) => {
        order.push('callback');
        resolve(err);
      }),
    );
    assert.equal(error, undefined);
    return order;
  };

  it('initSession refuses a missing url with OT_INVALID_PARAMETER (1011), naming it', () => {
    assert.throws(
      () => initSession(h.appId, 's', undefined as never),
      (err: OTError) => err.name === 'OT_INVALID_PARAMETER' && err.code === 1011 && /options\.url/.test(err.message),
    );
  });

  it('connect: sessionConnected then the callback, then connectionCreated and streamCreated for who is already there; capabilities as OpenTok.js', async () => {
    const sessionId = newSessionId();
    const ada = await h.raw(sessionId, 'publisher', { data: 'name=Ada' });
    const streamId = await ada.publish('Ada cam', true, false);
    const session = init(sessionId);
    assert.equal(session.capabilities.permittedTo('publish'), false, 'all 0 before connecting');
    const seen: string[] = [];
    session.on('connectionCreated streamCreated', (event) => seen.push(event.type));
    const created = next(session, 'streamCreated');
    const joined = next(session, 'connectionCreated');
    const order = await join(session, { role: 'subscriber', data: 'name=Bob' });
    assert.deepEqual(order, ['sessionConnected', 'callback']);
    const { connection } = await joined;
    const { stream } = await created;
    assert.deepEqual(seen, ['connectionCreated', 'streamCreated']);
    assert.deepEqual({ id: connection.connectionId, data: connection.data }, { id: ada.id, data: 'name=Ada' });
    assert.equal(stream.streamId, streamId);
    assert.equal(stream.connection, connection, 'the same Connection object');
    assert.deepEqual(
      { name: stream.name, hasAudio: stream.hasAudio, hasVideo: stream.hasVideo, videoType: stream.videoType },
      { name: 'Ada cam', hasAudio: true, hasVideo: false, videoType: 'camera' },
    );
    assert.equal(session.connection?.data, 'name=Bob');
    const caps = session.capabilities;
    assert.deepEqual(
      [caps.subscribe, caps.publish, caps.signal, caps.forceDisconnect, caps.forceUnpublish, caps.forceMute],
      [1, 0, 1, 0, 0, 0],
    );
    assert.equal(caps.permittedTo('subscribe'), true);
    assert.equal(caps.permittedTo('forceMute'), false);
    assert.equal(caps.permittedTo('toString'), false, 'only its own flags');
    assert.equal(session.isConnected(), true);
  });

  it('connect with a bad token: OT_AUTHENTICATION_ERROR (1004) to the callback and the promise, with our code', async () => {
    const session = init(newSessionId());
    const bad = `${h.token(session.sessionId).slice(0, -4)}AAAA`;
    const viaCallback = await new Promise<OTError | undefined>((resolve) => session.connect(bad, resolve));
    assert.equal(viaCallback?.name, 'OT_AUTHENTICATION_ERROR');
    assert.equal(viaCallback?.code, OT.ExceptionCodes.AUTHENTICATION_ERROR);
    assert.equal(viaCallback?.stagepassCode, 'ERR_TOKEN_SIGNATURE_INVALID');
    const viaPromise = (await session.connect.promise(bad).catch((err: unknown) => err)) as OTError;
    assert.deepEqual([viaPromise.name, viaPromise.code], ['OT_AUTHENTICATION_ERROR', 1004]);
    const unreachable = initSession(h.appId, 's', { url: 'ws://127.0.0.1:1', WebSocket });
    const failed = (await unreachable.connect.promise(h.token('s')).catch((err: unknown) => err)) as OTError;
    assert.deepEqual(
      [failed.name, failed.code, failed.stagepassCode],
      ['OT_CONNECT_FAILED', 1006, 'ERR_NOT_CONNECTED'],
    );
  });

  it('signal: signal and signal:TYPE get one event (type "signal:chat", data, from the sender’s Connection); to one connection; context; OT_PERMISSION_DENIED (403) for publisheronly', async () => {
    const sessionId = newSessionId();
    const ada = init(sessionId);
    const bob = init(sessionId);
    await join(ada, { data: 'name=Ada' });
    await join(bob, { role: 'subscriber', data: 'name=Bob' });
    const context = { got: [] as string[] };
    const all = next(ada, 'signal');
    const typed = new Promise<SessionEvents['signal']>((resolve) =>
      ada.once(
        'signal:chat',
        function (this: typeof context, event) {
          this.got.push(event.data);
          resolve(event);
        },
        context,
      ),
    );
    await bob.signal({ type: 'chat', data: 'hello' });
    const [event, same] = await Promise.all([all, typed]);
    assert.equal(event, same, 'the same event object');
    assert.deepEqual([event.type, event.data, event.from?.data], ['signal:chat', 'hello', 'name=Bob']);
    assert.deepEqual(context.got, ['hello']);
    // To one connection: only Ada gets it (Bob, who sent it, does not).
    let bobGot = 0;
    bob.on('signal', () => bobGot++);
    const direct = next(ada, 'signal');
    await new Promise<void>((resolve, reject) =>
      bob.signal({ data: 'psst', to: ada.connection! }, (err) => (err ? reject(err) : resolve())),
    );
    const untyped = await direct;
    assert.deepEqual([untyped.type, untyped.data], ['signal', 'psst']);
    assert.equal(bobGot, 0);
    const cleo = init(sessionId);
    await join(cleo, { role: 'publisheronly' });
    const refused = (await cleo.signal({ data: 'x' }).catch((err: unknown) => err)) as OTError;
    assert.deepEqual(
      [refused.name, refused.code, refused.stagepassCode],
      ['OT_PERMISSION_DENIED', 403, 'ERR_CAPABILITY_DENIED'],
    );
    const tooBig = (await bob.signal({ data: 'x'.repeat(9000) }).catch((err: unknown) => err)) as OTError;
    assert.deepEqual([tooBig.name, tooBig.code], ['OT_INVALID_PARAMETER', 400]);
  });

  it('moderation: forceMuteStream → streamPropertyChanged (hasAudio true → false, the Stream updated in place); forceMuteAll / disableForceMute → muteForced active true / false; refused for a subscriber with 1540', async () => {
    const sessionId = newSessionId();
    const raw = await h.raw(sessionId, 'publisher', { data: 'name=Ada' });
    const streamId = await raw.publish('Ada', true, true);
    const mia = init(sessionId);
    const bob = init(sessionId);
    const miaStream = next(mia, 'streamCreated');
    await join(mia, { role: 'moderator' });
    const bobStream = next(bob, 'streamCreated');
    await join(bob, { role: 'subscriber' });
    const { stream } = await bobStream;
    await miaStream;
    const changed = next(bob, 'streamPropertyChanged');
    await mia.forceMuteStream(stream);
    const event = await changed;
    assert.deepEqual(
      [event.changedProperty, event.oldValue, event.newValue, event.stream === stream, stream.hasAudio],
      ['hasAudio', true, false, true, false],
    );
    const muted = next(bob, 'muteForced');
    await mia.forceMuteAll();
    assert.equal((await muted).active, true);
    const lifted = next(bob, 'muteForced');
    await mia.disableForceMute();
    assert.equal((await lifted).active, false);
    const refused = (await bob.forceMuteAll().catch((err: unknown) => err)) as OTError;
    assert.deepEqual([refused.name, refused.code], ['OT_PERMISSION_DENIED', OT.ExceptionCodes.UNABLE_TO_FORCE_MUTE]);
    const unknown = (await mia.forceMuteStream('nope').catch((err: unknown) => err)) as OTError;
    assert.equal(unknown.name, 'OT_NOT_FOUND');
    const ended = next(bob, 'streamDestroyed');
    await new Promise<void>((resolve, reject) => mia.forceUnpublish(stream, (err) => (err ? reject(err) : resolve())));
    const destroyed = await ended;
    assert.deepEqual(
      [destroyed.stream.streamId, destroyed.reason, destroyed.cancelable],
      [streamId, 'forceUnpublished', true],
    );
  });

  it('forceDisconnect: the removed client gets sessionDisconnected "forceDisconnected"; the others its streamDestroyed then connectionDestroyed, both "forceDisconnected"', async () => {
    const sessionId = newSessionId();
    const ada = init(sessionId);
    const mia = init(sessionId);
    await join(mia, { role: 'moderator' });
    const adaJoined = next(mia, 'connectionCreated');
    await join(ada, { data: 'name=Ada' });
    const { connection } = await adaJoined;
    // A publisher without media (Node has no camera): its stream ends with its connection.
    const streamSeen = next(mia, 'streamCreated');
    const pub = await h.raw(sessionId, 'publisher', { data: 'name=Pat' });
    await pub.publish('Pat');
    const { stream } = await streamSeen;
    const order: string[] = [];
    mia.on({
      streamDestroyed: (e) => order.push(`streamDestroyed:${e.reason}`),
      connectionDestroyed: (e) => order.push(`connectionDestroyed:${e.connection.data}:${e.reason}`),
    });
    const gone = next(ada, 'sessionDisconnected');
    await mia.forceDisconnect(connection);
    const bye = await gone;
    assert.deepEqual(
      [bye.reason, bye.stagepassReason, bye.cancelable],
      ['forceDisconnected', 'forceDisconnected', true],
    );
    assert.equal(ada.isConnected(), false);
    assert.equal(ada.capabilities.permittedTo('publish'), false);
    const notConnected = (await ada.signal({ data: 'x' }).catch((err: unknown) => err)) as OTError;
    assert.deepEqual([notConnected.name, notConnected.code], ['OT_NOT_CONNECTED', 500]);
    const patLeft = next(mia, 'connectionDestroyed');
    await mia.forceDisconnect(stream.connection);
    await patLeft;
    assert.deepEqual(order, [
      'connectionDestroyed:name=Ada:forceDisconnected',
      'streamDestroyed:forceDisconnected',
      'connectionDestroyed:name=Pat:forceDisconnected',
    ]);
  });

  it('disconnect: sessionDisconnected "clientDisconnected"; the others see connectionDestroyed "clientDisconnected"', async () => {
    const sessionId = newSessionId();
    const ada = init(sessionId);
    const bob = init(sessionId);
    await join(ada, {});
    await join(bob, { role: 'subscriber' });
    const left = next(bob, 'connectionDestroyed');
    const gone = next(ada, 'sessionDisconnected');
    await ada.disconnect();
    assert.equal((await gone).reason, 'clientDisconnected');
    assert.equal((await left).reason, 'clientDisconnected');
  });

  it('a network drop: sessionReconnecting, then sessionReconnected with the same connection', async () => {
    const proxy = await TcpProxy.start(h.url);
    try {
      const session = init(newSessionId(), proxy.url);
      await join(session, {});
      const id = session.connection?.connectionId;
      const reconnecting = next(session, 'sessionReconnecting');
      proxy.cut(true);
      await reconnecting;
      const reconnected = next(session, 'sessionReconnected');
      proxy.release();
      await reconnected;
      assert.equal(session.connection?.connectionId, id);
      await session.disconnect();
    } finally {
      await proxy.stop();
    }
  });
});

describe('@stagepass/client/ot when the gateway stops', () => {
  it('sessionDisconnected "networkDisconnected" (stagepassReason serverShutdown, code ERR_SERVER_SHUTTING_DOWN)', async () => {
    const h = await Harness.start();
    const session = initSession(h.appId, 'stopping', { url: h.url, WebSocket });
    await session.connect.promise(h.token('stopping'));
    const gone = next(session, 'sessionDisconnected');
    // A close 1012 (a drain) makes the SDK reconnect; a close ERR_SERVER_SHUTTING_DOWN with 1001 ends the session.
    h.gateway.sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
    const event = await gone;
    await h.stop();
    assert.deepEqual(
      [event.reason, event.stagepassReason, event.code],
      ['networkDisconnected', 'serverShutdown', 'ERR_SERVER_SHUTTING_DOWN'],
    );
  });
});
