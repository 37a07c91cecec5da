#!/usr/bin/env node
// The load generator, in its own process (the server under test runs in another):
//   node bench/gateway/load.mjs <admissions | fanout | idle> --port P --app-id A --secret S --kind K [options]
//
// Prints JSON lines on stdout, each with an "event": "measure-start" / "measure-end" around the
// measured window (the orchestrator samples the server's CPU then), "warm" / "ready" (idle mode:
// the orchestrator measures the server's memory, then writes "go" / "close" on stdin), and last
// "result" with the figures. Everything is on 127.0.0.1 and bounded: each mode stops by itself
// after its warm-up + duration (or count), and the process exits at the latest HARD_LIMIT_MS after
// it started. End of stdin ends an idle hold.
//
// Modes:
//   admissions  N connections in flight (--concurrency, default 128), each a fresh raw socket:
//               upgrade → `connect` with its own pre-minted token (its own session) → `connected` →
//               close frame; a new one starts as soon as one is admitted. Reports admissions/s over
//               --duration-ms after --warmup-ms, and the connect→connected latency.
//   fanout      1 sender + --receivers (default 100) admitted in one session; the sender sends
//               `signal`s of --data-bytes (default 100) carrying its send time, either at --rate
//               per second (latency p50/p99: receive time − send time, one clock) or, with
//               --rate max, as fast as the server takes them with at most --window (default 250)
//               signals not yet received by the slowest receiver. Reports deliveries/s to the
//               receivers (the sender's own copy is read but not counted).
//   idle        --warm (default 1000) admissions opened and closed (warm-up), "warm", wait for
//               "go"; then --count (default 10000) admitted connections held open (--per-session
//               per session, default 1), "ready", wait for "close"; then closes them all.
import { createInterface } from 'node:readline';
import { createMinter } from '@stagepass/token';
import {
  OP_TEXT,
  RawClient,
  bounded,
  maskInPlace,
  maskedFrame,
  maskedHeaderLength,
  openFileLimit,
  upgradeRequest,
} from './raw-ws.mjs';

const HARD_LIMIT_MS = 5 * 60 * 1000;
const CONNECTED_PREFIX = Buffer.from('{"type":"connected"');

// ---------------------------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    mode: argv[0],
    port: 0,
    appId: '',
    secret: '',
    kind: 'gateway',
    warmupMs: 500,
    durationMs: 3000,
    concurrency: 128,
    receivers: 100,
    rate: 2000,
    window: 250,
    dataBytes: 100,
    count: 10000,
    warm: 1000,
    perSession: 1,
  };
  const numeric = {
    '--port': 'port',
    '--warmup-ms': 'warmupMs',
    '--duration-ms': 'durationMs',
    '--concurrency': 'concurrency',
    '--receivers': 'receivers',
    '--window': 'window',
    '--data-bytes': 'dataBytes',
    '--count': 'count',
    '--warm': 'warm',
    '--per-session': 'perSession',
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) fail(`${arg} needs a value`);
    if (arg in numeric) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) fail(`${arg} needs a number ≥ 0`);
      o[numeric[arg]] = n;
    } else if (arg === '--rate') {
      o.rate = value === 'max' ? 'max' : Number(value);
      if (o.rate !== 'max' && !(o.rate > 0)) fail('--rate needs a number > 0 or "max"');
    } else if (arg === '--app-id') o.appId = value;
    else if (arg === '--secret') o.secret = value;
    else if (arg === '--kind') o.kind = value;
    else fail(`unknown option ${arg}`);
  }
  if (!['admissions', 'fanout', 'idle'].includes(o.mode))
    fail('usage: node bench/gateway/load.mjs <admissions | fanout | idle> --port P --app-id A --secret S [--kind K] …');
  if (!(o.port > 0) || o.appId === '' || o.secret === '')
    fail('--port, --app-id and --secret are required (server.mjs prints them)');
  if (o.dataBytes < 20) fail('--data-bytes must be at least 20 (the send time goes in it)');
  return o;
}

function fail(message) {
  process.stderr.write(`load.mjs: ${message}\n`);
  process.exit(2);
}

