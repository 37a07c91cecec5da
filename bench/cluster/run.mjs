#!/usr/bin/env node
// Cluster benchmark: `npm run bench:cluster` (which builds first), or
//   node bench/cluster/run.mjs [--quick] [--receivers 100] [--duration-ms 5000] [--window 200] [--rate 2000]
//                              [--latency-ms 5000] [--admissions 600] [--concurrency 50] [--only a,b] [--json]
// --quick: 2 s per throughput case, 2 s of latency, 200 admissions. --window: signals the throughput sender
// keeps ahead of the pacing client.
//
// Side by side in one run, each system on fresh processes of its own (a fresh redis-server each time):
//   stagepass-3        3 × `stagepass serve --redis` on one Redis (cluster mode, docs/cluster.md)
//   stagepass-1-redis  1 × `stagepass serve --redis` (cluster mode, one node)
//   stagepass-1        1 × `stagepass serve` (no Redis: the embedded single node)
//   socketio-3         3 socket.io nodes with @socket.io/redis-adapter on one Redis (bench/cluster/socketio-node.mjs)
//   socketio-1         1 socket.io node with the adapter
// For each: fan-out throughput and latency (bench/cluster/fanout.mjs); for Stagepass also admissions/s and,
// with Redis, the Redis commands per admission (bench/cluster/admissions.mjs). All clients and servers share
// this machine. Every process started is killed at the end, on an error and on Ctrl-C. A report, not a
// test: it exits 0 when a target is missed (1 only if a case crashes).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { measureAdmissions } from './admissions.mjs';
import { measureLatency, measureThroughput, setUpFanout, tearDownFanout } from './fanout.mjs';
import {
  GATEWAY_FLAGS,
  cpuSeconds,
  createApp,
  killAll,
  startRedis,
  startSocketIoNode,
  startStagepassNode,
  stopAll,
} from './processes.mjs';
import { createProgress } from '../shared/report.mjs';
import { print } from './report.mjs';

export const SYSTEMS = [
  { name: 'stagepass-3', kind: 'stagepass', nodes: 3, redis: true },
  { name: 'stagepass-1-redis', kind: 'stagepass', nodes: 1, redis: true },
  { name: 'stagepass-1', kind: 'stagepass', nodes: 1, redis: false },
  { name: 'socketio-3', kind: 'socketio', nodes: 3, redis: true },
  { name: 'socketio-1', kind: 'socketio', nodes: 1, redis: true },
];

function die(message) {
  process.stderr.write(`bench:cluster: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    receivers: 100,
    durationMs: 5000,
    window: 200,
    rate: 2000,
    latencyMs: 5000,
    warmupMs: 1000,
    admissions: 600,
    concurrency: 50,
    perSession: 20,
    only: SYSTEMS.map((s) => s.name),
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? die(`${arg} needs a value`);
    const int = (min) => {
      const n = Number(next());
      return Number.isInteger(n) && n >= min ? n : die(`${arg} needs a whole number ≥ ${min}`);
    };
    if (arg === '--quick') Object.assign(o, { durationMs: 2000, latencyMs: 2000, admissions: 200 });
    else if (arg === '--receivers') o.receivers = int(1);
    else if (arg === '--duration-ms') o.durationMs = int(500);
    else if (arg === '--window') o.window = int(1);
    else if (arg === '--rate') o.rate = int(1);
    else if (arg === '--latency-ms') o.latencyMs = int(500);
    else if (arg === '--admissions') o.admissions = int(1);
    else if (arg === '--concurrency') o.concurrency = int(1);
    else if (arg === '--only') o.only = next().split(',');
    else if (arg === '--json') o.json = true;
    else die(`unknown option ${arg}; see the header of bench/cluster/run.mjs`);
  }
  const unknown = o.only.filter((n) => !SYSTEMS.some((s) => s.name === n));
  if (unknown.length > 0) die(`--only: unknown ${unknown.join(', ')}; one of ${SYSTEMS.map((s) => s.name).join(', ')}`);
  return o;
}

async function startSystem(system) {
  const redis = system.redis ? await startRedis() : undefined;
  const app = system.kind === 'stagepass' ? createApp(system.name) : undefined;
  const start = () =>
    system.kind === 'stagepass' ? startStagepassNode(app.db, redis?.url) : startSocketIoNode(redis.url);
  const nodes = await Promise.all(Array.from({ length: system.nodes }, start));
  const pids = [...nodes.map((n) => n.child.pid), ...(redis ? [redis.child.pid] : [])];
  const cpu = () => pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const stop = () => stopAll([...nodes.map((n) => n.child), ...(redis ? [redis.child] : [])]);
  return { redis, app, nodes, cpu, stop };
}

async function runSystem(system, o, progress) {
  const step = (what) => progress.show(`bench:cluster: ${system.name}: ${what}`, true);
  step(`starting ${system.nodes} node(s)${system.redis ? ' and redis-server' : ''}`);
  const running = await startSystem(system);
  const result = { ...system };
  try {
    step(`joining 1 sender + ${o.receivers} receivers`);
    const setup = await setUpFanout({
      kind: system.kind,
      nodes: running.nodes,
      app: running.app,
      receivers: o.receivers,
    });
    step(`fan-out throughput, ${o.durationMs} ms`);
    result.throughput = await measureThroughput(setup, {
      durationMs: o.durationMs,
      window: o.window,
      cpu: running.cpu,
    });
    step(`latency at ${o.rate} signals/s, ${o.latencyMs} ms`);
    result.latency = await measureLatency(setup, {
      rate: o.rate,
      durationMs: o.latencyMs,
      warmupMs: o.warmupMs,
      cpu: running.cpu,
    });
    await tearDownFanout(setup);
    if (system.kind === 'stagepass') {
      step(`${o.admissions} admissions, ${o.concurrency} at a time`);
      result.admissions = await measureAdmissions({
        nodes: running.nodes,
        app: running.app,
        count: o.admissions,
        concurrency: o.concurrency,
        perSession: o.perSession,
        redisUrl: running.redis?.url,
      });
    }
  } finally {
    await running.stop();
  }
  return result;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const progress = createProgress();
  const loads = [loadavg()[0]];
  const sampler = setInterval(() => loads.push(loadavg()[0]), 5000);
  const started = Date.now();
  const results = [];
  for (const system of SYSTEMS.filter((s) => o.only.includes(s.name)))
    results.push(await runSystem(system, o, progress));
  clearInterval(sampler);
  loads.push(loadavg()[0]);
  progress.clear();
  print(
    {
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      date: new Date().toISOString(),
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
      loadAverage1m: {
        start: loads[0],
        max: Math.max(...loads),
        mean: loads.reduce((a, b) => a + b, 0) / loads.length,
      },
      gatewayFlags: GATEWAY_FLAGS.join(' '),
      options: o,
      results,
    },
    o.json,
  );
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`bench:cluster failed: ${error?.stack ?? error}\n`);
    killAll();
    process.exit(1);
  },
);
