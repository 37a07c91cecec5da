import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { connect } from './index.js';
import { Harness, newSessionId, nextEvent, rejection } from './test-support/harness.js';

describe('connect', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  it('resolves with the session: own connection, role, capabilities, expiry, the others and their streams', async () => {
    const sessionId = newSessionId();
    const raw = await h.raw(sessionId, 'publisher', { data: 'name=raw' });
    const streamId = await raw.publish('cam');
    const expireTime = Math.floor(Date.now() / 1000) + 3600;
    const session = await h.join(sessionId, 'moderator', { data: 'name=mod', expireTime });

    assert.equal(session.state, 'connected');
    assert.equal(session.sessionId, sessionId);
    assert.equal(session.role, 'moderator');
    assert.equal(session.connection.data, 'name=mod');
    assert.equal(typeof session.connection.id, 'string');
    assert.ok(Math.abs(session.connection.creationTime - Date.now()) < 5000);
    assert.equal(session.expireTime, expireTime);
    assert.deepEqual(session.capabilities, {
      subscribe: true,
      publish: true,
      signal: true,
      forceDisconnect: true,
      forceUnpublish: true,
      forceMute: true,
    });
    assert.deepEqual([...session.connections.keys()], [raw.id]);
    assert.equal(session.connections.get(raw.id)?.data, 'name=raw');
    const stream = session.streams.get(streamId);
    assert.deepEqual(
      { ...stream, creationTime: 0 },
      {
        id: streamId,
        connectionId: raw.id,
        name: 'cam',
        hasAudio: true,
        hasVideo: true,
        videoType: 'camera',
        creationTime: 0,
      },
    );
    assert.deepEqual(session.forceMute, { active: false, excludedStreamIds: [] });
  });

  it('calls a token provider for the token', async () => {
    const sessionId = newSessionId();
    let calls = 0;
    const session = await connect({
      ...h.options(sessionId),
      token: async () => {
        calls++;
        return h.token(sessionId, { role: 'subscriber', data: 'from provider' });
      },
    });
    h.sessions.add(session);
    assert.equal(calls, 1);
    assert.equal(session.role, 'subscriber');
    assert.equal(session.connection.data, 'from provider');
  });

  it('accepts an http:// URL with a trailing slash, and the connect path itself, for the same gateway', async () => {
    const sessionId = newSessionId();
    const session = await h.join(sessionId, 'subscriber', {}, { url: `${h.url.replace('ws', 'http')}/` });
    assert.equal(session.state, 'connected');
    const again = await h.join(sessionId, 'subscriber', {}, { url: `${h.url}/v1/connect` });
    assert.equal(again.state, 'connected');
  });

  it('rejects with the admission refusal: an expired token is ERR_TOKEN_EXPIRED', async () => {
    const sessionId = newSessionId();
    const now = Math.floor(Date.now() / 1000) - 7200;
    const err = await rejection(connect({ ...h.options(sessionId, 'publisher', { now, ttl: 60 }) }));
    assert.equal(err.code, 'ERR_TOKEN_EXPIRED');
    assert.equal(err.details.closeCode, 4007);
    assert.ok(err instanceof Error && err.name === 'StagepassError');
  });

  it('rejects a token for another session with ERR_TOKEN_SESSION_MISMATCH', async () => {
    const err = await rejection(connect({ ...h.options(newSessionId()), token: h.token(newSessionId()) }));
    assert.equal(err.code, 'ERR_TOKEN_SESSION_MISMATCH');
  });

  it('rejects an unknown App ID with ERR_APP_UNKNOWN', async () => {
    const sessionId = newSessionId();
    const err = await rejection(connect({ ...h.options(sessionId), appId: 'no-such-app' }));
    assert.equal(err.code, 'ERR_APP_UNKNOWN');
  });

  it('rejects with ERR_NOT_CONNECTED when nothing listens', async () => {
    const err = await rejection(connect({ ...h.options(newSessionId()), url: 'ws://127.0.0.1:1' }));
    assert.equal(err.code, 'ERR_NOT_CONNECTED');
  });

  it('refuses bad options with ERR_INVALID_OPTION naming the option, before opening a socket', async () => {
    const base = h.options(newSessionId());
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://x' }, 'url'],
      [{ url: `${h.url}?appId=x` }, 'url'],
      [{ appId: '' }, 'appId'],
      [{ sessionId: 'has space' }, 'sessionId'],
      [{ token: '' }, 'token'],
      [{ token: 42 }, 'token'],
      [{ iceServers: 'stun:x' }, 'iceServers'],
      [{ WebSocket: 'ws' }, 'WebSocket'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ tokn: 'x' }, 'tokn'],
    ];
    for (const [change, option] of cases) {
      const err = await rejection(connect({ ...base, ...change } as never));
      assert.equal(err.code, 'ERR_INVALID_OPTION', option);
      assert.equal(err.details.option, option);
    }
    const noWebSocket = await rejection(connect({ ...base, WebSocket: undefined }));
    assert.equal(noWebSocket.code, 'ERR_INVALID_OPTION');
    assert.equal(noWebSocket.details.option, 'WebSocket');
    const badProvider = await rejection(connect({ ...base, token: async () => '' }));
    assert.equal(badProvider.details.option, 'token');
  });

  it('disconnect() closes the socket, emits disconnected (clientDisconnected) and the others see clientDisconnected', async () => {
    const sessionId = newSessionId();
    const watcher = await h.join(sessionId, 'subscriber');
    const leaver = await connect({ ...h.options(sessionId), WebSocket });
    const disconnected = nextEvent(leaver, 'disconnected');
    const destroyed = nextEvent(watcher, 'connectionDestroyed');
    await leaver.disconnect();
    assert.equal(leaver.state, 'disconnected');
    assert.deepEqual(await disconnected, {
      reason: 'clientDisconnected',
      code: null,
      closeCode: 1000,
      message: 'You left the session.',
    });
    const event = await destroyed;
    assert.equal(event.connection.id, leaver.connection.id);
    assert.equal(event.reason, 'clientDisconnected');
    assert.equal(watcher.connections.size, 0);
    assert.equal(leaver.connections.size, 0);
    await leaver.disconnect();
    const err = await rejection(leaver.signal({ data: 'late' }));
    assert.equal(err.code, 'ERR_NOT_CONNECTED');
  });
});
