/**
 * Resume (docs/protocol.md "Resume") through the real gateway on port 0, with raw frames: a socket
 * dropped from the test side (`terminate()`: no close frame, the gateway sees 1006) is suspended for
 * the resume window; `resume` with its secret gets the same connection back, and the others see nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { TestGateway, newSessionId, type Joined } from './test-support/test-gateway.js';

/** Polls `condition` until it holds (the machine is loaded: generous, never a timed assertion). */
async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function resumeMessage(connectionId: string, resumeSecret: string) {
  return { type: 'resume', v: PROTOCOL_VERSION, connectionId, resumeSecret };
}

/** Opens a socket and sends `resume`; resolves with `resumed`, or rejects with the close. */
async function resume(g: TestGateway, sessionId: string, connectionId: string, secret: string) {
  const client = g.open(sessionId);
  await client.opened;
  client.send(resumeMessage(connectionId, secret));
  const resumed = await Promise.race([
    client.next('resumed'),
    client.closed.then((info) => {
      throw Object.assign(new Error(`refused: ${info.code} ${info.reason}`), info);
    }),
  ]);
  return { client, resumed };
}

async function refusal(g: TestGateway, sessionId: string, connectionId: string, secret: string) {
  const client = g.open(sessionId);
  await client.opened;
  client.send(resumeMessage(connectionId, secret));
  const info = await client.closedWithin(10_000);
  assert.equal(
    client.received.find((m) => m.type === 'resumed'),
    undefined,
  );
  return info;
}

