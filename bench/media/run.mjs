#!/usr/bin/env node
// Routed media benchmark: `npm run bench:media` (which builds first), or
//   node bench/media/run.mjs [--quick] [--subscribers 0,10,20,40] [--rounds 1] [--duration-ms 10000] [--mutes 100] [--json] [--cpu-prof DIR]
// --quick: N = 0 and 10, 4 s measured, 20 force mutes. --cpu-prof DIR: the forwarder processes run under
// node --cpu-prof, profiles written to DIR (summarize one with bench/gateway/profile-summary.mjs).
// --rounds R: every (N, forwarder) case R times, the pair's order alternating; each figure is then the median
// of the R rounds, the ratio the median of the R per-round ratios, with its lowest and highest.
//
// For each N, two forwarders side by side, each in a fresh process of its own (bench/media/forwarder.mjs):
// the Stagepass gateway (werift behind our ForwardingGate, policy in) and a bare werift loop (the
// floor for this engine). The same publisher process (bench/media/publisher.mjs, 0.5 Mbit/s
// synthetic VP8 + Opus) and N werift subscribers in sink processes (bench/media/sink.mjs, up to 10
// per process) connect to each: to the gateway as Stagepass clients over the protocol, to the bare
// loop over IPC signaling. Measured in the forwarder's process only: CPU time (process.cpuUsage)
// over --duration-ms after a warm-up, packets the subscribers received in that time, peak RSS.
// Then, on the gateway at the largest N, the policy cut: a moderator's forceMuteStream, --mutes
// times; latency = (the gateway's audio gate shut, wall clock) − (the moderator sent the request),
// and the same to the last audio packet the gate passed. Targets are a report, not a test.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { createSessionId, createToken } from '@stagepass/token';
import { forkChild } from './ipc.mjs';
import { join as joinGateway } from './ws-client.mjs';
import { fmtInt, round, table } from '../shared/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PER_SINK = 10;
const TARGETS = { ratio: 0.9, perCore: 200, cutP99Ms: 50 };

function die(message) {
  process.stderr.write(`bench:media: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { subscribers: [0, 10, 20, 40], rounds: 1, durationMs: 10_000, warmupMs: 3000, mutes: 100, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? die(`${arg} needs a value`);
    if (arg === '--quick') Object.assign(o, { subscribers: [0, 10], durationMs: 4000, warmupMs: 2000, mutes: 20 });
    else if (arg === '--subscribers') o.subscribers = next().split(',').map(Number);
    else if (arg === '--rounds') o.rounds = Number(next());
    else if (arg === '--duration-ms') o.durationMs = Number(next());
    else if (arg === '--mutes') o.mutes = Number(next());
    else if (arg === '--json') o.json = true;
    else if (arg === '--cpu-prof') o.cpuProf = next();
    else die(`unknown option ${arg}; see the header of bench/media/run.mjs`);
  }
  if (o.subscribers.some((n) => !Number.isInteger(n) || n < 0)) die('--subscribers needs whole numbers ≥ 0');
  if (!(o.durationMs >= 1000) || !(o.mutes >= 0)) die('--duration-ms needs ≥ 1000, --mutes ≥ 0');
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 20) die('--rounds needs a whole number 1–20');
  return o;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`${text}\n`);

async function until(check, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(200);
  }
}

/** Starts the forwarder, the publisher and the sinks, all connected and media flowing. */
async function setUp(kind, n, options) {
  const execArgv = options.cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProf];
  const forwarder = forkChild(join(here, 'forwarder.mjs'), [kind], { execArgv });
  const publisher = forkChild(join(here, 'publisher.mjs'), []);
  const sinks = Array.from({ length: Math.ceil(n / PER_SINK) }, () => forkChild(join(here, 'sink.mjs'), []));
  const all = {
    kind,
    n,
    forwarder,
    publisher,
    sinks,
    stop() {
      forwarder.child.send({ cmd: 'exit' });
      for (const c of [publisher, ...sinks]) c.kill();
    },
  };
  const started = await forwarder.request({ cmd: 'start' });
  if (kind === 'stagepass') {
    const app = { appId: started.appId, secret: started.secret };
    const sessionId = createSessionId({ appId: app.appId, mediaMode: 'routed' });
    const url = `ws://127.0.0.1:${started.port}/v1/connect?appId=${app.appId}&sessionId=${encodeURIComponent(sessionId)}`;
    const token = (role) => createToken({ ...app, sessionId, role });
    const { streamId } = await publisher.request({
      cmd: 'joinAndPublish',
      url,
      token: token('publisher'),
      v: PROTOCOL_VERSION,
    });
    await Promise.all(
      sinks.map((sink, i) => {
        const tokens = Array.from({ length: Math.min(PER_SINK, n - i * PER_SINK) }, () => token('subscriber'));
        return sink.request({ cmd: 'joinAndSubscribe', url, tokens, v: PROTOCOL_VERSION, streamId });
      }),
    );
    all.moderator = await joinGateway(url, token('moderator'), PROTOCOL_VERSION);
    all.streamId = streamId;
  } else {
    const answer = await forwarder.request({ cmd: 'publish', offer: await publisher.request({ cmd: 'offer' }) });
    await publisher.request({ cmd: 'accept', answer });
    for (const [i, sink] of sinks.entries())
      for (let j = 0; j < Math.min(PER_SINK, n - i * PER_SINK); j++) {
        const { id, offer } = await forwarder.request({ cmd: 'subscribe' });
        await forwarder.request({ cmd: 'answer', id, answer: await sink.request({ cmd: 'answer', offer }) });
      }
  }
  await until(async () => (await sinkCounts(all)).slowest > 50, `media at all ${n} ${kind} subscribers`);
  return all;
}

