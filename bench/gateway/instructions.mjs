#!/usr/bin/env node
// Instructions per operation of the gateway server, counted by valgrind (callgrind's Ir), for
// comparing builds that differ by one change on a machine whose speed drifts and whose cores are
// shared (docs/benchmarks.md "Shortcut ledger"). Needs valgrind (callgrind_control comes with it)
// and a build (npm run build):
//   node bench/gateway/instructions.mjs <admissions | fanout> [--n N] [--warm W] [--windows K]
//        [--processes P] [--concurrency C] [--batch B] [--gateway DIR] [--label L]
//        [--node-flags "…"] [--collect] [--json] [--server gateway|bare-ws]
//
// The server (bench/gateway/server.mjs gateway: the gateway benchmark's server) runs under
//   valgrind --tool=callgrind --separate-threads=yes node --expose-gc <node flags> bench/gateway/server.mjs gateway
// and this process drives it natively, as load.mjs does (raw-ws.mjs clients, pre-minted tokens).
// After W warm-up operations come K windows of N operations; before and after each window the
// server is idle and `callgrind_control --dump` writes (and zeroes) its counters, so a window's
// count is exactly that window's work: no startup, no warm-up, no shutdown. The figure is the
// server's MAIN-thread instructions per operation (the thread every admission and delivery runs
// on); all threads' counts (V8's background compiler too) are reported alongside.
//
// Node flags, default "--single-threaded-gc --predictable-gc-schedule --initial-old-space-size=1024":
// garbage collection on the main thread (counted in the figure, not spread over helper threads),
// a fixed young generation (4 MiB semi-spaces; scavenges at a regular rhythm) and no memory
// reducer, and an old generation large enough that no major GC falls inside a window (one would
// add ~60–90 M instructions to whichever window it lands in: ±10–20 % per window). So the figure
// is the mutator plus its scavenges, and repeats within ~0.5 % between processes. --collect
// forces full collections before each window instead (repeatable too, but every window then
// re-warms the JIT, which inflates the figure).
//
// Operations:
//   admissions  one admission as in the admissions benchmark: a fresh socket, upgrade, `connect`
//               with its own token (its own session), `connected`, close frame; C in flight
//               (default 128, as the benchmark), a new one as soon as one is admitted.
//               Default N 1000, W 3000, K 4.
//   fanout      one signal from 1 sender to a session of 101 (the sender + 100 receivers; the
//               gateway delivers to all 101): the sender writes B signals at once (default 50, one
//               TCP write) and the next B once every receiver has all of them. Default N 2000,
//               W 2000, K 4. The figure is per signal (101 deliveries); "per delivery" is /101.
//
// --gateway DIR loads the gateway from DIR/dist/index.js (server.mjs's STAGEPASS_BENCH_GATEWAY):
// a copy of packages/gateway with one change, measured against an unchanged copy (same file
// paths, same lengths). KEEP_DUMPS=DIR keeps every dump there (callgrind_annotate reads them).
// Progress on stderr; --json: one JSON document on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createMinter } from '@stagepass/token';
import {
  OP_TEXT,
  RawClient,
  bounded,
  maskInPlace,
  maskedFrame,
  maskedHeaderLength,
  upgradeRequest,
} from './raw-ws.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const serverScript = join(here, 'server.mjs');
const CONNECTED_PREFIX = Buffer.from('{"type":"connected"');
const DEFAULT_NODE_FLAGS = ['--single-threaded-gc', '--predictable-gc-schedule', '--initial-old-space-size=1024'];
/** One server process (valgrind is ~30–60× slower than native) is killed after this long. */
const PROCESS_TIMEOUT_MS = 20 * 60 * 1000;

