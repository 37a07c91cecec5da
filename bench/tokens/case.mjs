#!/usr/bin/env node
// Runs ONE benchmark case in this process and prints one JSON line on stdout:
//   {"name":…,"opsPerSec":…,"ops":…,"ms":…}
// Usage: node bench/tokens/case.mjs <case-name> [--duration-ms 1000] [--warmup-ms 250]
// Normally spawned by run.mjs (one process per case per round); runnable by hand for profiling.
import { CASES } from './cases/index.mjs';

const BATCH_TARGET_MS = 2; // grow the batch until one batch takes this long; the clock is read once per batch

function parseArgs(argv) {
  const args = { name: undefined, durationMs: 1000, warmupMs: 250 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--duration-ms') args.durationMs = positive(argv[++i], arg);
    else if (arg === '--warmup-ms') args.warmupMs = nonNegative(argv[++i], arg);
    else if (arg.startsWith('--')) fail(`unknown option ${arg}`);
    else if (args.name === undefined) args.name = arg;
    else fail(`unexpected argument ${arg}`);
  }
  if (args.name === undefined)
    fail(`usage: node bench/tokens/case.mjs <case-name>\ncases: ${CASES.map((c) => c.name).join(', ')}`);
  return args;
}

function positive(value, option) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`${option} needs a positive number`);
  return n;
}

function nonNegative(value, option) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${option} needs a number ≥ 0`);
  return n;
}

function fail(message) {
  process.stderr.write(`case.mjs: ${message}\n`);
  process.exit(2);
}

// Results are kept here so no call can be optimised away.
let sink;

function measureSync(op, durationMs, warmupMs) {
  let batch = 1;
  const warmStart = performance.now();
  do {
    const t = performance.now();
    for (let i = 0; i < batch; i++) sink = op();
    if (performance.now() - t < BATCH_TARGET_MS) batch *= 2;
  } while (performance.now() - warmStart < warmupMs || batch === 1);
  let ops = 0;
  let ms;
  const start = performance.now();
  do {
    for (let i = 0; i < batch; i++) sink = op();
    ops += batch;
    ms = performance.now() - start;
  } while (ms < durationMs);
  return { ops, ms };
}

async function measureAsync(op, durationMs, warmupMs) {
  let batch = 1;
  const warmStart = performance.now();
  do {
    const t = performance.now();
    for (let i = 0; i < batch; i++) sink = await op();
    if (performance.now() - t < BATCH_TARGET_MS) batch *= 2;
  } while (performance.now() - warmStart < warmupMs || batch === 1);
  let ops = 0;
  let ms;
  const start = performance.now();
  do {
    for (let i = 0; i < batch; i++) sink = await op();
    ops += batch;
    ms = performance.now() - start;
  } while (ms < durationMs);
  return { ops, ms };
}

async function main() {
  const { name, durationMs, warmupMs } = parseArgs(process.argv.slice(2));
  const entry = CASES.find((c) => c.name === name);
  if (entry === undefined) fail(`unknown case ${name}\ncases: ${CASES.map((c) => c.name).join(', ')}`);
  const { cases } = await import(`./cases/${entry.module}`);
  const definition = cases[name];
  if (definition === undefined) fail(`${entry.module} does not define ${name}`);

  let result;
  if (definition.custom) {
    result = await definition.run();
  } else {
    const { op, check } = await definition.setup();
    // One checked call first: a case that fails (e.g. a verify that returns false) must not be timed.
    check?.(definition.async ? await op() : op());
    const { ops, ms } = definition.async
      ? await measureAsync(op, durationMs, warmupMs)
      : measureSync(op, durationMs, warmupMs);
    check?.(definition.async ? await op() : op());
    result = { opsPerSec: ops / (ms / 1000), ops, ms };
  }
  void sink;
  process.stdout.write(
    `${JSON.stringify({ name, ...result, opsPerSec: Math.round(result.opsPerSec), ms: Math.round(result.ms * 10) / 10 })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
