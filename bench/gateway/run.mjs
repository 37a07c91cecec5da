#!/usr/bin/env node
// Gateway benchmark orchestrator: `npm run bench:gateway` (which builds first), or
//   node bench/gateway/run.mjs [--rounds 6] [--duration-ms 3000] [--warmup-ms 1000] [--only a,b] [--json] [--cpu-prof DIR] [--save FILE]
//
// Every case is two processes: the server under test (node --expose-gc bench/gateway/server.mjs
// <kind>) and the load generator (node bench/gateway/load.mjs <mode> …), started afresh for each
// case in each round. Rounds are interleaved (round 1 runs every case, then round 2, …; even rounds
// in reverse order) so machine noise hits all cases alike; slow cases run at most 3 rounds.
// Reported: the median of the rounds per case, min–max, and the targets from this one run,
// with the server's CPU time per unit of work. Targets are a report, not a test:
// the exit code is 0 even when one fails, and 1 only when a case crashes (its stderr is printed).
// With --json, stdout holds exactly one JSON document and nothing else (progress goes to stderr).
// BENCH_SERVER_NODE_FLAGS="--flag …" adds Node flags to every server process (e.g. a GC setting, to see
// whether it moves a figure); unset, the servers run with --expose-gc only.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, arch, cpus, loadavg, platform } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CASES, TARGETS } from './cases.mjs';
import { openFileLimit } from './raw-ws.mjs';
import { createProgress, fmtInt, fmtPercent, median, round, table } from '../shared/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const serverScript = join(here, 'server.mjs');
const loadScript = join(here, 'load.mjs');
/** A case (both processes) taking longer than this is killed and reported as crashed. */
const CASE_TIMEOUT_MS = 120_000;

function usage() {
  return `usage: node bench/gateway/run.mjs [options]
  --rounds N          rounds; every case runs once per round, in fresh processes (default 6;
                      the fan-out-at-rate, fan-out-max and idle cases at most 3)
  --duration-ms MS    measured time of the admissions and fan-out cases (default 3000)
  --warmup-ms MS      warm-up before measuring, not counted (default 1000)
  --only a,b          run only these cases (names as listed below)
  --json              print only JSON on stdout
  --cpu-prof DIR      run every server process under --cpu-prof, profiles written to DIR
  --save FILE         also write the JSON document to FILE (e.g. bench/results/gateway.json, git-ignored)
cases: ${CASES.map((c) => c.name).join(', ')}`;
}

function die(message) {
  process.stderr.write(`bench:gateway: ${message}\n`);
  process.exit(2);
}

function integer(text, name, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) die(`${name} needs a whole number ≥ ${min}`);
  return n;
}