async function sinkCounts({ sinks }) {
  const counts = await Promise.all(sinks.map((s) => s.request({ cmd: 'counts' })));
  return {
    packets: counts.reduce((sum, c) => sum + c.audio + c.video, 0),
    slowest: counts.length === 0 ? Infinity : Math.min(...counts.map((c) => c.slowest)),
  };
}

/** CPU of the forwarder's process and packets at the subscribers over `durationMs`. */
async function measure(setup, { durationMs }) {
  const [cpu0, sink0, pub0] = await Promise.all([
    setup.forwarder.request({ cmd: 'cpu' }),
    sinkCounts(setup),
    setup.publisher.request({ cmd: 'counts' }),
  ]);
  await pause(durationMs);
  const [cpu1, sink1, pub1] = await Promise.all([
    setup.forwarder.request({ cmd: 'cpu' }),
    sinkCounts(setup),
    setup.publisher.request({ cmd: 'counts' }),
  ]);
  const memory = await setup.forwarder.request({ cmd: 'memory' });
  const seconds = (cpu1.t - cpu0.t) / 1000;
  const cpuSeconds = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6;
  const forwarded = sink1.packets - sink0.packets;
  const published = pub1.audio + pub1.video - pub0.audio - pub0.video;
  return {
    kind: setup.kind,
    subscribers: setup.n,
    seconds: round(seconds, 2),
    cpuSeconds: round(cpuSeconds, 3),
    cores: round(cpuSeconds / seconds, 4),
    publishedPerSecond: round(published / seconds, 1),
    publishedBitsPerSecond: round(
      ((pub1.videoBytes - pub0.videoBytes + (pub1.audio - pub0.audio) * 100) * 8) / seconds,
      0,
    ),
    forwardedPerSecond: round(forwarded / seconds, 1),
    delivered: setup.n === 0 ? undefined : round(forwarded / (published * setup.n), 4),
    packetsPerCpuSecond: cpuSeconds > 0 && forwarded > 0 ? round(forwarded / cpuSeconds, 0) : undefined,
    peakRssMB: round(memory.maxRss / 2 ** 20, 1),
  };
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** forceMuteStream → the gate shuts: `count` times, the publisher unmuting in between. */
async function policyCut(setup, count) {
  const toShut = [];
  const toLast = [];
  let leaked = 0;
  for (let i = 0; i < count; i++) {
    await pause(100 + Math.random() * 40); // audio flowing again, the request at a random phase of it
    const sentAt = performance.timeOrigin + performance.now();
    await setup.moderator.request({ type: 'forceMuteStream', streamId: setup.streamId });
    await pause(60);
    const t = await setup.forwarder.request({ cmd: 'muteTimes' });
    if (t.shutAt < sentAt) throw new Error('the gate did not shut after a forceMuteStream');
    toShut.push(t.shutAt - sentAt);
    toLast.push(Math.max(0, t.lastAudioAt - sentAt));
    leaked = t.audioAfterShut;
    await setup.publisher.request({ cmd: 'unmute' });
  }
  const summary = (xs) => ({
    p50: round(percentile(xs, 50), 2),
    p99: round(percentile(xs, 99), 2),
    max: round(Math.max(...xs), 2),
  });
  return {
    repetitions: count,
    toGateShutMs: summary(toShut),
    toLastForwardedMs: summary(toLast),
    audioAfterShut: leaked,
  };
}

async function runCase(kind, n, r, options, results) {
  log(`${kind}, ${n} subscribers${options.rounds > 1 ? `, round ${r + 1}/${options.rounds}` : ''}: setting up`);
  const setup = await setUp(kind, n, options);
  try {
    await pause(options.warmupMs);
    const m = await measure(setup, options);
    log(`  ${m.cores} cores, ${fmtInt(m.forwardedPerSecond)} packets/s forwarded, ${m.peakRssMB} MB peak RSS`);
    results.cases.push({ ...m, round: r });
    const last = r === options.rounds - 1;
    if (kind === 'stagepass' && last && n === Math.max(...options.subscribers) && options.mutes > 0) {
      log(`  policy cut: ${options.mutes} force mutes`);
      results.cut = { subscribers: n, ...(await policyCut(setup, options.mutes)) };
    }
  } finally {
    setup.moderator?.close();
    setup.stop();
    await pause(500);
  }
}

function median(xs) {
  const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  return v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** One forwarder at one N over all rounds: each figure the median of the rounds. */
function medianCase(cases) {
  if (cases.length === 0) return undefined;
  const of = (key) => median(cases.map((c) => c[key]));
  return {
    cores: of('cores'),
    forwardedPerSecond: of('forwardedPerSecond'),
    delivered: of('delivered'),
    packetsPerCpuSecond: of('packetsPerCpuSecond'),
    peakRssMB: of('peakRssMB'),
  };
}

function summarize(results) {
  const all = (kind, n) => results.cases.filter((c) => c.kind === kind && c.subscribers === n);
  const rows = [];
  for (const n of results.options.subscribers) {
    const [s, b] = [medianCase(all('stagepass', n)), medianCase(all('bare', n))];
    const ratios = [];
    for (const c of all('stagepass', n)) {
      const pair = all('bare', n).find((x) => x.round === c.round);
      if (c.packetsPerCpuSecond && pair?.packetsPerCpuSecond)
        ratios.push(c.packetsPerCpuSecond / pair.packetsPerCpuSecond);
    }
    const base = medianCase(all('stagepass', 0));
    const perSub = n > 0 && base && s ? (s.cores - base.cores) / n : undefined;
    rows.push({ n, s, b, ratio: median(ratios), ratios, perSub });
  }
  return rows;
}

function print(results) {
  const rows = summarize(results);
  const f = (x, d = 0) => (x === undefined ? '' : d === 0 ? fmtInt(x) : String(round(x, d)));
  const lines = table(
    [
      'N',
      'gateway cores',
      'bare cores',
      'fwd pkt/s',
      'gateway pkt/CPU-s',
      'bare pkt/CPU-s',
      'ratio',
      ...(results.options.rounds > 1 ? ['ratio range'] : []),
      'delivered',
      'gw ms CPU/sub/s',
      'gw RSS MB',
      'bare RSS MB',
    ],
    rows.map(({ n, s, b, ratio, ratios, perSub }) => [
      n,
      f(s?.cores, 3),
      f(b?.cores, 3),
      f(s?.forwardedPerSecond),
      f(s?.packetsPerCpuSecond),
      f(b?.packetsPerCpuSecond),
      f(ratio, 2),
      ...(results.options.rounds > 1
        ? [ratios.length === 0 ? '' : `${round(Math.min(...ratios), 2)}–${round(Math.max(...ratios), 2)}`]
        : []),
      s?.delivered === undefined ? '' : `${round(s.delivered * 100, 1)} %`,
      f(perSub === undefined ? undefined : perSub * 1000, 2),
      f(s?.peakRssMB, 1),
      f(b?.peakRssMB, 1),
    ]),
    Array.from({ length: results.options.rounds > 1 ? 12 : 11 }, () => true),
  );
  if (results.options.rounds > 1)
    process.stdout.write(`${results.options.rounds} rounds: each figure the median of the rounds\n`);
  process.stdout.write(`${lines}\n\n`);
  const top = rows.at(-1);
  if (top?.n > 0 && top.s) {
    const perCore = top.n / top.s.cores;
    const marginal = top.perSub > 0 ? 1 / top.perSub : undefined;
    process.stdout.write(
      `subscriptions per core at 0.5 Mbit/s (N=${top.n}): ${fmtInt(perCore)} counting the whole process, ${f(marginal)} at the margin (target ≥ ${TARGETS.perCore})\n`,
    );
    if (top.ratio !== undefined)
      process.stdout.write(
        `gateway / bare packets per CPU-second at N=${top.n}: ${round(top.ratio, 2)} (target ≥ ${TARGETS.ratio})\n`,
      );
  }
  const c = results.cut;
  if (c)
    process.stdout.write(
      `policy cut, in-gateway, ${c.repetitions} force mutes at N=${c.subscribers}: request sent → audio gate shut p50 ${c.toGateShutMs.p50} ms, p99 ${c.toGateShutMs.p99} ms, max ${c.toGateShutMs.max} ms (target p99 ≤ ${TARGETS.cutP99Ms}); → last audio packet forwarded p99 ${c.toLastForwardedMs.p99} ms; audio packets passed after a shut: ${c.audioAfterShut}\n`,
    );
  process.stdout.write(`load average at start ${results.loadStart.join(' ')}, at end ${results.loadEnd.join(' ')}\n`);
}

const options = parseArgs(process.argv.slice(2));
const results = {
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version },
  options,
  loadStart: loadavg().map((x) => round(x, 2)),
  cases: [],
};
for (let r = 0; r < options.rounds; r++)
  for (const n of options.subscribers)
    for (const kind of (n / 10 + r) % 2 === 0 ? ['stagepass', 'bare'] : ['bare', 'stagepass'])
      await runCase(kind, n, r, options, results);
results.loadEnd = loadavg().map((x) => round(x, 2));
if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  process.stdout.write(`${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}\n`);
  print(results);
}
process.exit(0);