describe('resume', () => {
  let g: TestGateway;
  before(async () => {
    g = await TestGateway.start({ resumeWindowMs: 60_000 });
  });
  after(async () => {
    await g.stop();
  });

  it('gives the same connection back within the window; the others see nothing; its streams and subscribers stay', async () => {
    const sessionId = newSessionId('resume');
    const a: Joined = await g.join(sessionId, { role: 'publisher', data: 'a' });
    const b: Joined = await g.join(sessionId, { role: 'publisher', data: 'b' });
    await a.client.next('connectionCreated');
    assert.match(a.connected.resumeSecret, /^[A-Za-z0-9_-]{43}$/);
    const published = await a.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
    assert.equal(published.type, 'ack');
    const streamId = (published as unknown as { result: { streamId: string } }).result.streamId;
    const subscribed = await b.client.request({ type: 'subscribe', streamId });
    const subscriptionId = (subscribed as unknown as { result: { subscriptionId: string } }).result.subscriptionId;

    a.client.ws.terminate();
    await until(() => g.gateway.sessions.stats().connections === 2, 'a stays in the session');
    // What is sent to a suspended connection is dropped, not an error for the sender.
    const signal = await b.client.request({ type: 'signal', to: a.id, data: 'lost' });
    assert.equal(signal.type, 'ack');

    const { client, resumed } = await resume(g, sessionId, a.id, a.connected.resumeSecret);
    assert.equal(resumed.connection.id, a.id);
    assert.deepEqual(resumed.connection, a.connected.connection);
    assert.deepEqual(
      resumed.connections.map((c) => c.id),
      [b.id],
    );
    assert.deepEqual(
      resumed.streams.map((s) => s.id),
      [streamId],
    );
    assert.deepEqual(resumed.subscribers, [{ subscriptionId, streamId, connectionId: b.id }]);
    assert.notEqual(resumed.resumeSecret, a.connected.resumeSecret, 'a new secret at each resume');
    assert.equal(resumed.role, 'publisher');
    // It is the same connection: requests work, and the others' events reach it again.
    const ping = await client.request({ type: 'signal', data: 'back' });
    assert.equal(ping.type, 'ack');
    const back = await b.client.next('signal', (m) => m.data === 'back');
    assert.equal(back.from, a.id);
    await client.next('signal', (m) => m.data === 'back');
    assert.equal(
      client.received.some((m) => m.type === 'signal' && m.data === 'lost'),
      false,
      'the signal sent while away is lost',
    );
    assert.equal(
      b.client.received.some((m) => m.type === 'connectionDestroyed' || m.type === 'streamDestroyed'),
      false,
    );
    assert.equal(await g.registryMetric('stagepass_admissions_total', 'result="resumed"'), 1);
  });

  it('the old secret no longer works once resumed; a wrong secret or another session is refused 4027 ERR_RESUME_REFUSED', async () => {
    const sessionId = newSessionId('resume');
    const a = await g.join(sessionId);
    a.client.ws.terminate();
    await until(() => g.gateway.sessions.stats().connections >= 1, 'suspended');
    const wrong = a.connected.resumeSecret.startsWith('A')
      ? `B${a.connected.resumeSecret.slice(1)}`
      : `A${a.connected.resumeSecret.slice(1)}`;
    assert.deepEqual(await refusal(g, sessionId, a.id, wrong), { code: 4027, reason: 'ERR_RESUME_REFUSED' });
    assert.deepEqual(await refusal(g, newSessionId('other'), a.id, a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
    assert.deepEqual(await refusal(g, sessionId, 'nobody', a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
    // Still suspended after the refusals: the right secret works, once.
    const { client, resumed } = await resume(g, sessionId, a.id, a.connected.resumeSecret);
    assert.equal(resumed.connection.id, a.id);
    client.ws.terminate();
    assert.deepEqual(await refusal(g, sessionId, a.id, a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
    const again = await resume(g, sessionId, a.id, resumed.resumeSecret);
    assert.equal(again.resumed.connection.id, a.id);
  });

  it('a resume of a connection whose old socket the gateway still holds moves it: the old socket is closed 1000', async () => {
    const sessionId = newSessionId('resume');
    const a = await g.join(sessionId);
    const b = await g.join(sessionId);
    const { resumed } = await resume(g, sessionId, a.id, a.connected.resumeSecret);
    assert.equal(resumed.connection.id, a.id);
    assert.equal((await a.client.closedWithin(10_000)).code, 1000);
    await b.client.nothing('connectionDestroyed', 200);
    assert.equal(g.gateway.sessions.stats().connections >= 2, true);
  });

  it('refuses a resume after a force-disconnect and after a revocation, while suspended', async () => {
    const sessionId = newSessionId('resume');
    const mod = await g.join(sessionId, { role: 'moderator' });
    const a = await g.join(sessionId);
    const nowS = Math.floor(Date.now() / 1000);
    const otherSession = newSessionId('revoked');
    const watcher = await g.join(otherSession);
    const b = await g.join(otherSession, { now: nowS - 100 });
    const sockets = await g.registryMetric('stagepass_sockets');
    a.client.ws.terminate();
    b.client.ws.terminate();
    // Suspended once the gateway saw both sockets go (still 4 connections).
    await until(async () => (await g.registryMetric('stagepass_sockets')) <= sockets - 2, 'the gateway saw the drops');
    assert.equal(g.gateway.sessions.stats().connections >= 4, true);
    const kicked = await mod.client.request({ type: 'forceDisconnect', connectionId: a.id });
    assert.equal(kicked.type, 'ack');
    const gone = await mod.client.next('connectionDestroyed', (m) => m.connectionId === a.id);
    assert.equal(gone.reason, 'forceDisconnected');
    // Its own client (the right secret) learns the close it would have had; anyone else, and a second try, 4027.
    assert.deepEqual(await refusal(g, sessionId, a.id, 'A'.repeat(43)), { code: 4027, reason: 'ERR_RESUME_REFUSED' });
    assert.deepEqual(await refusal(g, sessionId, a.id, a.connected.resumeSecret), {
      code: 4100,
      reason: 'forceDisconnected',
    });
    assert.deepEqual(await refusal(g, sessionId, a.id, a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });

    const count = await g.gateway.sessions.disconnectRevoked(g.app.appId, {
      kind: 'issuedBefore',
      sessionId: otherSession,
      issuedBefore: nowS - 50,
    });
    assert.equal(count, 1);
    const revoked = await watcher.client.next('connectionDestroyed', (m) => m.connectionId === b.id);
    assert.equal(revoked.reason, 'forceDisconnected');
    assert.deepEqual(await refusal(g, sessionId, b.id, b.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
    assert.deepEqual(await refusal(g, otherSession, b.id, b.connected.resumeSecret), {
      code: 4014,
      reason: 'ERR_TOKEN_REVOKED',
    });
  });

  it('a clean close ends the connection at once: no window, no resume', async () => {
    const sessionId = newSessionId('resume');
    const a = await g.join(sessionId);
    const b = await g.join(sessionId);
    a.client.close(1000);
    const gone = await b.client.next('connectionDestroyed', () => true, 10_000);
    assert.equal(gone.reason, 'clientDisconnected');
    assert.deepEqual(await refusal(g, sessionId, a.id, a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
  });

  it('refuses resume as a later message, and checks the app first', async () => {
    const sessionId = newSessionId('resume');
    const a = await g.join(sessionId);
    a.client.send(resumeMessage(a.id, a.connected.resumeSecret));
    const reply = await a.client.next('error');
    assert.equal(reply.code, 'ERR_MESSAGE_INVALID');
    const stranger = g.open(sessionId, 'no-such-app');
    await stranger.opened;
    stranger.send(resumeMessage(a.id, a.connected.resumeSecret));
    assert.deepEqual(await stranger.closedWithin(10_000), { code: 4012, reason: 'ERR_APP_UNKNOWN' });
  });
});

describe('resume window', () => {
  let g: TestGateway;
  before(async () => {
    g = await TestGateway.start({ resumeWindowMs: 300 });
  });
  after(async () => {
    await g.stop();
  });

  it('past the window the others see networkDisconnected (and its streams destroyed) and a resume is refused', async () => {
    const sessionId = newSessionId('window');
    const a = await g.join(sessionId);
    const b = await g.join(sessionId);
    const published = await a.client.request({ type: 'publish', hasAudio: true, hasVideo: false });
    assert.equal(published.type, 'ack');
    a.client.ws.terminate();
    const streamGone = await b.client.next('streamDestroyed', () => true, 15_000);
    assert.equal(streamGone.reason, 'connectionClosed');
    const gone = await b.client.next('connectionDestroyed', () => true, 15_000);
    assert.deepEqual(gone, { type: 'connectionDestroyed', connectionId: a.id, reason: 'networkDisconnected' });
    assert.deepEqual(await refusal(g, sessionId, a.id, a.connected.resumeSecret), {
      code: 4027,
      reason: 'ERR_RESUME_REFUSED',
    });
  });
});

describe('resume off (resumeWindowMs 0)', () => {
  it('a drop ends the connection at once', async () => {
    const g = await TestGateway.start({ resumeWindowMs: 0 });
    try {
      const sessionId = newSessionId('off');
      const a = await g.join(sessionId);
      const b = await g.join(sessionId);
      a.client.ws.terminate();
      const gone = await b.client.next('connectionDestroyed', () => true, 10_000);
      assert.equal(gone.reason, 'networkDisconnected');
    } finally {
      await g.stop();
    }
  });
});
