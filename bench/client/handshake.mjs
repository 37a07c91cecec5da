#!/usr/bin/env node
// The handshake load, in its own process (the gateway runs in another, bench/gateway/server.mjs gateway):
//   node bench/client/handshake.mjs <sdk | raw> --port P --app-id A --secret S [--concurrency 16]
//        [--warmup-ms 1000] [--duration-ms 3000]
//
// `--concurrency` loops run at once; each loop joins, leaves, and joins again, each time with its own token for
// its own session (minted before anything is timed):
// - sdk: `await connect({ url, appId, sessionId, token, WebSocket })` from @stagepass/client (with `ws`), then
//   `await session.disconnect()` (close 1000, resolved once closed);
// - raw: a `ws` WebSocket with the same URL; on open it sends the same `connect` message (JSON.stringify), parses
//   each text message until the `connected` one, then closes (1000) and waits for the close.
// A handshake counts when `connected` is in hand (the SDK: when connect() resolved); the latency is from the
// WebSocket's creation (the SDK: the connect() call) to then. Prints ONE JSON line on stdout:
//   {"mode","handshakesPerSec","latencyP50Ms","latencyP99Ms","clientCpuUsPerHandshake","clientCpu","ms","count"}
// clientCpu: this process's CPU time (user + system, all threads) over the measured window, per handshake and as
// a fraction of the window. Exits 1 on a failed handshake (saying which), 2 on a usage mistake.
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { createMinter } from '@stagepass/token';
import { connect } from '@stagepass/client';
import { WebSocket } from 'ws';

const HARD_LIMIT_MS = 2 * 60 * 1000;

function parseArgs(argv) {
  const options = { mode: argv[0], port: 0, appId: '', secret: '', concurrency: 16, warmupMs: 1000, durationMs: 3000 };
  const names = { '--port': 'port', '--app-id': 'appId', '--secret': 'secret', '--concurrency': 'concurrency' };
  Object.assign(names, { '--warmup-ms': 'warmupMs', '--duration-ms': 'durationMs' });
  for (let i = 1; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (key === undefined || argv[i + 1] === undefined) usage();
    options[key] = typeof options[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!['sdk', 'raw'].includes(options.mode) || !(options.port > 0) || options.appId === '' || options.secret === '')
    usage();
  if (!(options.concurrency >= 1) || !(options.durationMs >= 100) || !(options.warmupMs >= 0)) usage();
  return options;
}

function usage() {
  process.stderr.write(
    'usage: node bench/client/handshake.mjs <sdk | raw> --port P --app-id A --secret S [--concurrency N] [--warmup-ms MS] [--duration-ms MS]\n',
  );
  process.exit(2);
}

/** The raw client: the same handshake by hand, as a protocol client written from docs/protocol.md would. */
function rawHandshake(url, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let connected = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connect', v: PROTOCOL_VERSION, token }));
    ws.onerror = () => {};
    ws.onmessage = (event) => {
      if (connected || typeof event.data !== 'string') return;
      if (JSON.parse(event.data).type !== 'connected') return;
      connected = true;
      resolve({ close: () => closeRaw(ws) });
    };
    ws.onclose = (event) => {
      if (!connected) reject(new Error(`closed before connected: ${event.code} ${event.reason}`));
    };
  });
}

function closeRaw(ws) {
  return new Promise((resolve) => {
    ws.onclose = () => resolve();
    ws.close(1000);
  });
}

async function sdkHandshake(base, appId, sessionId, token) {
  const session = await connect({ url: base, appId, sessionId, token, WebSocket });
  return { close: () => session.disconnect() };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  setTimeout(() => {
    process.stderr.write('handshake.mjs: still running after 2 min: exiting\n');
    process.exit(1);
  }, HARD_LIMIT_MS).unref();
  const base = `ws://127.0.0.1:${o.port}`;
  // Far more tokens than a run can use here (the run fails, saying so, if they ever run out).
  const pool = Math.ceil(((o.warmupMs + o.durationMs) / 1000) * 8000) + 1000;
  const minter = createMinter({ appId: o.appId, secret: o.secret });
  const jobs = Array.from({ length: pool }, (_, i) => {
    const sessionId = `hs-${process.pid}-${i}`;
    const url = `${base}/v1/connect?appId=${encodeURIComponent(o.appId)}&sessionId=${encodeURIComponent(sessionId)}`;
    return { sessionId, url, token: minter.mint({ sessionId, ttl: '1h' }) };
  });
  const handshake =
    o.mode === 'sdk'
      ? (job) => sdkHandshake(base, o.appId, job.sessionId, job.token)
      : (job) => rawHandshake(job.url, job.token);

  let next = 0;
  let measuring = false;
  let stopped = false;
  const latencies = [];
  const loop = async () => {
    while (!stopped) {
      if (next >= jobs.length) throw new Error(`the pool of ${jobs.length} tokens ran out: raise it`);
      const job = jobs[next++];
      const t0 = performance.now();
      const open = await handshake(job);
      if (measuring) latencies.push(performance.now() - t0);
      await open.close();
    }
  };
  const loops = Array.from({ length: o.concurrency }, loop);
  const failed = Promise.all(loops).then(() => undefined);
  await Promise.race([new Promise((resolve) => setTimeout(resolve, o.warmupMs)), failed]);
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.race([new Promise((resolve) => setTimeout(resolve, o.durationMs)), failed]);
  measuring = false;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const count = latencies.length;
  stopped = true;
  await failed;
  const sorted = latencies.sort((a, b) => a - b);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const result = {
    mode: o.mode,
    concurrency: o.concurrency,
    handshakesPerSec: round((count * 1000) / ms, 1),
    latencyP50Ms: round(percentile(sorted, 50), 3),
    latencyP99Ms: round(percentile(sorted, 99), 3),
    clientCpuUsPerHandshake: round((cpuMs * 1000) / count, 1),
    clientCpu: round(cpuMs / ms, 3),
    ms: round(ms, 1),
    count,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`handshake.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
