#!/usr/bin/env node
// Client benchmark orchestrator: `npm run bench:client` (which builds first), or
//   node bench/client/run.mjs [--rounds 5] [--browser-rounds 3] [--joins 12] [--drops 20] [--concurrency 16]
//        [--duration-ms 3000] [--warmup-ms 1000] [--only handshake,resume,browser,bundle] [--no-fetch] [--json]
//        [--save FILE]
//
// Four parts, all against the real gateway on 127.0.0.1:
// - handshake: @stagepass/client `connect()` → session vs a raw `ws` client doing the same handshake (`connect`
//   message → `connected`), each in its own process against a fresh gateway process (bench/gateway/server.mjs
//   gateway), at --concurrency handshakes in flight and at 1; ratio of the medians, SDK / raw;
// - resume: an SDK session behind a TCP proxy that cuts its socket, cut → `reconnected` (bench/client/resume.mjs);
// - browser: Debian's Chromium, the demo page joining as a subscriber of a session with one publisher, Join click →
//   first remote video frame, and the publisher page's resume after a cut (bench/client/browser-join.mjs);
// - bundle: min and min+gzip of our bundle beside livekit-client's and @opentok/client's published ones (npm pack).
// Rounds are interleaved (round 1 runs every case, then round 2, …; even rounds in reverse order), every case in
// fresh processes. A report, not a test: exits 0 when a target is missed, 1 when a case crashes, 2 on bad usage.
// With --json, stdout holds exactly one JSON document (progress goes to stderr).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, arch, cpus, loadavg, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createProgress, median, round } from '../shared/report.mjs';
import { bundleSizes } from './bundle-size.mjs';
import { CHROMIUM_PATH } from './chromium-path.mjs';
import { report } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PARTS = ['handshake', 'resume', 'browser', 'bundle'];
/** A case (all its processes) taking longer than this is killed and reported as crashed. */
const CASE_TIMEOUT_MS = 180_000;

function usage() {
  return `usage: node bench/client/run.mjs [options]
  --rounds N          rounds of the handshake and resume cases, fresh processes each (default 5)
  --browser-rounds N  rounds of the browser case, a fresh gateway and Chromium each (default 3)
  --joins N           measured subscriber joins per browser round, after 1 not counted (default 12)
  --drops N           socket cuts per resume round (default 20; the browser round cuts 5)
  --concurrency N     handshakes in flight in the throughput pair (default 16; a second pair runs 1)
  --duration-ms MS    measured time of each handshake case per round (default 3000)
  --warmup-ms MS      warm-up of each handshake case, not counted (default 1000)
  --only a,b          run only these parts: ${PARTS.join(', ')}
  --no-fetch          do not npm pack livekit-client and @opentok/client (our bundle only)
  --json              print only JSON on stdout
  --save FILE         also write the JSON document to FILE (e.g. bench/results/client.json, git-ignored)`;
}

