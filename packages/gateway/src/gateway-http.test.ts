/**
 * The gateway's HTTP side, its logs and metrics, its options, and graceful shutdown.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { StagepassError, isStagepassError } from '@stagepass/protocol';
import { pino } from 'pino';
import { createGateway, type GatewayOptions } from './gateway.js';
import { createSqliteAppRegistry } from './registry/sqlite-app-registry.js';
import { createMemorySessionService } from './session/memory-session-service.js';
import type { SessionEvents } from './session/session-service.js';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

/** A pino logger at debug level whose lines are kept in memory. */
function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('gateway HTTP endpoints', () => {
  let tg: TestGateway;
  const logs = memoryLogger();
  before(async () => {
    tg = await TestGateway.start({ logger: logs.logger });
  });
  after(() => tg.stop());

  it('GET /healthz is 200 {"status":"ok"}; GET /readyz is 200 while admitting', async () => {
    const health = await tg.http('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.match(health.headers.get('content-type')!, /^application\/json/);
    const ready = await tg.http('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(tg.gateway.draining, false);
  });

  it('anything else is 404 {"code":"ERR_NOT_FOUND"}', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/nope', 'GET'],
      ['/healthz', 'POST'],
      ['/metrics/x', 'GET'],
      ['/v1', 'GET'],
    ] as const) {
      const answer = await tg.http(path, { method });
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(answer.json().code, 'ERR_NOT_FOUND');
    }
  });

  it('routes /v1/apps/ to the REST API', async () => {
    const answer = await tg.http(`/v1/apps/${tg.app.appId}/sessions`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.json().code, 'ERR_AUTH_INVALID');
  });

  it("GET /metrics is Prometheus text from the gateway's own registry: gauges, admissions by code, capability denials by capability", async () => {
    const sessionId = newSessionId();
    const a = await tg.join(sessionId, { role: 'subscriber' });
    await tg.join(sessionId, { role: 'publisher' });
    await tg.refusal(sessionId, { token: tg.token({ sessionId: 'elsewhere' }) });
    assert.equal((await a.client.request({ type: 'publish', hasAudio: true, hasVideo: true })).type, 'error');
    assert.equal((await a.client.request({ type: 'forceMuteAll' })).type, 'error');
    const answer = await tg.http('/metrics');
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = answer.text;
    for (const line of [
      'stagepass_connections 2',
      'stagepass_sessions 1',
      'stagepass_streams 0',
      'stagepass_sockets 2',
      'stagepass_admissions_total{result="ok"} 2',
      'stagepass_admissions_total{result="ERR_TOKEN_SESSION_MISMATCH"} 1',
      'stagepass_capability_denials_total{capability="publish"} 1',
      'stagepass_capability_denials_total{capability="forceMute"} 1',
      'stagepass_closes_total{code="4006"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing "${line}" in\n${text}`);
    }
    assert.ok((await tg.metric('stagepass_messages_in_total')) >= 2);
    assert.ok((await tg.metric('stagepass_messages_out_total')) >= 5);
    assert.equal(text.includes('process_cpu'), false, 'process metrics are opt-in');
  });

  it('logs requests by path only and never a token, connection data or a secret', async () => {
    const sessionId = newSessionId();
    const token = tg.token({ sessionId, data: 'private-data-marker' });
    await tg.join(sessionId, { token });
    await tg.refusal(sessionId, { token: tg.token({ sessionId, now: Math.floor(Date.now() / 1000) - 7200, ttl: 60 }) });
    await tg.http('/healthz?token=query-token-marker');
    const bad = tg.openPath(`/v1/connect?appId=${tg.app.appId}&token=query-token-marker`);
    await bad.opened.catch(() => {});
    const all = logs.lines.join('');
    for (const secret of [token, token.split('.')[2]!, 'private-data-marker', 'query-token-marker', tg.app.secret]) {
      assert.equal(all.includes(secret), false, `the logs contain ${secret.slice(0, 12)}…`);
    }
    const parsed = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(parsed.some((l) => l.msg === 'http' && l.path === '/healthz' && l.status === 200));
    assert.ok(parsed.some((l) => l.msg === 'upgrade refused' && l.path === '/v1/connect' && l.status === 400));
    assert.ok(parsed.some((l) => l.msg === 'client admitted' && l.sessionId === sessionId && l.appId === tg.app.appId));
    assert.ok(
      parsed.some((l) => l.msg === 'admission refused' && l.code === 'ERR_TOKEN_EXPIRED' && l.sessionId === sessionId),
    );
  });
});