function die(message) {
  process.stderr.write(`instructions.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const mode = argv[0];
  if (mode !== 'admissions' && mode !== 'fanout')
    die(
      'usage: node bench/gateway/instructions.mjs <admissions | fanout> [--n N] [--warm W] [--windows K] [--processes P] [--concurrency C] [--batch B] [--gateway DIR] [--label L] [--node-flags "…"] [--collect] [--json]',
    );
  const o = {
    mode,
    n: mode === 'admissions' ? 1000 : 2000,
    warm: mode === 'admissions' ? 3000 : 2000,
    windows: 4,
    processes: 1,
    concurrency: 128,
    batch: 50,
    receivers: 100,
    gateway: undefined,
    label: undefined,
    json: false,
    collect: false,
    nodeFlags: DEFAULT_NODE_FLAGS,
  };
  const numeric = {
    '--n': 'n',
    '--warm': 'warm',
    '--windows': 'windows',
    '--processes': 'processes',
    '--concurrency': 'concurrency',
    '--batch': 'batch',
    '--receivers': 'receivers',
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      o.json = true;
      continue;
    }
    if (arg === '--collect') {
      o.collect = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) die(`${arg} needs a value`);
    if (arg in numeric) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) die(`${arg} needs a whole number ≥ 1`);
      o[numeric[arg]] = n;
    } else if (arg === '--gateway') o.gateway = resolve(value);
    else if (arg === '--label') o.label = value;
    else if (arg === '--server') {
      if (!['gateway', 'bare-ws'].includes(value)) die('--server needs gateway or bare-ws');
      o.server = value;
    } else if (arg === '--node-flags') o.nodeFlags = value.split(' ').filter(Boolean);
    else die(`unknown option ${arg}`);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------- the server

const run = (cmd, args) =>
  new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolveRun(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${out}`)),
    );
  });

/**
 * Starts server.mjs under callgrind; resolves with its hello line, dump() (the instructions since
 * the previous dump, from `callgrind_control --dump`: callgrind zeroes its counters at each dump)
 * and stop().
 */
