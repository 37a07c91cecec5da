/**
 * The connection protocol without a socket: a fake transport subclass, a controllable admission,
 * and the real in-memory session service.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { CAPABILITIES, PROTOCOL_VERSION, StagepassError, type ServerMessage } from '@stagepass/protocol';
import { pino } from 'pino';
import type { Admission, AdmissionRequest } from '../admission/admit-client.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { createHotCounts } from '../observability/gateway-metrics.js';
import { createMemorySessionService } from '../session/memory-session-service.js';
import type { Outbound } from '../session/outbound.js';
import type { AdmittedClient, Peer, SessionService } from '../session/session-service.js';
import { ADMITTING, CLOSED, CLOSING, ClientProtocol, OPEN, type ProtocolContext } from './client-protocol.js';
import { createExpirySchedule } from './expiry-schedule.js';
import { createResumeWindows } from './resume-windows.js';
import { RATE_LIMIT_CLOSE_AFTER_REFUSED } from './rate-limit.js';

const NOW_S = Math.floor(Date.now() / 1000);

/** A transport that records what would go to the socket. */
class FakeConnection extends ClientProtocol {
  readonly texts: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  destroyed = false;
  send(message: Outbound): void {
    if (this.state >= CLOSING) return;
    this.texts.push(message.text);
  }
  get messages(): ServerMessage[] {
    return this.texts.map((t) => JSON.parse(t) as ServerMessage);
  }
  protected closeSocket(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  protected destroySocket(): void {
    this.destroyed = true;
  }
  protected pingSocket(): void {}
}

class RecordingPeer implements Peer {
  readonly messages: ServerMessage[] = [];
  send(message: Outbound): void {
    this.messages.push(JSON.parse(message.text) as ServerMessage);
  }
  close(): void {}
}

function client(extra: Partial<AdmittedClient> = {}): AdmittedClient {
  return {
    appId: 'app',
    sessionId: 's1',
    role: 'publisher',
    capabilities: CAPABILITIES.publisher,
    data: null,
    tokenId: `t-${Math.random()}`,
    issuedAt: NOW_S - 60,
    expireTime: NOW_S + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
    ...extra,
  };
}

/** An admission that answers when the test says so. */
function heldAdmission() {
  const requests: AdmissionRequest[] = [];
  let settle: { resolve: (c: AdmittedClient) => void; reject: (e: unknown) => void } | undefined;
  const admission: Admission = {
    admit(request) {
      requests.push(request);
      return new Promise<AdmittedClient>((resolve, reject) => {
        settle = { resolve, reject };
      });
    },
    async checkApp() {},
  };
  return {
    admission,
    requests,
    admit: (c: AdmittedClient = client()) => settle!.resolve(c),
    refuse: (err: unknown) => settle!.reject(err),
  };
}

function setup(options: { burst?: number; now?: () => number; resumeWindowMs?: number } = {}) {
  const held = heldAdmission();
  const sessions: SessionService = createMemorySessionService();
  const ctx: ProtocolContext = {
    sessions,
    admission: held.admission,
    metrics: { admissions: { inc() {} }, closes: { inc() {} } } as unknown as GatewayMetrics,
    hot: createHotCounts(),
    logger: pino({ level: 'silent' }),
    rateLimit: { perSecond: 50, burst: options.burst ?? 100 },
    admissionTimeoutMs: 10_000,
    ejects: createExpirySchedule(options.now ?? Date.now),
    resumes: createResumeWindows(sessions, options.resumeWindowMs ?? 30_000, () => performance.now()),
    connections: new Set(),
    onClosed() {},
  };
  const connection = new FakeConnection(ctx, '127.0.0.1', 'app', 's1', undefined);
  ctx.connections.add(connection);
  return { ctx, sessions, held, connection };
}

const connect = JSON.stringify({ type: 'connect', v: PROTOCOL_VERSION, token: 'tok' });
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('client protocol: admission in flight', () => {
  it('holds the frames that arrive while admitting and handles them in order after connected; a second connect is no second admission', async () => {
    const { connection, held } = setup();
    connection.receive(connect);
    assert.equal(connection.state, ADMITTING);
    connection.receive(connect);
    connection.receive(JSON.stringify({ type: 'publish', id: 1, hasAudio: true, hasVideo: false }));
    connection.receive(JSON.stringify({ type: 'signal', id: 2, data: 'hi' }));
    assert.equal(held.requests.length, 1, 'one admission only');
    assert.deepEqual(connection.texts, [], 'nothing is answered before connected');
    held.admit();
    await settled();
    assert.equal(connection.state, OPEN);
    const messages = connection.messages;
    assert.deepEqual(
      messages.map((m) => m.type),
      ['connected', 'error', 'ack', 'streamCreated', 'ack', 'signal'],
    );
    assert.deepEqual(messages[1], {
      type: 'error',
      id: null,
      code: 'ERR_MESSAGE_INVALID',
      message: 'connect is only the first message; this connection is already admitted.',
    });
    assert.equal(messages[2]!.type === 'ack' && messages[2]!.id, 1);
    assert.equal(messages[4]!.type === 'ack' && messages[4]!.id, 2);
  });

  it('holds no more than the rate lets through at once (a burst, then its refusals): the next closes 1008 ERR_RATE_LIMITED, and it never joins', async () => {
    const { connection, held, sessions } = setup({ burst: 3 });
    connection.receive(connect);
    const limit = 3 + RATE_LIMIT_CLOSE_AFTER_REFUSED - 1;
    for (let i = 0; i < limit; i++) connection.receive(JSON.stringify({ type: 'signal', data: String(i) }));
    assert.equal(connection.closedWith, undefined);
    assert.equal(connection.held?.length, limit);
    connection.receive(JSON.stringify({ type: 'signal', data: 'one too many' }));
    assert.deepEqual(connection.closedWith, { code: 1008, reason: 'ERR_RATE_LIMITED' });
    held.admit();
    await settled();
    assert.equal(sessions.stats().connections, 0);
    assert.equal(connection.connectionId, undefined);
  });

  it('a socket that closes while its admission is pending never joins: nothing announced, nothing left', async () => {
    const { connection, held, sessions, ctx } = setup();
    const watcher = new RecordingPeer();
    await sessions.join(client(), watcher);
    watcher.messages.length = 0;
    connection.receive(connect);
    connection.closed(1000);
    assert.equal(connection.state, CLOSED);
    assert.equal(ctx.connections.size, 0);
    held.admit();
    await settled();
    assert.deepEqual(watcher.messages, [], 'no connectionCreated for a connection that never was');
    assert.equal(sessions.stats().connections, 1);
  });

  it("shutdown while admitting closes 1012 ERR_SERVER_SHUTTING_DOWN and drops the admission's result", async () => {
    const { connection, held, sessions } = setup();
    connection.receive(connect);
    connection.shutDown();
    assert.deepEqual(connection.closedWith, { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });
    held.admit();
    await settled();
    assert.equal(sessions.stats().connections, 0);
    assert.deepEqual(connection.texts, []);
  });

  it('a refused admission closes with its code as the reason; the admission deadline covers a pending admission too', async () => {
    const refused = setup();
    refused.connection.receive(connect);
    refused.held.refuse(new StagepassError('ERR_TOKEN_REPLAYED', 'used'));
    await settled();
    assert.deepEqual(refused.connection.closedWith, { code: 4013, reason: 'ERR_TOKEN_REPLAYED' });

    const slow = setup();
    slow.connection.receive(connect);
    slow.connection.sweepAdmission(slow.connection.admissionDue);
    assert.deepEqual(slow.connection.closedWith, { code: 4017, reason: 'ERR_ADMISSION_TIMEOUT' });
    slow.held.admit();
    await settled();
    assert.equal(slow.sessions.stats().connections, 0);
  });

  it('a session that is full refuses the join with 4015 ERR_SESSION_FULL', async () => {
    const { connection, held } = setup();
    connection.receive(connect);
    held.admit(client({ maxConnectionsPerSession: 0 }));
    await settled();
    assert.deepEqual(connection.closedWith, { code: 4015, reason: 'ERR_SESSION_FULL' });
  });
});

describe('client protocol: held frames and the rate limit', () => {
  it('held requests past the burst get the same ERR_RATE_LIMITED replies as once admitted', async () => {
    const { connection, held } = setup({ burst: 2 });
    connection.receive(connect);
    for (let id = 1; id <= 3; id++) connection.receive(JSON.stringify({ type: 'signal', id, data: 'x' }));
    held.admit();
    await settled();
    const replies = connection.messages.filter((m) => m.type === 'ack' || m.type === 'error');
    assert.deepEqual(
      replies.map((m) => [m.type, m.type === 'error' ? m.code : null, m.id]),
      [
        ['ack', null, 1],
        ['ack', null, 2],
        ['error', 'ERR_RATE_LIMITED', 3],
      ],
    );
  });
});

describe('client protocol: eject at expiry (one schedule per node)', () => {
  it('ejects at expiry when the app asks: the others see tokenExpired, it is closed 4007 ERR_TOKEN_EXPIRED', async () => {
    // The node's clock stands 100 ms before the token's expiry and runs.
    const expireTime = NOW_S + 600;
    const started = Date.now();
    const now = () => expireTime * 1000 - 100 + (Date.now() - started);
    const { connection, held, sessions, ctx } = setup({ now });
    const watcher = new RecordingPeer();
    await sessions.join(client(), watcher);
    connection.receive(connect);
    held.admit(client({ ejectAtExpiry: true, expireTime }));
    await settled();
    assert.equal(connection.state, OPEN);
    assert.equal(ctx.ejects.size, 1);
    watcher.messages.length = 0;
    assert.equal(connection.closedWith, undefined, 'not before its expiry');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(connection.closedWith, { code: 4007, reason: 'ERR_TOKEN_EXPIRED' });
    assert.deepEqual(watcher.messages, [
      { type: 'connectionDestroyed', connectionId: connection.connectionId, reason: 'tokenExpired' },
    ]);
    assert.equal(sessions.stats().connections, 1);
    assert.equal(ctx.ejects.size, 0);
  });

  it('a connection that closes before its expiry leaves the schedule at once', async () => {
    const { connection, held, ctx } = setup();
    connection.receive(connect);
    held.admit(client({ ejectAtExpiry: true }));
    await settled();
    assert.equal(ctx.ejects.size, 1);
    connection.closed(1000);
    assert.equal(ctx.ejects.size, 0);
  });
});

describe('client protocol: resume', () => {
  /** An admitted connection, then its socket dropped (1006): suspended. */
  async function suspended() {
    const parts = setup();
    const { connection, held, sessions, ctx } = parts;
    const watcher = new RecordingPeer();
    await sessions.join(client(), watcher);
    connection.receive(connect);
    held.admit();
    await settled();
    const connected = connection.messages[0] as Extract<ServerMessage, { type: 'connected' }>;
    watcher.messages.length = 0;
    connection.closed(1006);
    assert.equal(ctx.resumes.size, 1, 'its window is open');
    assert.equal(sessions.stats().connections, 2, 'still in the session');
    const again = new FakeConnection(ctx, '127.0.0.1', 'app', 's1', undefined);
    ctx.connections.add(again);
    const resume = JSON.stringify({
      type: 'resume',
      v: PROTOCOL_VERSION,
      connectionId: connected.connection.id,
      resumeSecret: connected.resumeSecret,
    });
    return { ...parts, watcher, connected, again, resume };
  }

  it('a resume on a new socket gets the same connection back and closes its window; the others hear nothing', async () => {
    const { ctx, watcher, connected, again, resume } = await suspended();
    again.receive(resume);
    assert.equal(again.state, ADMITTING);
    await settled();
    assert.equal(again.state, OPEN);
    assert.equal(again.connectionId, connected.connection.id);
    assert.equal(again.messages[0]!.type, 'resumed');
    assert.equal(ctx.resumes.size, 0);
    assert.deepEqual(watcher.messages, []);
  });

  it('a socket that closes while its resume is pending leaves the connection suspended, its window open', async () => {
    const { ctx, sessions, watcher, again, resume } = await suspended();
    again.receive(resume);
    again.closed(1006);
    await settled();
    assert.equal(again.connectionId, undefined);
    assert.equal(ctx.resumes.size, 1);
    assert.equal(sessions.stats().connections, 2);
    assert.deepEqual(watcher.messages, []);
  });

  it('a clean close (1000) is no drop: the connection leaves at once, no window', async () => {
    const { connection, held, sessions, ctx } = setup();
    connection.receive(connect);
    held.admit();
    await settled();
    connection.closed(1000);
    assert.equal(ctx.resumes.size, 0);
    assert.equal(sessions.stats().connections, 0);
  });
});
