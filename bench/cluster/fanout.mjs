// bench:cluster's fan-out cases: one sender on node A, `receivers` clients spread round robin over the
// nodes (in receiver processes of their own), and one pacing client on the last node in this process.
// Throughput: closed loop, the sender keeps at most `window` signals ahead of the pacing client; the
// figure is deliveries at the receivers per second, from the first send to the last delivery. Latency:
// open loop, a fixed schedule of `rate` signals per second whatever arrives, each signal carrying its
// scheduled send time; latency = arrival − scheduled time (the sender's timer lag counts too), over the
// signals scheduled after a warm-up.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSessionId } from '@stagepass/token';
import { forkChild } from '../media/ipc.mjs';
import { joinSocketIo, joinStagepass, mint } from './clients.mjs';
import { cpuSeconds, track } from './processes.mjs';
import { createHistogram, dueCount, spread } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RECEIVER_PROCESSES = 2;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/** Joins the sender, the receivers and the pacing client of one system (`stagepass` or `socketio`). */
export async function setUpFanout({ kind, nodes, app, receivers }) {
  const sessionId = kind === 'stagepass' ? createSessionId({ appId: app.appId }) : `room-${Date.now()}`;
  const joinAt = (node, onData) =>
    kind === 'stagepass'
      ? joinStagepass({ port: node.port, appId: app.appId, sessionId, token: mint(app, sessionId), onData })
      : joinSocketIo({ port: node.port, room: sessionId, onData });
  const sender = await joinAt(nodes[0]);
  const procs = Array.from({ length: RECEIVER_PROCESSES }, () => {
    const proc = forkChild(join(here, 'receivers.mjs'), []);
    track(proc.child);
    return proc;
  });
  const joins = spread(receivers, nodes.length).map((n) =>
    kind === 'stagepass'
      ? { port: nodes[n].port, appId: app.appId, sessionId, token: mint(app, sessionId) }
      : { port: nodes[n].port, room: sessionId },
  );
  await Promise.all(
    procs.map((proc, p) => proc.request({ cmd: 'join', kind, joins: joins.filter((_, i) => i % procs.length === p) })),
  );
  const pacing = { count: 0, wake: () => {} };
  const pacer = await joinAt(nodes.at(-1), () => {
    pacing.count++;
    pacing.wake();
  });
  await pause(500); // the last joins' events settle before anything is measured
  const clientCpu = () =>
    procs.reduce((sum, p) => sum + cpuSeconds(p.child.pid), 0) +
    process.cpuUsage().user / 1e6 +
    process.cpuUsage().system / 1e6;
  return { kind, sender, pacer, pacing, procs, receivers, clientCpu };
}

export async function tearDownFanout(setup) {
  await Promise.all(setup.procs.map((p) => p.request({ cmd: 'close' }).catch(() => {})));
  setup.sender.close();
  setup.pacer.close();
  for (const p of setup.procs) p.kill();
}

async function totals(setup) {
  const all = await Promise.all(setup.procs.map((p) => p.request({ cmd: 'counts' })));
  return {
    total: all.reduce((s, c) => s + c.total, 0),
    min: Math.min(...all.map((c) => c.min)),
    lastAt: Math.max(...all.map((c) => c.lastAt)),
  };
}

async function drained(setup, sent, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await totals(setup);
    if (t.min >= sent || Date.now() > end) return t;
    await pause(50);
  }
}

const reset = (setup, record, from = 0) =>
  Promise.all(setup.procs.map((p) => p.request({ cmd: 'reset', record, from })));

/** Closed-loop throughput over `durationMs`; `cpu()` reads the servers' CPU seconds. */
export async function measureThroughput(setup, { durationMs, window, cpu }) {
  await reset(setup, false);
  setup.pacing.count = 0;
  let sent = 0;
  const t0 = now();
  const cpu0 = cpu();
  const client0 = setup.clientCpu();
  const stopAt = t0 + durationMs;
  await new Promise((resolve) => {
    setup.pacing.wake = () => {
      while (sent - setup.pacing.count < window && now() < stopAt) setup.sender.send(`${sent++} ${now()}`);
      if (now() >= stopAt) resolve();
    };
    setup.pacing.wake();
    setTimeout(resolve, durationMs + 5000).unref(); // a stalled loop still ends
  });
  setup.pacing.wake = () => {};
  const t = await drained(setup, sent);
  const seconds = (t.lastAt - t0) / 1000;
  const serverCpu = cpu() - cpu0;
  const clientCpu = setup.clientCpu() - client0;
  return {
    signals: sent,
    deliveries: t.total,
    expected: sent * setup.receivers,
    seconds,
    deliveriesPerSecond: t.total / seconds,
    serverCpuSeconds: serverCpu,
    deliveriesPerServerCpuSecond: serverCpu > 0 ? t.total / serverCpu : undefined,
    clientCpuSeconds: clientCpu,
    errors: setup.sender.errors.length,
  };
}

/** Open loop: `rate` signals/s for `warmupMs` (not recorded) then `durationMs`; latency percentiles. */
export async function measureLatency(setup, { rate, durationMs, warmupMs, cpu }) {
  // Measured: the signals scheduled after the warm-up, told to the receivers before the first is sent.
  const measuredFrom = Math.ceil((rate * warmupMs) / 1000);
  await reset(setup, true, measuredFrom);
  const start = now();
  let sent = 0;
  const tick = () => {
    const due = dueCount(start, now(), rate);
    while (sent < due) setup.sender.send(`${sent} ${start + (sent++ * 1000) / rate}`);
  };
  const timer = setInterval(tick, 1);
  await pause(warmupMs);
  const [cpu0, client0, t0] = [cpu(), setup.clientCpu(), now()];
  await pause(durationMs);
  clearInterval(timer);
  tick();
  const achievedRate = (sent * 1000) / (now() - start);
  const wall = (now() - t0) / 1000;
  const [serverCores, clientCores] = [(cpu() - cpu0) / wall, (setup.clientCpu() - client0) / wall];
  const signals = sent - measuredFrom;
  const t = await drained(setup, signals, 10_000);
  const histogram = createHistogram();
  for (const h of await Promise.all(setup.procs.map((p) => p.request({ cmd: 'histogram' })))) histogram.merge(h);
  return {
    rate,
    achievedRate,
    serverCores,
    clientCores,
    signals,
    receivers: setup.receivers,
    deliveries: t.total,
    delivered: t.total / (signals * setup.receivers),
    p50Ms: histogram.percentile(50),
    p99Ms: histogram.percentile(99),
    p999Ms: histogram.percentile(99.9),
    maxMs: histogram.max,
    errors: setup.sender.errors.length,
  };
}