function die(message) {
  process.stderr.write(`bench:client: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { rounds: 5, browserRounds: 3, joins: 12, drops: 20, concurrency: 16, durationMs: 3000, warmupMs: 1000 };
  Object.assign(o, { only: PARTS, fetch: true, json: false, save: undefined });
  const numbers = {
    '--rounds': ['rounds', 1],
    '--browser-rounds': ['browserRounds', 1],
    '--joins': ['joins', 10],
    '--drops': ['drops', 1],
    '--concurrency': ['concurrency', 2],
    '--duration-ms': ['durationMs', 100],
    '--warmup-ms': ['warmupMs', 0],
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline;
    if (arg.startsWith('--') && arg.includes('='))
      [arg, inline] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const value = () => inline ?? argv[++i] ?? die(`${arg} needs a value`);
    if (arg in numbers) {
      const [key, min] = numbers[arg];
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) die(`${arg} needs a whole number ≥ ${min}`);
      o[key] = n;
    } else if (arg === '--only') {
      o.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = o.only.filter((p) => !PARTS.includes(p));
      if (unknown.length > 0) die(`unknown part(s): ${unknown.join(', ')}\n${usage()}`);
    } else if (arg === '--no-fetch') o.fetch = false;
    else if (arg === '--json') o.json = true;
    else if (arg === '--save') o.save = resolve(value());
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${usage()}\n`);
      process.exit(0);
    } else die(`unknown option ${argv[i]}\n${usage()}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------- processes

class CaseError extends Error {}

function spawnNode(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  child.stdin.on('error', () => {});
  const exited = new Promise((done) => child.once('close', (code, signal) => done({ code, signal })));
  const lines = createInterface({ input: child.stdout });
  const output = [];
  lines.on('line', (line) => output.push(line));
  return { child, lines, output, exited, stderr: () => stderr };
}

/** The process's one JSON line, once it exited 0. */
async function resultOf(proc, what) {
  const { code, signal } = await proc.exited;
  if (code !== 0) throw new CaseError(`${what} exited with ${code ?? signal}\n${proc.stderr()}`);
  const line = proc.output.find((l) => l.startsWith('{'));
  if (line === undefined) throw new CaseError(`${what} printed no result\n${proc.stderr()}`);
  return JSON.parse(line);
}

/** A fresh gateway process (bench/gateway/server.mjs gateway): its port, App ID and secret; stop() ends it. */
async function startGateway() {
  const server = spawnNode(['--expose-gc', join(root, 'bench', 'gateway', 'server.mjs'), 'gateway']);
  const hello = await new Promise((resolveHello, reject) => {
    const timer = setTimeout(() => reject(new CaseError('the gateway printed nothing within 20 s')), 20_000);
    server.lines.once('line', (line) => {
      clearTimeout(timer);
      resolveHello(JSON.parse(line));
    });
    server.exited.then(({ code, signal }) =>
      reject(new CaseError(`the gateway exited with ${code ?? signal}\n${server.stderr()}`)),
    );
  });
  return {
    args: ['--port', String(hello.port), '--app-id', hello.appId, '--secret', hello.secret],
    async stop() {
      server.child.stdin.end();
      const exit = await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (exit === undefined) {
        server.child.kill('SIGKILL');
        throw new CaseError('the gateway did not exit within 10 s of its stdin closing');
      }
      if (exit.code !== 0)
        throw new CaseError(`the gateway exited with ${exit.code ?? exit.signal}\n${server.stderr()}`);
    },
    kill: () => server.child.kill('SIGKILL'),
  };
}

/** Runs `args` (a script and its options) against a fresh gateway; resolves with its result line. */
async function withGateway(args, what) {
  const gateway = await startGateway();
  let proc;
  const timer = setTimeout(() => {
    gateway.kill();
    proc?.child.kill('SIGKILL');
  }, CASE_TIMEOUT_MS);
  try {
    proc = spawnNode([...args, ...gateway.args]);
    const result = await resultOf(proc, what);
    await gateway.stop();
    return result;
  } catch (err) {
    gateway.kill();
    proc?.child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------- cases

function cases(o) {
  const list = [];
  if (o.only.includes('handshake')) {
    for (const concurrency of [o.concurrency, 1])
      for (const mode of ['sdk', 'raw'])
        list.push({
          name: `handshake-${concurrency}-${mode}`,
          part: 'handshake',
          rounds: o.rounds,
          run: () =>
            withGateway(
              [join(here, 'handshake.mjs'), mode, '--concurrency', String(concurrency)].concat([
                '--warmup-ms',
                String(o.warmupMs),
                '--duration-ms',
                String(o.durationMs),
              ]),
              `handshake.mjs ${mode}`,
            ),
        });
  }
  if (o.only.includes('resume'))
    list.push({
      name: 'resume-node',
      part: 'resume',
      rounds: o.rounds,
      run: () => withGateway([join(here, 'resume.mjs'), '--drops', String(o.drops)], 'resume.mjs'),
    });
  if (o.only.includes('browser'))
    list.push({
      name: 'browser-join',
      part: 'browser',
      rounds: o.browserRounds,
      run: async () => {
        const proc = spawnNode([
          join(here, 'browser-join.mjs'),
          '--joins',
          String(o.joins),
          '--warmup',
          '1',
          '--resumes',
          '5',
        ]);
        const timer = setTimeout(() => proc.child.kill('SIGKILL'), CASE_TIMEOUT_MS);
        try {
          return await resultOf(proc, 'browser-join.mjs');
        } finally {
          clearTimeout(timer);
        }
      },
    });
  return list;
}

// ---------------------------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const notices = [];
  if (o.only.includes('browser') && !existsSync(CHROMIUM_PATH)) {
    notices.push(`browser part skipped: ${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
    o.only = o.only.filter((p) => p !== 'browser');
  }
  const selected = cases(o);
  const progress = createProgress();
  const started = new Date();
  const loadStart = loadavg()[0];
  const t0 = performance.now();
  const samples = new Map(selected.map((c) => [c.name, []]));
  const rounds = Math.max(0, ...selected.map((c) => c.rounds));
  for (let r = 1; r <= rounds; r++) {
    const inRound = selected.filter((c) => r <= c.rounds);
    if (r % 2 === 0) inRound.reverse();
    progress.show(`round ${r}/${rounds}: ${inRound.length} case(s)…`, true);
    for (const c of inRound) {
      progress.show(`round ${r}/${rounds}: ${c.name}…`, false);
      try {
        samples.get(c.name).push(await c.run());
      } catch (err) {
        progress.clear();
        process.stderr.write(
          `bench:client: case ${c.name} (round ${r}) failed: ${err instanceof CaseError ? err.message : (err?.stack ?? err)}\n`,
        );
        process.exit(1);
      }
    }
  }
  let bundles = [];
  if (o.only.includes('bundle')) {
    progress.show('bundle sizes (npm pack)…', true);
    bundles = await bundleSizes({ fetch: o.fetch });
    for (const b of bundles) if (b.notice !== undefined) notices.push(b.notice);
  }
  progress.clear();
  const meta = {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    date: started.toISOString(),
    options: { ...o, only: o.only, save: undefined },
    elapsedSeconds: round((performance.now() - t0) / 1000, 1),
    loadAverage1m: { start: round(loadStart, 2), end: round(loadavg()[0], 2) },
  };
  const document = { ...meta, ...summarise(o, samples, bundles), notices };
  const json = `${JSON.stringify(document, null, 2)}\n`;
  if (o.save !== undefined) {
    mkdirSync(dirname(o.save), { recursive: true });
    writeFileSync(o.save, json);
  }
  process.stdout.write(o.json ? json : `${report(document)}\n`);
}