function parseArgs(argv) {
  const options = {
    rounds: 6,
    durationMs: 3000,
    warmupMs: 1000,
    only: undefined,
    json: false,
    cpuProf: undefined,
    save: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline;
    if (arg.startsWith('--') && arg.includes('='))
      [arg, inline] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const next = (name) => {
      const v = inline ?? argv[++i];
      if (v === undefined) die(`${name} needs a value`);
      return v;
    };
    switch (arg) {
      case '--rounds':
        options.rounds = integer(next(arg), arg, 1);
        break;
      case '--duration-ms':
        options.durationMs = integer(next(arg), arg, 100);
        break;
      case '--warmup-ms':
        options.warmupMs = integer(next(arg), arg, 0);
        break;
      case '--only':
        options.only = next(arg)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--json':
        options.json = true;
        break;
      case '--cpu-prof':
        options.cpuProf = resolve(next(arg));
        break;
      case '--save':
        options.save = resolve(next(arg));
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${usage()}\n`);
        process.exit(0);
        break;
      default:
        die(`unknown option ${argv[i]}\n${usage()}`);
    }
  }
  if (options.only !== undefined) {
    const unknown = options.only.filter((name) => !CASES.some((c) => c.name === name));
    if (unknown.length > 0) die(`unknown case(s): ${unknown.join(', ')}\n${usage()}`);
  }
  return options;
}

// ---------------------------------------------------------------------------------- processes

class CaseError extends Error {}

/**
 * Spawns `node …args` with piped stdio; when the case needs more open files than this process may
 * have, through `sh -c 'ulimit -n N'` (which can raise the hard limit too where the user may, e.g.
 * root with CAP_SYS_RESOURCE). Where it may not, the child checks its limit and says what to do.
 */
function spawnNode(args, fdsNeeded, fdLimit) {
  const raise = fdsNeeded !== undefined && fdLimit !== undefined && fdLimit < fdsNeeded;
  const child = raise
    ? spawn('/bin/sh', ['-c', `ulimit -n ${fdsNeeded} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...args], {
        cwd: root,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  child.stdin.on('error', () => {});
  const exited = new Promise((resolveExit) => child.once('close', (code, signal) => resolveExit({ code, signal })));
  const lines = createInterface({ input: child.stdout });
  return { child, lines, exited, stderr: () => stderr };
}

/** Sends a command line to the server and resolves with its one-line JSON answer. */
function commander(server) {
  const waiting = [];
  server.lines.on('line', (line) => {
    const resolveLine = waiting.shift();
    if (resolveLine !== undefined) resolveLine(line);
  });
  return (command) =>
    new Promise((resolveCommand, reject) => {
      const timer = setTimeout(() => reject(new CaseError(`server did not answer ${command} within 30 s`)), 30_000);
      waiting.push((line) => {
        clearTimeout(timer);
        try {
          resolveCommand(JSON.parse(line));
        } catch {
          reject(new CaseError(`server answered ${command} with ${line}`));
        }
      });
      server.child.stdin.write(`${command}\n`);
    });
}

function firstLine(proc, what, timeoutMs) {
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(
      () => reject(new CaseError(`${what} printed nothing within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    proc.lines.once('line', (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    proc.exited.then(({ code, signal }) =>
      reject(new CaseError(`${what} exited with ${code ?? signal} before starting`)),
    );
  });
}

/** Runs one case once: server, then load; returns the load's result with the server's figures added. */
async function runCase(c, options, fdLimit) {
  const fdsNeeded = c.load[0] === 'idle' ? Number(c.load[c.load.indexOf('--count') + 1]) + 1000 : undefined;
  const nodeArgs = ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  if (options.cpuProf !== undefined)
    nodeArgs.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      options.cpuProf,
      '--cpu-prof-name',
      `${c.name}-${Date.now()}.cpuprofile`,
    );
  const serverArgs = fdsNeeded === undefined ? [] : ['--min-open-files', String(fdsNeeded)];
  const server = spawnNode([...nodeArgs, serverScript, c.server, ...serverArgs], fdsNeeded, fdLimit);
  let load;
  const killAll = () => {
    server.child.kill('SIGKILL');
    load?.child.kill('SIGKILL');
  };
  const timer = setTimeout(killAll, CASE_TIMEOUT_MS);
  try {
    const hello = JSON.parse(await firstLine(server, 'server.mjs', 20_000));
    const ask = commander(server);
    load = spawnNode(
      [
        loadScript,
        ...c.load,
        '--port',
        String(hello.port),
        '--app-id',
        hello.appId,
        '--secret',
        hello.secret,
        '--kind',
        c.server,
        '--warmup-ms',
        String(options.warmupMs),
        '--duration-ms',
        String(options.durationMs),
      ],
      fdsNeeded,
      fdLimit,
    );
    const extra = {};
    let result;
    let steps = Promise.resolve();
    load.lines.on('line', (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      // Handled one after the other: each may wait for the server's answer.
      steps = steps.then(async () => {
        if (event.event === 'measure-start') extra.cpu0 = await ask('cpu');
        else if (event.event === 'measure-end') extra.cpu1 = await ask('cpu');
        else if (event.event === 'warm') {
          extra.before = await ask('memory');
          load.child.stdin.write('go\n');
        } else if (event.event === 'ready') {
          extra.after = await ask('memory');
          extra.open = event.open;
          load.child.stdin.write('close\n');
        } else if (event.event === 'result') result = event;
      });
    });
    const { code, signal } = await load.exited;
    await steps;
    if (code !== 0) throw new CaseError(`load.mjs exited with ${code ?? signal}\n${load.stderr()}`);
    if (result === undefined) throw new CaseError('load.mjs printed no result');
    delete result.event;
    if (extra.cpu0 !== undefined && extra.cpu1 !== undefined) {
      // process.cpuUsage(): every thread of the server process (V8's GC helpers too), user + kernel.
      const userMs = (extra.cpu1.user - extra.cpu0.user) / 1000;
      const systemMs = (extra.cpu1.system - extra.cpu0.system) / 1000;
      const wallMs = extra.cpu1.t - extra.cpu0.t;
      result.serverCpu = round((userMs + systemMs) / wallMs, 3);
      result.serverUserCpu = round(userMs / wallMs, 3);
      // Server CPU time per unit of work: the cost, whatever the load or the saturation.
      const work = result.admitted ?? (result.deliveriesPerSec * result.ms) / 1000;
      const unit = result.admitted !== undefined ? 1e3 : 1e6; // µs per admission, ns per delivery
      result.serverCpuPerOp = round(((userMs + systemMs) * unit) / work, 2);
      result.serverUserCpuPerOp = round((userMs * unit) / work, 2);
    }
    if (extra.after !== undefined) {
      const count = extra.open;
      if (extra.after.connections - extra.before.connections !== count) {
        throw new CaseError(
          `the server counts ${extra.after.connections - extra.before.connections} admitted connections, the load opened ${count}`,
        );
      }
      Object.assign(result, {
        heapPerConnKiB: round((extra.after.heapUsed - extra.before.heapUsed) / count / 1024, 2),
        rssPerConnKiB: round((extra.after.rss - extra.before.rss) / count / 1024, 2),
        heapBeforeMB: round(extra.before.heapUsed / 2 ** 20, 1),
        heapAfterMB: round(extra.after.heapUsed / 2 ** 20, 1),
        rssBeforeMB: round(extra.before.rss / 2 ** 20, 1),
        rssAfterMB: round(extra.after.rss / 2 ** 20, 1),
      });
    }
    server.child.stdin.end();
    const serverExit = await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (serverExit === undefined) throw new CaseError('server.mjs did not exit within 10 s of its stdin closing');
    if (serverExit.code !== 0)
      throw new CaseError(`server.mjs exited with ${serverExit.code ?? serverExit.signal}\n${server.stderr()}`);
    return result;
  } catch (err) {
    killAll();
    if (err instanceof CaseError) err.message += server.stderr() === '' ? '' : `\nserver stderr:\n${server.stderr()}`;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------- summary

const PRIMARY = {
  admissions: 'admissionsPerSec',
  'fanout-rate': 'latencyP99Ms',
  'fanout-max': 'deliveriesPerSec',
  idle: 'heapPerConnKiB',
};

function sustained(r) {
  return r.missing === 0 && r.deliveriesPerSec >= 0.98 * r.targetRate * r.receivers;
}

function summarise(c, runs) {
  const entry = { name: c.name, family: c.family, server: c.server, rounds: runs.length };
  const numeric = Object.keys(runs[0]).filter((k) => typeof runs[0][k] === 'number');
  for (const key of numeric) entry[key] = round(median(runs.map((r) => r[key])), 3);
  const primary = PRIMARY[c.family];
  const values = runs.map((r) => r[primary]);
  Object.assign(entry, { metric: primary, min: Math.min(...values), max: Math.max(...values), samples: values });
  if (c.family === 'fanout-rate') {
    entry.latencyMaxMs = Math.max(...runs.map((r) => r.latencyMaxMs));
    entry.sustained = runs.every(sustained);
    entry.missing = runs.reduce((sum, r) => sum + r.missing, 0);
  }
  entry.runs = runs;
  return entry;
}

function evaluate(target, byName) {
  if (target.kind === 'ratio') {
    const num = byName.get(target.numerator);
    const den = byName.get(target.denominator);
    if (num === undefined || den === undefined) return undefined;
    const value = num[target.metric] / den[target.metric];
    const rounds = Math.min(num.runs.length, den.runs.length);
    const perRound = Array.from({ length: rounds }, (_, i) => num.runs[i][target.metric] / den.runs[i][target.metric]);
    return {
      name: target.name,
      kind: 'ratio',
      metric: target.metric,
      numerator: target.numerator,
      denominator: target.denominator,
      value: round(value, 2),
      target: target.target,
      comparison: '>=',
      pass: value >= target.target,
      roundMin: round(Math.min(...perRound), 2),
      roundMax: round(Math.max(...perRound), 2),
    };
  }
  const c = byName.get(target.case);
  if (c === undefined) return undefined;
  const value = c[target.metric];
  const perRound = c.runs.map((r) => r[target.metric]);
  const extraOk = target.require === 'sustained' ? c.sustained : true;
  return {
    name: target.name,
    kind: 'max',
    case: target.case,
    metric: target.metric,
    unit: target.unit,
    value,
    target: target.target,
    comparison: '<=',
    pass: value <= target.target && extraOk,
    roundMin: Math.min(...perRound),
    roundMax: Math.max(...perRound),
    ...(target.require === 'sustained' ? { sustained: c.sustained } : {}),
  };
}

function report(meta, cases, targets) {
  const out = [];
  const fam = (f) => cases.filter((c) => c.family === f);
  const ms = (x) => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(2));
  out.push(`@stagepass/gateway benchmark — ${meta.date}`);
  out.push(`node ${meta.node}, ${meta.platform}, ${meta.cpus} CPU(s) (${meta.cpuModel})`);
  out.push(
    `${meta.rounds} round(s), interleaved, every other one in reverse order (fan-out and idle cases at most 3); server and load in separate processes, fresh for every case and round; ${meta.warmupMs} ms warm-up + ${meta.durationMs} ms measured; median of rounds`,
  );
  out.push(
    `1-min load average: ${meta.loadAverage1m.start} at start, ${meta.loadAverage1m.end} at end (the bench itself adds ~2: server + load; more means other work competed)`,
  );
  out.push(
    'gateway started with rateLimit { perSecond: 1e6, burst: 1e6 } and maxSocketsPerIp 1e6; every other option default',
  );
  const cpu = (c) => [fmtPercent(c.serverCpu), fmtPercent(c.loadCpu)];
  if (fam('admissions').length > 0) {
    out.push('');
    out.push(
      'Admissions (raw-socket client, 128 in flight; each: upgrade → connect with its own token → connected → close)',
    );
    out.push(
      table(
        [
          'case',
          'median admissions/s',
          'min–max',
          'connect→connected p50 / p99',
          'server CPU µs/admission (user)',
          'server CPU',
          'load CPU',
        ],
        fam('admissions').map((c) => [
          c.name,
          fmtInt(c.admissionsPerSec),
          `${fmtInt(c.min)}–${fmtInt(c.max)}`,
          `${ms(c.latencyP50Ms)} / ${ms(c.latencyP99Ms)} ms`,
          `${fmtInt(c.serverCpuPerOp)} (${fmtInt(c.serverUserCpuPerOp)})`,
          ...cpu(c),
        ]),
        [false, true, true, true, true, true, true],
      ),
    );
  }
  if (fam('fanout-rate').length > 0) {
    out.push('');
    out.push(
      'Fan-out at a fixed rate: 1 sender → 100 receivers in one session, 2,000 signals/s; latency = receive − send time (one clock)',
    );
    out.push(
      table(
        [
          'case',
          'signals/s',
          'deliveries/s',
          'p50 ms',
          'p99 ms',
          'p99 range ms',
          'max ms',
          'sustained',
          'server CPU',
          'load CPU',
        ],
        fam('fanout-rate').map((c) => [
          c.name,
          fmtInt(c.signalsPerSec),
          fmtInt(c.deliveriesPerSec),
          ms(c.latencyP50Ms),
          ms(c.latencyP99Ms),
          `${ms(c.min)}–${ms(c.max)}`,
          ms(c.latencyMaxMs),
          c.sustained ? 'yes' : `NO (${c.missing} missing)`,
          ...cpu(c),
        ]),
        [false, true, true, true, true, true, true, false, true, true],
      ),
    );
  }
  if (fam('fanout-max').length > 0) {
    out.push('');
    out.push(
      'Fan-out, as fast as the server goes: 1 sender → 100 receivers, ≤ 250 signals in flight; deliveries/s to the 100 receivers',
    );
    out.push(
      table(
        [
          'case',
          'median deliveries/s',
          'min–max',
          'signals/s',
          'server CPU ns/delivery (user)',
          'server CPU',
          'load CPU',
        ],
        fam('fanout-max').map((c) => [
          c.name,
          fmtInt(c.deliveriesPerSec),
          `${fmtInt(c.min)}–${fmtInt(c.max)}`,
          fmtInt(c.signalsPerSec),
          `${fmtInt(c.serverCpuPerOp)} (${fmtInt(c.serverUserCpuPerOp)})`,
          ...cpu(c),
        ]),
        [false, true, true, true, true, true, true],
      ),
    );
  }
  if (fam('idle').length > 0) {
    out.push('');
    out.push(
      'Memory per idle admitted connection: server heapUsed / RSS after global.gc(), (with 10,000 open − before) / 10,000; KiB = 1024 B',
    );
    out.push(
      table(
        [
          'case',
          'heap/conn KiB',
          'min–max',
          'RSS/conn KiB',
          'heap before → after MB',
          'RSS before → after MB',
          'open 10k in',
        ],
        fam('idle').map((c) => [
          c.name,
          c.heapPerConnKiB.toFixed(2),
          `${c.min.toFixed(2)}–${c.max.toFixed(2)}`,
          c.rssPerConnKiB.toFixed(2),
          `${c.heapBeforeMB} → ${c.heapAfterMB}`,
          `${c.rssBeforeMB} → ${c.rssAfterMB}`,
          `${fmtInt(c.openMs)} ms`,
        ]),
        [false, true, true, true, true, true, true],
      ),
    );
  }
  if (targets.length > 0) {
    out.push('');
    out.push(
      table(
        ['target', 'value', 'per-round range', 'target', 'result'],
        targets.map((t) =>
          t.kind === 'ratio'
            ? [
                t.name,
                `${t.value.toFixed(2)}×`,
                `${t.roundMin.toFixed(2)}–${t.roundMax.toFixed(2)}×`,
                `≥ ${t.target}×`,
                t.pass ? 'PASS' : 'FAIL',
              ]
            : [
                t.name,
                `${t.value} ${t.unit}`,
                `${t.roundMin}–${t.roundMax} ${t.unit}`,
                `≤ ${t.target} ${t.unit}${t.sustained !== undefined ? ', sustained' : ''}`,
                t.pass ? 'PASS' : `FAIL${t.sustained === false ? ' (not sustained)' : ''}`,
              ],
        ),
        [false, true, true, true, false],
      ),
    );
    const failed = targets.filter((t) => !t.pass).length;
    out.push('');
    out.push(
      `${targets.length - failed}/${targets.length} targets met. (ratios: medians of the two cases in this run)`,
    );
  }
  out.push(
    `took ${meta.elapsedSeconds.toFixed(0)} s; \`node ${relative(root, here)}/run.mjs --json\` for machine-readable output`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------- main

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const selected = CASES.filter((c) => options.only === undefined || options.only.includes(c.name));
  const progress = createProgress();
  const fdLimit = await openFileLimit();
  const started = new Date();
  const loadBefore = loadavg()[0];
  const t0 = performance.now();

  const samples = new Map(selected.map((c) => [c.name, []]));
  for (let r = 1; r <= options.rounds; r++) {
    // Every other round runs the cases in reverse order, so that a drift of the machine's speed
    // during the run, or a case's position after another, does not favour one side of a ratio.
    const inRound = selected.filter((c) => r <= (c.maxRounds ?? Infinity));
    if (r % 2 === 0) inRound.reverse();
    if (inRound.length === 0) break;
    progress.show(`round ${r}/${options.rounds}: ${inRound.length} case(s)…`, true);
    for (const c of inRound) {
      progress.show(`round ${r}/${options.rounds}: ${c.name}…`, false);
      try {
        samples.get(c.name).push(await runCase(c, options, fdLimit));
      } catch (err) {
        progress.clear();
        process.stderr.write(
          `bench:gateway: case ${c.name} (round ${r}) failed: ${err instanceof CaseError ? err.message : (err?.stack ?? err)}\n`,
        );
        process.exit(1);
      }
    }
  }
  progress.clear();
  const elapsedSeconds = round((performance.now() - t0) / 1000, 1);
  const cases = selected.map((c) => summarise(c, samples.get(c.name)));
  const byName = new Map(cases.map((c) => [c.name, c]));
  const targets = TARGETS.map((t) => evaluate(t, byName)).filter((t) => t !== undefined);
  const meta = {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    date: started.toISOString(),
    rounds: options.rounds,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    elapsedSeconds,
    loadAverage1m: { start: round(loadBefore, 2), end: round(loadavg()[0], 2) },
    openFileLimit: fdLimit,
  };
  const json = `${JSON.stringify({ ...meta, cases, targets }, null, 2)}\n`;
  if (options.save !== undefined) {
    mkdirSync(dirname(options.save), { recursive: true });
    writeFileSync(options.save, json);
  }
  if (options.json) process.stdout.write(json);
  else process.stdout.write(`${report(meta, cases, targets)}\n`);
}

main();
