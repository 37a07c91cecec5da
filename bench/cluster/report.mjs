// bench:cluster's output: the machine and the limits set, one table of every system, the ratios against
// the targets and the Redis commands per admission; or all of it as one JSON object (--json).
import { fmtInt, round, table } from '../shared/report.mjs';

const TARGETS = { fanoutVsSocketIo: 2, p99Ms: 10 };

const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '' : d === 0 ? fmtInt(x) : String(round(x, d)));

export function ratios(results) {
  const by = (name) => results.find((r) => r.name === name);
  const ratio = (a, b, pick) => {
    const [x, y] = [by(a), by(b)].map((r) => (r === undefined ? undefined : pick(r)));
    return x === undefined || y === undefined ? undefined : x / y;
  };
  const fanout = (r) => r.throughput?.deliveriesPerSecond;
  const admit = (r) => r.admissions?.perSecond;
  const p99 = by('stagepass-3')?.latency?.p99Ms;
  return [
    {
      name: 'fan-out deliveries/s, stagepass-3 / socketio-3',
      value: ratio('stagepass-3', 'socketio-3', fanout),
      target: `≥ ${TARGETS.fanoutVsSocketIo}`,
      pass: (v) => v >= TARGETS.fanoutVsSocketIo,
    },
    { name: 'fan-out deliveries/s, stagepass-3 / stagepass-1', value: ratio('stagepass-3', 'stagepass-1', fanout) },
    { name: 'fan-out deliveries/s, socketio-3 / socketio-1', value: ratio('socketio-3', 'socketio-1', fanout) },
    {
      name: 'fan-out per server CPU-s, stagepass-3 / socketio-3',
      value: ratio('stagepass-3', 'socketio-3', (r) => r.throughput?.deliveriesPerServerCpuSecond),
    },
    {
      name: 'latency p99 (ms), stagepass-3',
      value: p99,
      target: `≤ ${TARGETS.p99Ms}`,
      pass: (v) => v <= TARGETS.p99Ms,
    },
    { name: 'admissions/s, stagepass-3 / stagepass-1-redis', value: ratio('stagepass-3', 'stagepass-1-redis', admit) },
    { name: 'admissions/s, stagepass-3 / stagepass-1', value: ratio('stagepass-3', 'stagepass-1', admit) },
  ]
    .filter((r) => r.value !== undefined)
    .map(({ pass, ...r }) => ({ ...r, value: round(r.value, 2), pass: pass?.(r.value) }));
}

function systemsTable(results, options) {
  return table(
    [
      'system',
      'nodes',
      'Redis',
      'deliveries/s',
      'server CPU-s',
      'client CPU-s',
      'deliv/server CPU-s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'delivered',
      'admissions/s',
    ],
    results.map((r) => [
      r.name,
      r.nodes,
      r.redis ? 'yes' : 'no',
      f(r.throughput?.deliveriesPerSecond),
      f(r.throughput?.serverCpuSeconds, 2),
      f(r.throughput?.clientCpuSeconds, 2),
      f(r.throughput?.deliveriesPerServerCpuSecond),
      f(r.latency?.p50Ms, 2),
      f(r.latency?.p99Ms, 2),
      f(r.latency?.p999Ms, 2),
      f(r.latency?.maxMs, 1),
      r.latency === undefined ? '' : `${round(r.latency.delivered * 100, 1)} %`,
      f(r.admissions?.perSecond),
    ]),
    [false, true, false, true, true, true, true, true, true, true, true, true, true],
  ).concat(
    `\n(${options.receivers} receivers. Throughput: closed loop, ${options.durationMs} ms; server = the nodes + redis-server,` +
      ' client = the receiver processes + the sender. Latency: open loop at ' +
      `${options.rate} signals/s for ${options.latencyMs} ms; "delivered": of the measured signals × receivers.)`,
    ...warnings(results),
  );
}

function warnings(results) {
  const lines = [];
  for (const r of results) {
    const t = r.throughput;
    if (t !== undefined && t.deliveries < t.expected)
      lines.push(`WARNING ${r.name}: ${t.expected - t.deliveries} of ${t.expected} deliveries missing after the drain`);
    const l = r.latency;
    if (l !== undefined && l.deliveries < l.signals * l.receivers)
      lines.push(
        `WARNING ${r.name}: ${l.signals * l.receivers - l.deliveries} latency-case deliveries missing after the drain`,
      );
    const errors = Math.max(t?.errors ?? 0, r.latency?.errors ?? 0);
    if (errors > 0) lines.push(`WARNING ${r.name}: the gateway refused ${errors} of the sender's signals`);
  }
  return lines;
}

function commandsText(results) {
  const lines = [];
  for (const r of results) {
    const a = r.admissions;
    if (a?.perAdmission === undefined) continue;
    const named = Object.entries(a.perAdmission)
      .sort((x, y) => y[1] - x[1])
      .map(([name, n]) => `${name} ${round(n, 2)}`)
      .join(', ');
    lines.push(`  ${r.name}: ${round(a.total, 1)} Redis commands per admission (${named})`);
  }
  return lines.join('\n');
}

/** Prints the run's report: text on stdout, or one JSON object with `json`. */
export function print(run, json) {
  const rs = ratios(run.results);
  if (json) return process.stdout.write(`${JSON.stringify({ ...run, ratios: rs })}\n`);
  const load = run.loadAverage1m;
  const out = [
    `bench:cluster — Node ${run.node}, ${run.cpus} × ${run.cpuModel}, ${run.date}, ${run.elapsedSeconds} s`,
    `load average (1 min) during the run: start ${round(load.start, 2)}, mean ${round(load.mean, 2)}, max ${round(load.max, 2)}`,
    `Stagepass nodes run with ${run.gatewayFlags}`,
    '(so neither the per-connection frame rate limit, the per-IP socket limit nor the outbound buffer limit throttles the bench)',
    '',
    systemsTable(run.results, run.options),
    '',
    table(
      ['ratio', 'value', 'target', 'met'],
      rs.map((r) => [r.name, r.value, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'yes' : 'NO']),
      [false, true, false, false],
    ),
    '',
    'Redis commands per admission (INFO commandstats after − before, less the idle background rate;',
    'commandstats also counts the commands a script runs, so those inside EVALSHA are listed too):',
    commandsText(run.results),
    '',
  ];
  process.stdout.write(out.join('\n'));
}
