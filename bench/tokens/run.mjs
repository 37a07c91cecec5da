#!/usr/bin/env node
// Token benchmark orchestrator: `npm run bench:tokens` (which builds first), or
//   node bench/tokens/run.mjs [--rounds 5] [--duration-ms 1000] [--warmup-ms 250] [--only a,b] [--json]
//
// Every case runs in its own process (node bench/tokens/case.mjs <name>), once per round, and the
// rounds are interleaved (round 1 runs every case, then round 2, …) so machine noise hits all cases
// alike. Reported: the median ops/s per case, min–max over the rounds, and the targets as
// ratios of medians from this one run. Targets are a report, not a test: the exit code is 0 even when
// one fails, and 1 only when a case crashes (its stderr is printed).
// With --json, stdout holds exactly one JSON document and nothing else (progress goes to stderr).
import { spawnSync } from 'node:child_process';
import { availableParallelism, arch, cpus, loadavg, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { CASES, TARGETS } from './cases/index.mjs';
import { generateKeys } from './cases/fixtures.mjs';
import { createProgress, fmtInt, median, round, table } from '../shared/report.mjs';

const progressLine = createProgress();
const progress = (text, perRound) => progressLine.show(text, perRound);
const clearProgress = () => progressLine.clear();

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const caseScript = join(here, 'case.mjs');

function usage() {
  return `usage: node bench/tokens/run.mjs [options]
  --rounds N          rounds; every case runs once per round, in its own process (default 5)
  --duration-ms MS    measured time per case per round (default 1000)
  --warmup-ms MS      warm-up before measuring, not counted (default 250)
  --only a,b          run only these cases (names as listed below)
  --json              print only JSON on stdout
cases: ${CASES.map((c) => c.name).join(', ')}`;
}

function parseArgs(argv) {
  const options = { rounds: 5, durationMs: 1000, warmupMs: 250, only: undefined, json: false };
  const value = (i, name) => {
    const v = argv[i];
    if (v === undefined) die(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline;
    if (arg.startsWith('--') && arg.includes('='))
      [arg, inline] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const next = (name) => inline ?? value(++i, name);
    switch (arg) {
      case '--rounds':
        options.rounds = integer(next(arg), arg, 1);
        break;
      case '--duration-ms':
        options.durationMs = integer(next(arg), arg, 1);
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

function integer(text, name, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) die(`${name} needs a whole number ≥ ${min}`);
  return n;
}

function die(message) {
  process.stderr.write(`bench:tokens: ${message}\n`);
  process.exit(2);
}

function runCase(name, options, env) {
  const args = [
    '--no-deprecation',
    caseScript,
    name,
    '--duration-ms',
    String(options.durationMs),
    '--warmup-ms',
    String(options.warmupMs),
  ];
  const child = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const crashed = (why) => {
    clearProgress();
    process.stderr.write(`bench:tokens: case ${name} ${why}\n`);
    if (child.stderr) process.stderr.write(child.stderr.endsWith('\n') ? child.stderr : `${child.stderr}\n`);
    process.exit(1);
  };
  if (child.error) crashed(`could not be started: ${child.error.message}`);
  if (child.status !== 0) crashed(`exited with ${child.status ?? child.signal}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  let result;
  try {
    result = JSON.parse(line);
  } catch {
    crashed(`printed no JSON result (stdout: ${JSON.stringify(child.stdout.slice(0, 200))})`);
  }
  if (result.name !== name || !(result.opsPerSec > 0)) crashed(`printed an unexpected result: ${line}`);
  return result;
}

function evaluate(target, byName) {
  if (target.kind === 'ratio') {
    const num = byName.get(target.numerator);
    const den = byName.get(target.denominator);
    if (num === undefined || den === undefined) return undefined;
    const value = num.opsPerSec / den.opsPerSec;
    // The same ratio round by round (both cases ran in the same round): shows how steady it is.
    const perRound = num.samples.map((s, i) => s / den.samples[i]);
    return {
      name: target.name,
      kind: 'ratio',
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
  return {
    name: target.name,
    kind: 'max',
    case: target.case,
    metric: target.metric,
    value,
    target: target.target,
    comparison: '<=',
    pass: value <= target.target,
  };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const selected = CASES.filter((c) => options.only === undefined || options.only.includes(c.name));
  // Keys are made once per run and handed to every case, so all use the same keys and no case
  // spends its time on RSA key generation.
  const env = { ...process.env, STAGEPASS_BENCH_KEYS: JSON.stringify(generateKeys()) };
  const started = new Date();
  const loadBefore = loadavg()[0];
  const t0 = performance.now();

  const samples = new Map(selected.map((c) => [c.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    progress(`round ${round}/${options.rounds}: ${selected.length} case(s)…`, true);
    for (const c of selected) {
      progress(`round ${round}/${options.rounds}: ${c.name}…`, false);
      samples.get(c.name).push(runCase(c.name, options, env));
    }
  }
  clearProgress();
  const elapsedS = (performance.now() - t0) / 1000;
  // Other work on the machine shows up as wide min–max ranges; the 1-minute load average says whether there was any.
  const load = { start: round(loadBefore, 2), end: round(loadavg()[0], 2) };

  const cases = selected.map(({ name }) => {
    const runs = samples.get(name);
    const ops = runs.map((r) => r.opsPerSec);
    const entry = {
      name,
      opsPerSec: Math.round(median(ops)),
      min: Math.min(...ops),
      max: Math.max(...ops),
      samples: ops,
    };
    if (runs[0].peakRssMB !== undefined) {
      // Peak RSS is reported as the worst round, not the median.
      entry.peakRssMB = Math.max(...runs.map((r) => r.peakRssMB));
      entry.peakRssSamplesMB = runs.map((r) => r.peakRssMB);
      entry.tokens = runs[0].ops;
    }
    return entry;
  });
  const byName = new Map(cases.map((c) => [c.name, c]));
  const ratios = TARGETS.map((t) => evaluate(t, byName)).filter((r) => r !== undefined);

  const machine = {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
  };

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ...machine,
          date: started.toISOString(),
          rounds: options.rounds,
          durationMs: options.durationMs,
          warmupMs: options.warmupMs,
          elapsedSeconds: round(elapsedS, 1),
          loadAverage1m: load,
          cases,
          ratios,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }

  const out = [];
  out.push(`@stagepass/token benchmark — ${started.toISOString()}`);
  out.push(`node ${machine.node}, ${machine.platform}, ${machine.cpus} CPU(s) (${machine.cpuModel})`);
  out.push(
    `${options.rounds} round(s), interleaved; each case in its own process, ${options.warmupMs} ms warm-up + ${options.durationMs} ms measured; median of rounds`,
  );
  out.push(
    `1-min load average: ${load.start} at start, ${load.end} at end (the bench itself adds ~1; more means other work competed)`,
  );
  out.push('');
  out.push(
    table(
      ['case', 'median ops/s', 'min–max ops/s', 'note'],
      cases.map((c) => [
        c.name,
        fmtInt(c.opsPerSec),
        `${fmtInt(c.min)}–${fmtInt(c.max)}`,
        c.peakRssMB === undefined
          ? ''
          : `${fmtInt(c.tokens)} tokens; peak RSS ${c.peakRssMB} MB (worst round of: ${c.peakRssSamplesMB.join(', ')})`,
      ]),
      [false, true, true, false],
    ),
  );
  if (ratios.length > 0) {
    out.push('');
    out.push(
      table(
        ['target', 'value', 'per-round range', 'target', 'result'],
        ratios.map((r) =>
          r.kind === 'ratio'
            ? [
                r.name,
                `${r.value.toFixed(2)}×`,
                `${r.roundMin.toFixed(2)}–${r.roundMax.toFixed(2)}×`,
                `≥ ${r.target}×`,
                r.pass ? 'PASS' : 'FAIL',
              ]
            : [r.name, `${r.value} MB`, '', `≤ ${r.target} MB`, r.pass ? 'PASS' : 'FAIL'],
        ),
        [false, true, true, true, false],
      ),
    );
    const failed = ratios.filter((r) => !r.pass).length;
    out.push('');
    out.push(
      `${ratios.length - failed}/${ratios.length} targets met. (ratios: median ops/s of the two cases in this run; MB = 2^20 bytes)`,
    );
  }
  out.push(
    `took ${elapsedS.toFixed(0)} s; \`node ${relative(root, here)}/run.mjs --json\` for machine-readable output`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