describe('createGateway options', () => {
  const registry = createSqliteAppRegistry({ path: ':memory:' });
  after(() => registry.close());

  function refusedOption(options: unknown, option: string): void {
    assert.throws(
      () => createGateway(options as GatewayOptions),
      (err: unknown) => {
        assert.ok(isStagepassError(err), String(err));
        assert.equal(err.code, 'ERR_INVALID_OPTION');
        assert.equal((err as StagepassError).details.option, option);
        return true;
      },
    );
  }

  it('names the first bad option: ERR_INVALID_OPTION with details.option', () => {
    refusedOption(undefined, 'options');
    refusedOption({}, 'registry');
    refusedOption({ registry: {} }, 'registry');
    refusedOption({ registry, maxPayload: 10 }, 'maxPayload');
    refusedOption({ registry, port: 70000 }, 'port');
    refusedOption({ registry, port: 1.5 }, 'port');
    refusedOption({ registry, host: '' }, 'host');
    refusedOption({ registry, maxPayloadBytes: 1000 }, 'maxPayloadBytes');
    refusedOption({ registry, rateLimit: { perSecond: 0 } }, 'rateLimit.perSecond');
    refusedOption({ registry, rateLimit: { burst: 0.5 } }, 'rateLimit.burst');
    refusedOption({ registry, rateLimit: { perMinute: 5 } }, 'rateLimit.perMinute');
    refusedOption({ registry, pingIntervalMs: 1000, idleTimeoutMs: 1000 }, 'idleTimeoutMs');
    refusedOption({ registry, maxBufferedBytes: -1 }, 'maxBufferedBytes');
    refusedOption({ registry, admissionTimeoutMs: 0 }, 'admissionTimeoutMs');
    refusedOption({ registry, maxConnectionsPerSession: 0 }, 'maxConnectionsPerSession');
    refusedOption({ registry, maxSocketsPerIp: 'many' }, 'maxSocketsPerIp');
    refusedOption({ registry, clockTolerance: 301 }, 'clockTolerance');
    refusedOption({ registry, now: 5 }, 'now');
    refusedOption({ registry, logger: console.log }, 'logger');
    refusedOption({ registry, sessions: {} }, 'sessions');
    refusedOption({ registry, rtcPorts: [40000, 40000] }, 'rtcPorts');
    refusedOption({ registry, rtcPorts: [80, 90] }, 'rtcPorts');
    refusedOption({ registry, rtcPorts: '40000-40999' }, 'rtcPorts');
    for (const bad of ['gateway.example.com', '203.0.113.300', '203.0.113.7:40000', '[2001:db8::7]', 'fe80::1%eth0'])
      refusedOption({ registry, announcedIp: bad }, 'announcedIp');
    for (const bad of ['0.0.0.0', '::', '0::0', '', ' 203.0.113.7', 42])
      refusedOption({ registry, announcedIp: bad }, 'announcedIp');
  });

  it('takes the defaults of docs/protocol.md and listens on 127.0.0.1 (port 0 here)', async () => {
    const gateway = createGateway({ registry, port: 0 });
    const address = await gateway.listen();
    assert.equal(address.host, '127.0.0.1');
    assert.ok(address.port > 0);
    assert.deepEqual(gateway.address(), address);
    assert.equal(await gateway.listen(), address, 'listen is idempotent');
    await gateway.close();
    assert.equal(gateway.address(), undefined);
    await assert.rejects(gateway.listen(), { code: 'ERR_SERVER_SHUTTING_DOWN' });
  });

  it("takes a session service, or a factory given the gateway's events (capability denials still counted)", async () => {
    let given: SessionEvents | undefined;
    const tg = await TestGateway.start({
      sessions: (events) => {
        given = events;
        return createMemorySessionService({ events });
      },
    });
    try {
      assert.equal(typeof given?.onCapabilityDenied, 'function');
      const { client } = await tg.join(newSessionId(), { role: 'subscriber' });
      assert.equal((await client.request({ type: 'publish', hasAudio: false, hasVideo: true })).type, 'error');
      assert.equal(await tg.metric('stagepass_capability_denials_total', 'capability="publish"'), 1);
    } finally {
      await tg.stop();
    }
  });

  it("exports Node's process metrics only when asked (processMetrics)", async () => {
    const tg = await TestGateway.start({ processMetrics: true });
    try {
      const { text } = await tg.http('/metrics');
      // CPU seconds count from the gateway's creation and may still read 0 this early: check presence.
      assert.match(text, /^process_cpu_user_seconds_total \d/m);
      assert.ok((await tg.metric('process_start_time_seconds')) > 0);
      assert.ok((await tg.metric('nodejs_heap_size_total_bytes')) > 0);
      assert.equal(await tg.metric('stagepass_connections'), 0);
    } finally {
      await tg.stop();
    }
  });
});

describe('gateway graceful shutdown', () => {
  it('closes clients with 1012, answers readyz and upgrades 503 while draining, destroys laggards after drainMs, resolves', async () => {
    const tg = await TestGateway.start();
    const sessionId = newSessionId();
    const polite = await tg.join(sessionId);
    const deaf = await tg.join(sessionId);
    const admitting = tg.open(sessionId);
    await admitting.opened;
    // This one never reads its close frame: it holds the drain open.
    (deaf.client.ws as unknown as { _socket: Socket })._socket.pause();

    const started = Date.now();
    const closing = tg.gateway.close({ drainMs: 400 });
    assert.equal(tg.gateway.close(), closing, 'close is idempotent');
    assert.equal(tg.gateway.draining, true);
    assert.deepEqual(await polite.client.closedWithin(), { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });
    assert.deepEqual(await admitting.closedWithin(), { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });

    const ready = await tg.http('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json().code, 'ERR_SERVER_SHUTTING_DOWN');
    assert.equal((await tg.http('/healthz')).status, 200);
    const late = tg.open(sessionId);
    const err = await late.opened.then(
      () => undefined,
      (e: { status?: number; body?: string }) => e,
    );
    assert.equal(err?.status, 503);
    assert.equal(JSON.parse(err.body!).code, 'ERR_SERVER_SHUTTING_DOWN');

    await closing;
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 2000, `close took ${took} ms`);
    assert.equal(tg.gateway.sessions.stats().connections, 0);
    await assert.rejects(fetch(`${tg.base}/healthz`));
    tg.registry.close();
  });

  it('resolves at once when every client closes in time', async () => {
    const tg = await TestGateway.start();
    const sessionId = newSessionId();
    const clients = await Promise.all([tg.join(sessionId), tg.join(sessionId), tg.join(newSessionId())]);
    const started = Date.now();
    await tg.gateway.close({ drainMs: 5000 });
    assert.ok(Date.now() - started < 1000);
    for (const { client } of clients) assert.equal((await client.closed).code, 1012);
    tg.registry.close();
  });
});
