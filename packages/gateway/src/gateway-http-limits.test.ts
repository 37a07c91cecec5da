/**
 * The plain HTTP side's limits (docs/protocol.md "Limits") over raw TCP sockets to 127.0.0.1, with small
 * values via options: every connection counts against the per-address cap, requests in flight per
 * connection, the per-address request rate, the /metrics cache, and the headers time.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw TCP connection to the gateway and everything it has received. */
class RawConnection {
  text = '';
  closed = false;
  readonly socket: Socket;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.text += chunk));
    this.socket.on('error', () => {});
    this.socket.on('close', () => (this.closed = true));
  }
  get(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  }
  /** The status of every response received so far, in order. */
  statuses(): number[] {
    return [...this.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  }
  /** Polls until `check` holds; fails after 5 s (a bound, not a measured duration). */
  async until(check: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !check(); waited += 10) {
      if (waited > 5000)
        throw new Error(`${what}: not within 5 s; received ${JSON.stringify(this.text.slice(0, 300))}`);
      await pause(10);
    }
  }
}

function portOf(tg: TestGateway): number {
  return tg.gateway.address()!.port;
}

describe('gateway limits: plain HTTP', () => {
  it('keep-alive HTTP connections count against maxSocketsPerIp: the next connection (HTTP or upgrade) gets 429 at once', async () => {
    const tg = await TestGateway.start({ maxSocketsPerIp: 3 });
    try {
      const port = portOf(tg);
      const kept = [new RawConnection(port), new RawConnection(port), new RawConnection(port)];
      for (const connection of kept) {
        connection.get('/healthz');
        await connection.until(() => connection.statuses().length === 1, 'healthz answered');
        assert.deepEqual(connection.statuses(), [200]);
        assert.equal(connection.closed, false, 'keep-alive: the connection stays open');
      }
      const fourth = new RawConnection(port);
      fourth.get('/healthz');
      await fourth.until(() => fourth.closed, 'the fourth connection closed');
      assert.deepEqual(fourth.statuses(), [429]);
      assert.match(fourth.text, /"code":"ERR_TOO_MANY_CONNECTIONS"/);
      // A WebSocket upgrade from the same address is refused the same way.
      const ws = tg.open(newSessionId());
      const err = await ws.opened.then(
        () => undefined,
        (e: { status?: number }) => e,
      );
      assert.equal(err?.status, 429);
      assert.equal(await tg.registryMetric('stagepass_http_refusals_total', 'reason="sockets_per_ip"'), 2);
      // A closed connection frees its place (once the gateway has seen it close).
      kept[0]!.socket.destroy();
      let next: RawConnection | undefined;
      for (let attempt = 0; attempt < 100 && next === undefined; attempt++) {
        const candidate = new RawConnection(port);
        candidate.get('/healthz');
        await candidate.until(() => candidate.statuses().length === 1, 'answered');
        if (candidate.statuses()[0] === 200) next = candidate;
        else candidate.socket.destroy();
      }
      assert.ok(next !== undefined, 'no place was freed');
      for (const connection of [...kept, next]) connection.socket.destroy();
    } finally {
      await tg.stop();
    }
  });

  it('a connection pipelining past maxRequestsInFlight unanswered requests is destroyed; the handler saw only the bound', async () => {
    const held: ServerResponse[] = [];
    // A REST handler that never answers: each request it gets stays in flight.
    const rest = () => (_req: IncomingMessage, res: ServerResponse) => void held.push(res);
    const tg = await TestGateway.start({ maxRequestsInFlight: 2, rest });
    try {
      const connection = new RawConnection(portOf(tg));
      for (let i = 0; i < 5; i++) connection.get(`/v1/apps/a/sessions/s${i}`);
      await connection.until(() => connection.closed, 'the pipelining connection closed');
      assert.equal(held.length, 2);
      assert.equal(await tg.registryMetric('stagepass_http_refusals_total', 'reason="requests_in_flight"'), 1);
      // Answered requests leave the count: one at a time on one connection never trips it.
      const polite = new RawConnection(portOf(tg));
      for (let i = 1; i <= 5; i++) {
        polite.get('/healthz');
        await polite.until(() => polite.statuses().length === i, `answer ${i}`);
      }
      assert.deepEqual(polite.statuses(), [200, 200, 200, 200, 200]);
      assert.equal(polite.closed, false);
      polite.socket.destroy();
    } finally {
      for (const res of held) res.destroy();
      await tg.stop();
    }
  });

  it('plain HTTP past httpRateLimit from one address gets 429 ERR_RATE_LIMITED and its connection is closed', async () => {
    // A bucket that does not refill within the test: exactly the burst passes.
    const tg = await TestGateway.start({ httpRateLimit: { perSecond: 0.001, burst: 5 } });
    try {
      const port = portOf(tg);
      const connection = new RawConnection(port);
      for (let i = 1; i <= 6 && !connection.closed; i++) {
        connection.get('/healthz');
        await connection.until(() => connection.statuses().length === i, `answer ${i}`);
      }
      assert.deepEqual(connection.statuses(), [200, 200, 200, 200, 200, 429]);
      assert.match(connection.text, /"code":"ERR_RATE_LIMITED"/);
      assert.match(connection.text, /retry-after: \d+/i);
      await connection.until(() => connection.closed, 'closed after the 429');
      // The bucket is the address's, not the connection's: a new connection is refused too.
      const another = new RawConnection(port);
      another.get('/metrics');
      await another.until(() => another.statuses().length === 1, 'answered');
      assert.deepEqual(another.statuses(), [429]);
      assert.equal(await tg.registryMetric('stagepass_http_refusals_total', 'reason="rate"'), 2);
      // WebSocket upgrades are not counted against it.
      await tg.join(newSessionId());
      another.socket.destroy();
    } finally {
      await tg.stop();
    }
  });

  it('/metrics collects once per metricsCacheMs: scrapes meanwhile get the same text', async () => {
    const tg = await TestGateway.start({ metricsCacheMs: 60_000 });
    try {
      const first = await tg.metric('stagepass_admissions_total', 'result="ok"');
      await tg.join(newSessionId());
      // Admitted meanwhile, but the cached text still says what it said.
      assert.equal(await tg.metric('stagepass_admissions_total', 'result="ok"'), first);
      assert.equal(await tg.registryMetric('stagepass_admissions_total', 'result="ok"'), first + 1);
    } finally {
      await tg.stop();
    }
  });

  it('a request whose headers do not arrive within headersTimeoutMs gets 408 and its connection is closed', async () => {
    const tg = await TestGateway.start({ headersTimeoutMs: 100, requestTimeoutMs: 60_000 });
    try {
      const slow = new RawConnection(portOf(tg));
      slow.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the blank line
      await slow.until(() => slow.closed, 'the slow connection closed');
      assert.deepEqual(slow.statuses(), [408]);
    } finally {
      await tg.stop();
    }
  });

  it('a request whose body does not arrive within requestTimeoutMs gets 408 and its connection is closed', async () => {
    // A REST handler that answers once the whole body is read (the real one checks the app JWT first).
    const rest = () => (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => res.end());
    };
    const tg = await TestGateway.start({ headersTimeoutMs: 100, requestTimeoutMs: 200, rest });
    try {
      const slow = new RawConnection(portOf(tg));
      // Headers at once, then 1 byte of the 10 announced, and never the rest.
      slow.socket.write(
        'POST /v1/apps/a/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{',
      );
      await slow.until(() => slow.closed, 'the slow connection closed');
      assert.deepEqual(slow.statuses(), [408]);
    } finally {
      await tg.stop();
    }
  });

  it('a WebSocket outlives headersTimeoutMs and requestTimeoutMs (they bound HTTP requests, not upgraded sockets)', async () => {
    const tg = await TestGateway.start({ headersTimeoutMs: 50, requestTimeoutMs: 100 });
    try {
      const joined = await tg.join(newSessionId());
      await pause(400); // several request times, and many of Node's checks (every 10 ms here)
      assert.equal(joined.client.closeInfo, undefined);
      assert.equal((await joined.client.request({ type: 'signal', data: 'still here' })).type, 'ack');
    } finally {
      await tg.stop();
    }
  });
});