async function startServer(o) {
  const dir = mkdtempSync(join(tmpdir(), 'sp-callgrind-'));
  const out = join(dir, 'callgrind.out');
  const env = { ...process.env };
  if (o.gateway !== undefined) env.STAGEPASS_BENCH_GATEWAY = o.gateway;
  else delete env.STAGEPASS_BENCH_GATEWAY;
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      '--separate-threads=yes',
      '--quiet',
      process.execPath,
      '--expose-gc',
      ...o.nodeFlags,
      serverScript,
      o.server ?? 'gateway',
    ],
    { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => {
    if (stderr.length < 64 * 1024) stderr += c;
  });
  child.stdin.on('error', () => {});
  const exited = new Promise((r) => child.once('close', (code, signal) => r({ code, signal })));
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
  const lines = createInterface({ input: child.stdout });
  const hello = await new Promise((resolveLine, reject) => {
    lines.once('line', (line) => resolveLine(JSON.parse(line)));
    exited.then(({ code, signal }) =>
      reject(new Error(`server exited with ${code ?? signal} before starting\n${stderr}`)),
    );
  });
  let dumps = 0;
  const answers = [];
  lines.on('line', (line) => answers.shift()?.(line));
  return {
    hello,
    /** Full collections (server.mjs's `memory` command: global.gc() four times, a turn apart). */
    collect() {
      return new Promise((resolveAnswer) => {
        answers.push(resolveAnswer);
        child.stdin.write('memory\n');
      });
    },
    async dump(what) {
      await run('callgrind_control', [`--dump=${what}`, String(child.pid)]);
      const prefix = `callgrind.out.${++dumps}-`; // one file per thread: -01 is the main thread
      let files = [];
      for (let i = 0; i < 600; i++) {
        files = readdirSync(dir).filter((f) => f.startsWith(prefix));
        if (files.some((f) => f.endsWith('-01'))) break;
        await sleep(100);
      }
      await sleep(300); // let every thread's file be written
      files = readdirSync(dir).filter((f) => f.startsWith(prefix));
      let main;
      let all = 0;
      for (const f of files) {
        const m = /^totals: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
        if (m === null) throw new Error(`no totals in ${f}`);
        all += Number(m[1]);
        if (f.endsWith('-01')) main = Number(m[1]);
        if (process.env.KEEP_DUMPS === undefined) rmSync(join(dir, f));
        else
          renameSync(
            join(dir, f),
            join(process.env.KEEP_DUMPS, `${what.replace(/\W+/g, '-')}${f.slice(prefix.length - 1)}.out`),
          );
      }
      if (main === undefined) throw new Error(`no main-thread dump for ${what}`);
      return { main, all };
    },
    async stop() {
      child.stdin.end();
      const { code, signal } = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with ${code ?? signal}\n${stderr}`);
    },
  };
}

// ---------------------------------------------------------------------------------- the load

function isConnected(buf, start, end) {
  return (
    end - start >= CONNECTED_PREFIX.length &&
    buf.compare(CONNECTED_PREFIX, 0, CONNECTED_PREFIX.length, start, start + CONNECTED_PREFIX.length) === 0
  );
}

function prepare(hello, count, sessionOf) {
  const minter = createMinter({ appId: hello.appId, secret: hello.secret });
  const requests = new Array(count);
  const frames = new Array(count);
  for (let i = 0; i < count; i++) {
    const sessionId = sessionOf(i);
    const token = minter.mint({ sessionId, ttl: '1h' });
    requests[i] = upgradeRequest(
      hello.port,
      `/v1/connect?appId=${encodeURIComponent(hello.appId)}&sessionId=${encodeURIComponent(sessionId)}`,
    );
    frames[i] = maskedFrame(OP_TEXT, `{"type":"connect","v":1,"token":"${token}"}`);
  }
  return { requests, frames };
}

/** `total` admissions, `concurrency` in flight; resolves when every socket has ended. */
function admissions(hello, total, concurrency, first) {
  // Session IDs of one length, a fresh one per admission.
  const { requests, frames } = prepare(hello, total, (i) => `adm-${String(first + i).padStart(7, '0')}`);
  return new Promise((resolveAll, reject) => {
    let next = 0;
    let admitted = 0;
    let ended = 0;
    const handler = {
      onOpen(c) {
        c.write(frames[c.tag]);
      },
      onText(c, buf, start, end) {
        if (c.admitted) return;
        if (!isConnected(buf, start, end)) {
          reject(new Error(`expected connected, got ${buf.toString('utf8', start, Math.min(end, start + 80))}`));
          return;
        }
        c.admitted = true;
        admitted++;
        c.close();
        startOne();
      },
      onServerClose(c, code, reason) {
        if (!c.admitted) reject(new Error(`closed by the server: ${code} ${reason}`));
      },
      onEnd(c, error) {
        if (!c.admitted) reject(new Error(`ended before connected: ${error}`));
        if (++ended === total) resolveAll(admitted);
      },
    };
    function startOne() {
      if (next >= total) return;
      const c = new RawClient(hello.port, requests[next], handler);
      c.tag = next++;
      c.admitted = false;
    }
    for (let i = 0; i < Math.min(concurrency, total); i++) startOne();
  });
}

/** Admits 1 sender + `receivers` in one session; resolves with send(signals) and close(). */
async function fanout(hello, o) {
  const { requests, frames } = prepare(hello, o.receivers + 1, () => 'fanout-session');
  const data = `T${'0'.repeat(16)}${'x'.repeat(83)}`; // 100 characters, as load.mjs sends
  const text = `{"type":"signal","data":"${data}"}`;
  const length = Buffer.byteLength(text);
  const header = maskedHeaderLength(length);
  const batchBytes = Buffer.allocUnsafe(o.batch * (header + length));
  for (let i = 0, off = 0; i < o.batch; i++) {
    batchBytes.write(text, off + header, 'latin1');
    off = maskInPlace(batchBytes, off, OP_TEXT, length);
  }
  const clients = [];
  let connected = 0;
  let failure;
  let onAll;
  let waitingFor = 0;
  let signal = () => {};
  const handler = {
    onOpen(c) {
      c.write(frames[c.tag]);
    },
    onText(c, buf, start, end) {
      if (!c.admitted) {
        if (!isConnected(buf, start, end)) {
          failure ??= 'expected connected';
          return;
        }
        c.admitted = true;
        c.done();
        if (++connected === o.receivers + 1) onAll();
        return;
      }
      const d = end - 2 - data.length;
      if (d < start + 1 || buf[d] !== 0x54 /* T */ || buf[d - 1] !== 0x22 /* " */) return; // connectionCreated
      c.count++;
      if (c.tag !== 0 && c.count === waitingFor) signal();
    },
    onServerClose(c, code, reason) {
      failure ??= `closed by the server: ${code} ${reason}`;
    },
    onEnd(c, error) {
      if (!c.closing) failure ??= error ?? 'ended';
    },
  };
  const all = new Promise((r) => {
    onAll = r;
  });
  await bounded(o.receivers + 1, 20, (i, done) => {
    const c = new RawClient(hello.port, requests[i], handler);
    Object.assign(c, { tag: i, admitted: false, count: 0, done, closing: false });
    clients.push(c);
  });
  await all;
  await sleep(500); // the connectionCreated announcements
  if (failure !== undefined) throw new Error(failure);
  const receivers = clients.slice(1);
  let sent = 0;
  async function send(signals) {
    for (let k = 0; k < signals; k += o.batch) {
      sent += o.batch;
      waitingFor = sent;
      let left = receivers.filter((c) => c.count < sent).length;
      const done = new Promise((r) => {
        signal = () => {
          if (--left === 0) r();
        };
      });
      clients[0].write(batchBytes);
      await Promise.race([
        done,
        sleep(120_000).then(() => {
          throw new Error(`signals not delivered (${failure ?? 'timeout'})`);
        }),
      ]);
    }
  }
  return {
    send,
    async close() {
      for (const c of clients) {
        c.closing = true;
        c.close();
      }
      await sleep(500);
    },
  };
}

// ---------------------------------------------------------------------------------- main

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One server process: warm-up, then `windows` windows of N operations, each counted alone. */
async function measureProcess(o) {
  const server = await startServer(o);
  const counts = [];
  if (o.mode === 'admissions') {
    let first = 0;
    const batch = async (count) => {
      await admissions(server.hello, count, o.concurrency, first);
      first += count;
      await sleep(500); // the server's side of the last closes
    };
    await batch(o.warm);
    for (let w = 1; w <= o.windows; w++) {
      if (o.collect) await server.collect();
      await server.dump(`before window ${w}`);
      await batch(o.n);
      counts.push(await server.dump(`window ${w}`));
    }
  } else {
    if (o.warm % o.batch !== 0 || o.n % o.batch !== 0) die('--warm and --n must be multiples of --batch');
    const session = await fanout(server.hello, o);
    await session.send(o.warm);
    for (let w = 1; w <= o.windows; w++) {
      await sleep(300);
      if (o.collect) await server.collect();
      await server.dump(`before window ${w}`);
      await session.send(o.n);
      await sleep(300);
      counts.push(await server.dump(`window ${w}`));
    }
    await session.close();
  }
  await server.stop();
  return counts;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const label = o.label ?? (o.gateway === undefined ? 'workspace build' : o.gateway);
  const processes = [];
  const allThreadsPerOp = [];
  for (let r = 0; r < o.processes; r++) {
    const t0 = performance.now();
    const counts = await measureProcess(o);
    const perOp = counts.map((c) => Math.round(c.main / o.n));
    const allThreads = counts.map((c) => Math.round(c.all / o.n));
    processes.push(perOp);
    allThreadsPerOp.push(allThreads);
    process.stderr.write(
      `${label} ${o.mode} process ${r + 1}/${o.processes}: main thread ${perOp.join(' ')} Ir/op; all threads ${allThreads.join(' ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
  }
  // The first window still carries warm-up (JIT tiering; ~1–3 % above the next ones): the figure
  // is the mean of the later windows, over every process.
  const later = processes.flatMap((p) => (p.length > 1 ? p.slice(1) : p));
  const mean = later.reduce((a, b) => a + b, 0) / later.length;
  const result = {
    label,
    mode: o.mode,
    n: o.n,
    warm: o.warm,
    windows: o.windows,
    concurrency: o.mode === 'admissions' ? o.concurrency : undefined,
    batch: o.mode === 'fanout' ? o.batch : undefined,
    gateway: o.gateway ?? null,
    nodeFlags: o.nodeFlags,
    perOp: Math.round(mean),
    perDelivery: o.mode === 'fanout' ? Math.round(mean / (o.receivers + 1)) : undefined,
    medianWindow: Math.round(median(later)),
    spreadPercent:
      later.length > 1 ? Number((((Math.max(...later) - Math.min(...later)) / mean) * 100).toFixed(2)) : undefined,
    processes,
    allThreadsPerOp,
  };
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    process.stdout.write(
      `${label} ${o.mode}: ${result.perOp} main-thread Ir/op (mean of windows 2–${o.windows}${o.processes > 1 ? `, ${o.processes} processes` : ''})${result.perDelivery !== undefined ? `, ${result.perDelivery} per delivery` : ''}${result.spreadPercent !== undefined ? `; windows spread (max − min) / mean ${result.spreadPercent} %` : ''}\n`,
    );
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`instructions.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