// ---------------------------------------------------------------------------------- summary

/** The p-th percentile (nearest rank) of numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Targets: the issue's, from this one run. */
export const TARGETS = {
  handshakeRatio: 0.8,
  joinP50Ms: 1000,
  bundleGzipBytes: 25 * 1024,
};

function summariseHandshakes(o, samples) {
  const out = { cases: [], ratios: [] };
  for (const concurrency of [o.concurrency, 1]) {
    const sdk = samples.get(`handshake-${concurrency}-sdk`);
    const raw = samples.get(`handshake-${concurrency}-raw`);
    if (sdk === undefined || raw === undefined) continue;
    for (const [mode, runs] of [
      ['sdk', sdk],
      ['raw', raw],
    ]) {
      const entry = { name: `handshake-${concurrency}-${mode}`, mode, concurrency, rounds: runs.length };
      for (const key of ['handshakesPerSec', 'latencyP50Ms', 'latencyP99Ms', 'clientCpuUsPerHandshake', 'clientCpu'])
        entry[key] = round(median(runs.map((r) => r[key])), 3);
      const values = runs.map((r) => r.handshakesPerSec);
      Object.assign(entry, { min: Math.min(...values), max: Math.max(...values), runs });
      out.cases.push(entry);
    }
    const value = median(sdk.map((r) => r.handshakesPerSec)) / median(raw.map((r) => r.handshakesPerSec));
    const perRound = sdk.map((r, i) => r.handshakesPerSec / raw[i].handshakesPerSec);
    const cpu = median(sdk.map((r) => r.clientCpuUsPerHandshake)) / median(raw.map((r) => r.clientCpuUsPerHandshake));
    out.ratios.push({
      name: `SDK connect() / raw ws handshakes per second, ${concurrency} in flight`,
      concurrency,
      value: round(value, 2),
      roundMin: round(Math.min(...perRound), 2),
      roundMax: round(Math.max(...perRound), 2),
      clientCpuRatio: round(cpu, 2),
      ...(concurrency === o.concurrency
        ? { target: TARGETS.handshakeRatio, pass: value >= TARGETS.handshakeRatio }
        : {}),
    });
  }
  return out;
}

function spread(values) {
  return {
    p50: round(percentile(values, 50), 1),
    p95: round(percentile(values, 95), 1),
    min: round(Math.min(...values), 1),
    max: round(Math.max(...values), 1),
    count: values.length,
  };
}

function summariseBrowser(runs) {
  const joins = runs.flatMap((r) => r.joins);
  const firstFrame = joins.map((j) => j.marks.firstFrame);
  const steps = {};
  for (const name of new Set(joins.flatMap((j) => Object.keys(j.marks))))
    steps[name] = round(median(joins.map((j) => j.marks[name]).filter((t) => t !== undefined)), 1);
  const perRoundP50 = runs.map((r) =>
    round(
      percentile(
        r.joins.map((j) => j.marks.firstFrame),
        50,
      ),
      1,
    ),
  );
  const resumes = runs.flatMap((r) => r.resumes);
  const candidates = [...new Set(joins.flatMap((j) => j.localCandidates))];
  return {
    rounds: runs.length,
    firstFrameMs: { ...spread(firstFrame), perRoundP50 },
    framesDecodedMs: spread(joins.map((j) => j.marks.framesDecoded).filter((t) => t !== undefined)),
    warmupFirstFrameMs: runs.flatMap((r) => r.warmup.map((w) => w.marks.firstFrame)),
    medianStepsMs: steps,
    localCandidateTypes: candidates,
    target: TARGETS.joinP50Ms,
    pass: percentile(firstFrame, 50) <= TARGETS.joinP50Ms,
    resume: {
      inPageMs: spread(resumes.map((x) => x.inPageMs)),
      cutToSeenMs: spread(resumes.map((x) => x.cutToSeenMs)),
    },
    runs,
  };
}

function summarise(o, samples, bundles) {
  const out = { handshake: summariseHandshakes(o, samples) };
  const resume = samples.get('resume-node');
  if (resume !== undefined && resume.length > 0) {
    const all = resume.flatMap((r) => r.resumeMs);
    out.resume = {
      rounds: resume.length,
      resumeMs: { ...spread(all), perRoundP50: resume.map((r) => round(percentile(r.resumeMs, 50), 1)) },
      connectMs: spread(resume.flatMap((r) => r.connectMs)),
      runs: resume,
    };
  }
  const browser = samples.get('browser-join');
  if (browser !== undefined && browser.length > 0) out.browser = summariseBrowser(browser);
  if (bundles.length > 0) {
    const ours = bundles[0];
    out.bundles = { rows: bundles, target: TARGETS.bundleGzipBytes, pass: ours.gzipBytes <= TARGETS.bundleGzipBytes };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
