#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node bench/gateway/run.mjs --cpu-prof DIR`):
//   node bench/gateway/profile-summary.mjs FILE.cpuprofile [--top 25] [--match text]
// Prints the share of samples by self time per function (file:line), per file, and, with --match,
// the inclusive (self + callees) share of every function whose name or file contains the text.
// Idle time ((idle): waiting in epoll) is reported separately and left out of the shares.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

process.stdout.on('error', () => process.exit(0)); // e.g. piped into head

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !['--top', '--match'].includes(args[i - 1]));
const top = Number(args[args.indexOf('--top') + 1]) || 25;
const match = args.includes('--match') ? args[args.indexOf('--match') + 1] : undefined;
if (file === undefined) {
  process.stderr.write('usage: node bench/gateway/profile-summary.mjs FILE.cpuprofile [--top N] [--match text]\n');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the gaps between samples (timeDeltas, µs).
const selfUs = new Map();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});

const short = (url) => {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
};
const label = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${short(f.url)}:${f.lineNumber + 1}` : '(native)';
  return `${f.functionName || '(anonymous)'} ${where}`;
};
const IDLE = new Set(['(idle)']);

let total = 0;
let idle = 0;
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const n = nodes.get(id);
  if (IDLE.has(n.callFrame.functionName)) {
    idle += us;
    continue;
  }
  total += us;
  const key = label(n);
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const f = short(n.callFrame.url) || `(${n.callFrame.functionName || 'native'})`;
  byFile.set(f, (byFile.get(f) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title, map, limit) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit))
    process.stdout.write(`${pct(us)}  ${k}\n`);
};
process.stdout.write(
  `${file}\nbusy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms; shares below are of busy time\n`,
);
print('self time by function', byFunction, top);
print('self time by file', byFile, top);

if (match !== undefined) {
  // Inclusive time: a sample counts once for each distinct matching frame on its stack.
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    if (IDLE.has(nodes.get(id).callFrame.functionName)) continue;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = nodes.get(cur);
      const key = label(n);
      if (!seen.has(key) && key.includes(match)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  }
  print(`inclusive time of frames matching "${match}"`, inclusive, top);
}
