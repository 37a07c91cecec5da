#!/usr/bin/env node
// The server under test, alone in its process:
//   node --expose-gc bench/gateway/server.mjs <gateway | bare-ws | ws-broadcast-corked | ws-broadcast-plain>
//
// Listens on 127.0.0.1, a free port, and prints ONE JSON line on stdout:
//   {"kind","port","appId","secret","pid"}
// (the baselines print a made-up App ID and secret of the same shapes, so the load process sends
// byte-for-byte the same requests to every kind). Then it reads commands, one per line, on stdin,
// and answers each with one JSON line on stdout:
//   memory  → {"heapUsed","heapTotal","rss","external","arrayBuffers","connections"} after global.gc()
//   cpu     → {"user","system","t"}: process.cpuUsage() in µs and a monotonic time in ms
// End of stdin (or `exit`) closes the server and exits the process; so does the orchestrator dying.
//
// With --min-open-files N it exits at once (status 2, saying why) when it may not open N files.
//
// STAGEPASS_BENCH_GATEWAY=DIR (optional) loads the gateway from DIR/dist/index.js instead of
// @stagepass/gateway: a copy of packages/gateway with one change, for measuring that change alone
// (bench/gateway/instructions.mjs, docs/benchmarks.md "Shortcut ledger"). Unset: the workspace build.
// STAGEPASS_BENCH_REGISTRY=FILE (optional) keeps the registry in that SQLite file (created afresh;
// WAL, as `stagepass serve` uses one) instead of in memory.
//
// Kinds:
// - gateway: createGateway with an in-memory SQLite registry and one app (multi-use tokens, the
//   default). Started with rateLimit { perSecond: 1e6, burst: 1e6 } (the default 50/s, burst 100
//   would refuse a benchmark's sender) and maxSocketsPerIp 1e6 (every socket comes from 127.0.0.1);
//   every other option is the default.
// - bare-ws: `ws` with no auth: accepts the same upgrade path (/v1/connect?…) and answers the
//   client's first frame with one small text frame ({"type":"connected"}), then stays idle.
// - ws-broadcast-corked / ws-broadcast-plain: like bare-ws for the first frame; every later frame
//   is sent as it is to every admitted socket (the sender too, as the gateway does). "corked" corks
//   each socket at its first write of an event-loop turn and uncorks them all in one setImmediate
//   (one write per socket per turn); "plain" calls ws.send() per socket (one write each).
import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { openFileLimit } from './raw-ws.mjs';

const KINDS = ['gateway', 'bare-ws', 'ws-broadcast-corked', 'ws-broadcast-plain'];
/** The server gives up by itself after this long, whatever happens. */
const MAX_LIFETIME_MS = 15 * 60 * 1000;

const kind = process.argv[2];
if (
  !KINDS.includes(kind) ||
  (process.argv.length !== 3 && (process.argv.length !== 5 || process.argv[3] !== '--min-open-files'))
) {
  process.stderr.write(
    `usage: node --expose-gc bench/gateway/server.mjs <${KINDS.join(' | ')}> [--min-open-files N]\n`,
  );
  process.exit(2);
}
const minOpenFiles = Number(process.argv[4] ?? 0);
const openFiles = await openFileLimit();
if (openFiles !== undefined && openFiles < minOpenFiles) {
  process.stderr.write(
    `server.mjs: this case needs ${minOpenFiles} open files but the limit is ${openFiles}, and it could not be raised: run \`ulimit -n ${minOpenFiles}\` (as a user allowed to) before the benchmark, or skip the idle-10k cases (--only)\n`,
  );
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  process.stderr.write('server.mjs: run node with --expose-gc (the memory command needs it)\n');
  process.exit(2);
}