function emit(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function cpuSince(start, wallMs) {
  const d = process.cpuUsage(start);
  return round((d.user + d.system) / 1000 / wallMs, 3);
}

/** Pre-built upgrade requests and masked `connect` frames, one fresh token each. */
function prepareAdmissions(o, count, sessionOf) {
  const minter = createMinter({ appId: o.appId, secret: o.secret });
  const requests = new Array(count);
  const frames = new Array(count);
  for (let i = 0; i < count; i++) {
    const sessionId = sessionOf(i);
    const token = minter.mint({ sessionId, ttl: '1h' });
    requests[i] = upgradeRequest(
      o.port,
      `/v1/connect?appId=${encodeURIComponent(o.appId)}&sessionId=${encodeURIComponent(sessionId)}`,
    );
    frames[i] = maskedFrame(OP_TEXT, `{"type":"connect","v":1,"token":"${token}"}`);
  }
  return { requests, frames };
}

function isConnected(buf, start, end) {
  return (
    end - start >= CONNECTED_PREFIX.length &&
    buf.compare(CONNECTED_PREFIX, 0, CONNECTED_PREFIX.length, start, start + CONNECTED_PREFIX.length) === 0
  );
}

async function requireFileLimit(sockets) {
  const limit = await openFileLimit();
  if (limit !== undefined && limit < sockets + 200) {
    fail(
      `this needs ${sockets} sockets but the open-file limit is ${limit}, and it could not be raised: run \`ulimit -n ${sockets + 1000}\` (as a user allowed to) before the benchmark, or lower --count`,
    );
  }
}

// ---------------------------------------------------------------------------------- admissions

async function admissions(o) {
  // A pool far larger than a run can use at this machine's speed (the window ends early, and says
  // so, if it ever runs dry); minting and framing happen here, before anything is timed.
  const pool = Math.ceil(((o.warmupMs + o.durationMs) / 1000) * 20_000) + 2000;
  const { requests, frames } = prepareAdmissions(o, pool, (i) => `adm-${process.pid}-${i}`);
  const latencies = new Float64Array(pool);
  let next = 0;
  let admitted = 0;
  let open = 0; // sockets not yet ended
  let stopped = false;
  const errors = [];
  let window;

  const finished = new Promise((resolve) => {
    const handler = {
      onOpen(c) {
        c.write(frames[c.tag]);
      },
      onText(c, buf, start, end) {
        if (c.admitted) return;
        if (!isConnected(buf, start, end)) {
          c.fail(`expected connected, got ${buf.toString('utf8', start, Math.min(end, start + 80))}`);
          return;
        }
        c.admitted = true;
        latencies[admitted++] = performance.now() - c.t0;
        c.close();
        startOne();
      },
      onServerClose(c, code, reason) {
        if (!c.admitted) c.error ??= `closed by the server: ${code} ${reason}`;
      },
      onEnd(c, error) {
        open--;
        if (!c.admitted) {
          errors.push(error ?? 'ended before connected');
          if (errors.length >= 10) stop();
          startOne();
        }
        if (stopped && open === 0) resolve();
      },
    };
    function startOne() {
      if (stopped) return;
      if (next >= pool) {
        endWindow(true);
        stop();
        return;
      }
      const c = new RawClient(o.port, requests[next], handler);
      c.tag = next++;
      c.admitted = false;
      c.t0 = performance.now();
      open++;
    }
    function stop() {
      if (stopped) return;
      stopped = true;
      if (open === 0) resolve();
    }
    function endWindow(exhausted) {
      if (window === undefined || window.end !== undefined) return;
      window.end = performance.now();
      window.admittedEnd = admitted;
      window.cpu = cpuSince(window.cpu0, window.end - window.start);
      window.exhausted = exhausted;
      emit({ event: 'measure-end' });
    }
    setTimeout(() => {
      window = { start: performance.now(), admittedStart: admitted, cpu0: process.cpuUsage() };
      emit({ event: 'measure-start' });
      setTimeout(() => {
        endWindow(false);
        stop();
      }, o.durationMs);
    }, o.warmupMs);
    for (let i = 0; i < o.concurrency; i++) startOne();
  });
  await Promise.race([
    finished,
    sleep(10_000 + o.warmupMs + o.durationMs).then(() => {
      throw new Error(`admissions did not finish (${open} sockets open)`);
    }),
  ]);
  if (errors.length > 0) throw new Error(`${errors.length} admission(s) failed, first: ${errors[0]}`);
  if (window?.end === undefined) throw new Error('the measured window never ended');
  const ms = window.end - window.start;
  const count = window.admittedEnd - window.admittedStart;
  const sorted = latencies.subarray(window.admittedStart, window.admittedEnd).sort();
  return {
    admissionsPerSec: Math.round(count / (ms / 1000)),
    admitted: count,
    ms: round(ms, 1),
    concurrency: o.concurrency,
    latencyP50Ms: round(percentile(sorted, 50), 2),
    latencyP99Ms: round(percentile(sorted, 99), 2),
    loadCpu: window.cpu,
    poolExhausted: window.exhausted,
  };
}

// ---------------------------------------------------------------------------------- fan-out

async function fanout(o) {
  const receivers = o.receivers;
  const sessionId = `fanout-${process.pid}`;
  const { requests, frames } = prepareAdmissions(o, receivers + 1, () => sessionId);
  // What the sender writes. The gateway receives {"type":"signal","data":…} and sends everyone
  // {"type":"signal","from":<16-char ID>,"signalType":"","data":…}; the raw broadcast servers send
  // what they receive, so they are given exactly that envelope: every receiver gets the same bytes.
  const data = (ts) => `T${ts.toFixed(3).padStart(16, '0')}${'x'.repeat(o.dataBytes - 17)}`;
  const prefix =
    o.kind === 'gateway'
      ? '{"type":"signal","data":"'
      : `{"type":"signal","from":"${'A'.repeat(16)}","signalType":"","data":"`;
  const payloadLength = Buffer.byteLength(`${prefix}${data(0)}"}`);
  const frameLength = maskedHeaderLength(payloadLength) + payloadLength;
  function signalFrames(count) {
    const out = Buffer.allocUnsafe(count * frameLength);
    const header = maskedHeaderLength(payloadLength);
    for (let i = 0, off = 0; i < count; i++) {
      out.write(`${prefix}${data(performance.now())}"}`, off + header, 'latin1');
      off = maskInPlace(out, off, OP_TEXT, payloadLength);
    }
    return out;
  }

  const max = o.rate === 'max';
  let recording = false;
  let window;
  const capacity = max ? 0 : Math.ceil(o.rate * receivers * (o.durationMs / 1000 + 1));
  const latencies = new Float64Array(capacity);
  let samples = 0;
  let overflow = 0;
  let pumpScheduled = false;
  let sent = 0;
  let stopped = false;
  const errors = [];

  const clients = [];
  let connected = 0;
  let ended = 0;
  let onAllConnected;
  const allConnected = new Promise((resolve) => {
    onAllConnected = resolve;
  });
  let onAllEnded;
  const allEnded = new Promise((resolve) => {
    onAllEnded = resolve;
  });

  // A delivery is a text frame ending in `"T<send time>xxx…"}`: anything else (connected,
  // connectionCreated of later joiners) is read and skipped.
  const handler = {
    onOpen(c) {
      c.write(frames[c.tag]);
    },
    onText(c, buf, start, end) {
      if (!c.admitted) {
        if (!isConnected(buf, start, end)) {
          c.fail('expected connected');
          return;
        }
        c.admitted = true;
        c.done();
        if (++connected === receivers + 1) onAllConnected();
        return;
      }
      const d = end - 2 - o.dataBytes; // where the data begins
      if (d < start + 1 || buf[d] !== 0x54 /* T */ || buf[d - 1] !== 0x22 /* " */) return;
      c.count++;
      if (c.tag === 0) return; // the sender's own copy
      c.lastLength = end - start;
      if (!max) {
        const sentAt = Number(buf.toString('latin1', d + 1, d + 17));
        if (recording && sentAt >= window.start) {
          if (samples < capacity) latencies[samples++] = performance.now() - sentAt;
          else overflow++;
        }
      } else if (!pumpScheduled && !stopped) {
        pumpScheduled = true;
        setImmediate(pump);
      }
    },
    onServerClose(c, code, reason) {
      c.error ??= `closed by the server: ${code} ${reason}`;
    },
    onEnd(c, error) {
      if (!c.admitted) c.done();
      if (error !== undefined && !stopped) errors.push(error);
      if (++ended === clients.length) onAllEnded();
      if (!stopped && errors.length > 0) onAllConnected(); // do not wait for the rest
    },
  };

  const opened = bounded(receivers + 1, 20, (i, done) => {
    const c = new RawClient(o.port, requests[i], handler);
    c.tag = i;
    c.admitted = false;
    c.count = 0;
    c.done = done;
    clients.push(c);
  });
  await Promise.race([opened.then(() => allConnected), sleep(10_000)]);
  if (errors.length > 0 || connected !== receivers + 1)
    throw new Error(`only ${connected} of ${receivers + 1} admitted${errors.length > 0 ? `: ${errors[0]}` : ''}`);
  await sleep(200); // let the connectionCreated announcements drain
  const sender = clients[0];
  const listeners = clients.slice(1);
  const delivered = () => {
    let sum = 0;
    for (const c of listeners) sum += c.count;
    return sum;
  };
  const slowest = () => {
    let min = Infinity;
    for (const c of listeners) if (c.count < min) min = c.count;
    return min;
  };

  function pump() {
    pumpScheduled = false;
    if (stopped) return;
    const room = o.window - (sent - slowest());
    if (room >= o.window / 4) {
      sender.write(signalFrames(room));
      sent += room;
    }
  }
  let ticker;
  const t0 = performance.now();
  if (max) {
    pump();
    ticker = setInterval(pump, 5); // in case a turn passes with nothing received
  } else {
    ticker = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) * o.rate) / 1000);
      if (due > sent) {
        sender.write(signalFrames(due - sent));
        sent = due;
      }
    }, 1);
  }

  await sleep(o.warmupMs);
  window = { start: performance.now(), delivered: delivered(), sent, cpu0: process.cpuUsage() };
  recording = true;
  emit({ event: 'measure-start' });
  await sleep(o.durationMs);
  const end = performance.now();
  const ms = end - window.start;
  const deliveredInWindow = delivered() - window.delivered;
  const sentInWindow = sent - window.sent;
  const loadCpu = cpuSince(window.cpu0, ms);
  emit({ event: 'measure-end' });
  stopped = true;
  clearInterval(ticker);

  // Everything sent must arrive: wait (bounded) for the backlog to drain, then count what is missing.
  const drainStart = performance.now();
  while (slowest() < sent && performance.now() - drainStart < 5000 && errors.length === 0) await sleep(5);
  const drainMs = performance.now() - drainStart;
  recording = false;
  const missing = sent * receivers - delivered();
  if (errors.length > 0) throw new Error(`a connection failed during the run: ${errors[0]}`);
  for (const c of clients) c.close();
  await Promise.race([allEnded, sleep(3000)]);

  const result = {
    deliveriesPerSec: Math.round(deliveredInWindow / (ms / 1000)),
    signalsPerSec: Math.round(sentInWindow / (ms / 1000)),
    receivers,
    messageBytes: listeners[0].lastLength, // the JSON text a receiver gets (+ 4 bytes of frame header)
    ms: round(ms, 1),
    missing,
    drainMs: round(drainMs, 1),
    loadCpu,
  };
  if (max) {
    result.window = o.window;
  } else {
    const sorted = latencies.subarray(0, samples).sort();
    Object.assign(result, {
      targetRate: o.rate,
      latencySamples: samples + overflow,
      latencyP50Ms: round(percentile(sorted, 50), 3),
      latencyP99Ms: round(percentile(sorted, 99), 3),
      latencyMaxMs: round(sorted[sorted.length - 1] ?? NaN, 3),
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------- idle

async function idle(o, commands) {
  await requireFileLimit(o.count);
  const total = o.warm + o.count;
  const { requests, frames } = prepareAdmissions(o, total, (i) =>
    i < o.warm ? `warm-${process.pid}-${i}` : `idle-${process.pid}-${Math.floor((i - o.warm) / o.perSession)}`,
  );
  const errors = [];
  const handler = {
    onOpen(c) {
      c.write(frames[c.tag]);
    },
    onText(c, buf, start, end) {
      if (c.admitted) return; // later events (connectionCreated of others in its session)
      if (!isConnected(buf, start, end)) {
        c.fail('expected connected');
        return;
      }
      c.admitted = true;
      c.done();
    },
    onServerClose(c, code, reason) {
      c.error ??= `closed by the server: ${code} ${reason}`;
    },
    onEnd(c, error) {
      if (!c.admitted || c.holding) errors.push(error ?? 'closed by the server');
      c.ended();
      if (!c.admitted) c.done();
    },
  };
  /** Opens connections first…last-1 with `concurrency` in flight; resolves with them once all are admitted. */
  async function openAll(first, last, concurrency, label) {
    const clients = [];
    let endedCount = 0;
    let onEnded;
    const allEnded = new Promise((resolve) => {
      onEnded = resolve;
    });
    const opened = bounded(last - first, concurrency, (k, done) => {
      const c = new RawClient(o.port, requests[first + k], handler);
      c.tag = first + k;
      c.admitted = false;
      c.holding = false;
      c.done = done;
      c.ended = () => {
        if (++endedCount === last - first) onEnded();
      };
      clients.push(c);
    });
    await Promise.race([
      opened,
      sleep(60_000).then(() => {
        throw new Error(`${label}: not all admitted within 60 s`);
      }),
    ]);
    if (errors.length > 0) throw new Error(`${label}: ${errors.length} connection(s) failed, first: ${errors[0]}`);
    return { clients, allEnded };
  }
  async function closeAll({ clients, allEnded }) {
    for (const c of clients) {
      c.holding = false;
      c.close();
    }
    await Promise.race([allEnded, sleep(15_000)]);
  }

  const warm = await openAll(0, o.warm, 128, 'warm-up');
  await closeAll(warm);
  await sleep(100);
  emit({ event: 'warm' });
  if ((await commands.next()) !== 'go') throw new Error('stopped before go');
  const t = performance.now();
  const held = await openAll(o.warm, total, 256, 'idle');
  for (const c of held.clients) c.holding = true;
  const openMs = performance.now() - t;
  await sleep(200); // let the last connectionCreated announcements (sessions of several) be read
  emit({ event: 'ready', open: held.clients.length, openMs: round(openMs, 1) });
  await commands.next(); // "close", or end of stdin
  if (errors.length > 0) throw new Error(`${errors.length} held connection(s) were dropped, first: ${errors[0]}`);
  const closing = performance.now();
  await closeAll(held);
  return {
    count: o.count,
    perSession: o.perSession,
    openMs: round(openMs, 1),
    closeMs: round(performance.now() - closing, 1),
  };
}

// ---------------------------------------------------------------------------------- main

/** Lines from stdin, one at a time; undefined at its end. */
function stdinCommands() {
  const queue = [];
  const waiting = [];
  let closed = false;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = line.trim();
    if (waiting.length > 0) waiting.shift()(command);
    else queue.push(command);
  });
  lines.on('close', () => {
    closed = true;
    while (waiting.length > 0) waiting.shift()(undefined);
  });
  return {
    next() {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      lines.close();
      process.stdin.destroy();
    },
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  setTimeout(() => {
    process.stderr.write(`load.mjs: still running after ${HARD_LIMIT_MS / 1000} s: exiting\n`);
    process.exit(1);
  }, HARD_LIMIT_MS).unref();
  let result;
  if (o.mode === 'idle') {
    const commands = stdinCommands();
    result = await idle(o, commands);
    commands.close();
  } else {
    result = o.mode === 'admissions' ? await admissions(o) : await fanout(o);
  }
  emit({ event: 'result', mode: o.mode, kind: o.kind, ...result });
  // Sockets still closing must not hold the process (they are the server's to finish).
  setTimeout(() => process.exit(0), 50);
}

main().catch((err) => {
  process.stderr.write(`load.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