function print(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

// ---------------------------------------------------------------------------------- gateway

async function startGateway() {
  const dir = process.env.STAGEPASS_BENCH_GATEWAY;
  const module =
    dir === undefined || dir === '' ? '@stagepass/gateway' : pathToFileURL(join(resolve(dir), 'dist', 'index.js')).href;
  const { createGateway, createSqliteAppRegistry } = await import(module);
  const file = process.env.STAGEPASS_BENCH_REGISTRY;
  if (file !== undefined && file !== '')
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const registry = createSqliteAppRegistry({ path: file === undefined || file === '' ? ':memory:' : file });
  const { app, secret } = registry.createApp({ name: 'bench' });
  const gateway = createGateway({
    registry,
    host: '127.0.0.1',
    port: 0,
    rateLimit: { perSecond: 1e6, burst: 1e6 },
    maxSocketsPerIp: 1e6,
  });
  const { port } = await gateway.listen();
  return {
    port,
    appId: app.appId,
    secret,
    connections: () => gateway.sessions.stats().connections,
    async close() {
      await gateway.close({ drainMs: 500 });
      registry.close();
    },
  };
}

// ---------------------------------------------------------------------------------- ws baselines

const CONNECTED = Buffer.from('{"type":"connected"}');
const TEXT = { binary: false };

function startWs(variant) {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  });
  const http = createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  const sockets = new Set(); // every upgraded socket
  const admitted = new Set(); // those that sent their first frame (the broadcast's recipients)

  // Cork-per-turn, as a server that batches its writes would do it.
  const corked = [];
  let flushScheduled = false;
  function flush() {
    flushScheduled = false;
    for (let i = 0; i < corked.length; i++) {
      const ws = corked[i];
      ws.benchCorked = false;
      ws.benchSocket.uncork();
    }
    corked.length = 0;
  }
  function corkForThisTurn(ws) {
    if (ws.benchCorked) return;
    ws.benchCorked = true;
    ws.benchSocket.cork();
    corked.push(ws);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  function onMessage(data) {
    if (!this.benchAdmitted) {
      this.benchAdmitted = true;
      admitted.add(this);
      this.send(CONNECTED, TEXT);
      return;
    }
    if (variant === 'bare') return;
    if (variant === 'corked') {
      for (const ws of admitted) {
        corkForThisTurn(ws);
        ws.send(data, TEXT);
      }
    } else {
      for (const ws of admitted) ws.send(data, TEXT);
    }
  }
  function onClose() {
    sockets.delete(this);
    admitted.delete(this);
  }
  function ignore() {}

  http.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/v1/connect?')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.benchSocket = socket;
      ws.benchAdmitted = false;
      ws.benchCorked = false;
      ws.on('message', onMessage);
      ws.on('close', onClose);
      ws.on('error', ignore);
      sockets.add(ws);
    });
  });

  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => {
      resolve({
        port: http.address().port,
        appId: randomUUID(),
        secret: randomBytes(32).toString('hex'),
        connections: () => admitted.size,
        close() {
          for (const ws of sockets) ws.terminate();
          return new Promise((done) => {
            http.close(() => done());
            http.closeAllConnections();
          });
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------------- main

async function memory(server) {
  // Several collections, a turn apart, so that what the last one frees is really gone.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    rss: m.rss,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    connections: server.connections(),
  };
}

async function main() {
  const server =
    kind === 'gateway'
      ? await startGateway()
      : await startWs({ 'bare-ws': 'bare', 'ws-broadcast-corked': 'corked', 'ws-broadcast-plain': 'plain' }[kind]);
  print({ kind, port: server.port, appId: server.appId, secret: server.secret, pid: process.pid });

  let stopping = false;
  async function stop(code) {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(code), 3000).unref();
    try {
      await server.close();
    } finally {
      process.exit(code);
    }
  }
  setTimeout(() => {
    process.stderr.write(`server.mjs: still running after ${MAX_LIFETIME_MS / 60000} min: exiting\n`);
    stop(1);
  }, MAX_LIFETIME_MS).unref();

  const lines = createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    const command = line.trim();
    if (command === 'memory') print(await memory(server));
    else if (command === 'cpu') print({ ...process.cpuUsage(), t: performance.now() });
    else if (command === 'exit') stop(0);
    else if (command !== '') print({ error: `unknown command ${command}` });
  });
  lines.on('close', () => stop(0));
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
