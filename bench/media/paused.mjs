#!/usr/bin/env node
// A subscriber that stops reading, measured: `npm run bench:media:paused` (which builds first), or
//   node bench/media/paused.mjs [--subscribers 10] [--window-ms 4000] [--stalled-ms 12000] [--json]
// The real gateway (bench/media/forwarder.mjs stagepass) forwards the publisher's 0.5 Mbit/s VP8 + Opus
// to N reading subscribers (sink processes) and one more subscriber alone in a sink process of its own.
// Two cases side by side, each on a fresh gateway: the stall guard on (mediaStallMs default, 5 s) and
// off (mediaStallMs 0: werift as it is). In each, windows of --window-ms:
//   none     all N+1 subscribers read;
//   paused   right after the lone subscriber's process is SIGSTOPped (its socket no longer read, no RTCP,
//            no ICE consent replies from it);
//   stalled  --stalled-ms after the stop (keep it under 30 s: werift's ICE consent then expires, and the
//            lone subscriber's download is dead for good whatever the guard does);
//   resumed  right after SIGCONT: the lone subscriber's own packets too.
// Per window: the others' delivery (packets received by the N / (packets the publisher sent × N); the
// counts are read a few ms apart, so ±1 % is skew, not loss), the gateway's CPU per packet delivered, its
// UDP send queues (libuv's per-socket queue of datagrams the kernel would not take yet: the only
// per-subscriber queue on the send path), sampled every 20 ms, and datagrams it sent to the lone one.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { createSessionId, createToken } from '@stagepass/token';
import { forkChild } from './ipc.mjs';
import { round, table } from '../shared/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PER_SINK = 10;

function die(message) {
  process.stderr.write(`bench:media:paused: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { subscribers: 10, windowMs: 4000, stalledMs: 12_000, warmupMs: 3000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? die(`${arg} needs a value`);
    if (arg === '--subscribers') o.subscribers = Number(next());
    else if (arg === '--window-ms') o.windowMs = Number(next());
    else if (arg === '--stalled-ms') o.stalledMs = Number(next());
    else if (arg === '--json') o.json = true;
    else die(`unknown option ${arg}; see the header of bench/media/paused.mjs`);
  }
  if (!Number.isInteger(o.subscribers) || o.subscribers < 1) die('--subscribers needs a whole number ≥ 1');
  if (!(o.windowMs >= 1000) || !(o.stalledMs >= o.windowMs)) die('--window-ms ≥ 1000, --stalled-ms ≥ --window-ms');
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

async function setUp(n, gatewayOptions) {
  const forwarder = forkChild(join(here, 'forwarder.mjs'), ['stagepass']);
  const publisher = forkChild(join(here, 'publisher.mjs'), []);
  const sinks = Array.from({ length: Math.ceil(n / PER_SINK) }, () => forkChild(join(here, 'sink.mjs'), []));
  const lone = forkChild(join(here, 'sink.mjs'), []);
  const started = await forwarder.request({ cmd: 'start', options: gatewayOptions });
  const app = { appId: started.appId, secret: started.secret };
  const sessionId = createSessionId({ appId: app.appId, mediaMode: 'routed' });
  const url = `ws://127.0.0.1:${started.port}/v1/connect?appId=${app.appId}&sessionId=${encodeURIComponent(sessionId)}`;
  const token = (role) => createToken({ ...app, sessionId, role });
  const v = PROTOCOL_VERSION;
  const { streamId } = await publisher.request({ cmd: 'joinAndPublish', url, token: token('publisher'), v });
  const subscribe = (sink, count) =>
    sink.request({
      cmd: 'joinAndSubscribe',
      url,
      v,
      streamId,
      tokens: Array.from({ length: count }, () => token('subscriber')),
    });
  await Promise.all(sinks.map((sink, i) => subscribe(sink, Math.min(PER_SINK, n - i * PER_SINK))));
  await subscribe(lone, 1);
  const setup = { forwarder, publisher, sinks, lone, lonePorts: (await lone.request({ cmd: 'counts' })).ports };
  await until(
    async () => (await snapshot(setup)).slowest > 50 && (await lone.request({ cmd: 'counts' })).slowest > 50,
    'media at every subscriber',
  );
  return setup;
}

async function snapshot({ forwarder, publisher, sinks }) {
  const [cpu, pub, ...counts] = await Promise.all([
    forwarder.request({ cmd: 'cpu' }),
    publisher.request({ cmd: 'counts' }),
    ...sinks.map((s) => s.request({ cmd: 'counts' })),
  ]);
  return {
    cpu,
    published: pub.audio + pub.video,
    others: counts.reduce((sum, c) => sum + c.audio + c.video, 0),
    slowest: Math.min(...counts.map((c) => c.slowest)),
  };
}

async function window(setup, n, name, windowMs) {
  await setup.forwarder.request({ cmd: 'sendQueuesReset' });
  const a = await snapshot(setup);
  await pause(windowMs);
  const b = await snapshot(setup);
  const queues = await setup.forwarder.request({ cmd: 'sendQueues' });
  const seconds = (b.cpu.t - a.cpu.t) / 1000;
  const cpuSeconds = (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1e6;
  const delivered = b.others - a.others;
  return {
    window: name,
    seconds: round(seconds, 2),
    published: b.published - a.published,
    othersDelivered: round(delivered / ((b.published - a.published) * n), 4),
    cores: round(cpuSeconds / seconds, 4),
    cpuMicrosPerDelivered: round((cpuSeconds * 1e6) / delivered, 2),
    maxSendQueueDatagrams: queues.maxCount,
    maxSendQueueBytes: queues.maxBytes,
    sendErrors: queues.errors,
    toLoneDatagrams: setup.lonePorts.reduce((sum, port) => sum + (queues.toPort[port] ?? 0), 0),
  };
}

/** One gateway, one run of the windows: `mediaStallMs` as given (undefined: the default). */
async function runCase(n, options, mediaStallMs) {
  const guard = mediaStallMs === 0 ? 'off' : 'on';
  log(`stall guard ${guard}: ${n} reading subscribers + 1 to pause, setting up`);
  const setup = await setUp(n, mediaStallMs === undefined ? {} : { mediaStallMs });
  const windows = [];
  const at = async (name) => windows.push({ guard, ...(await window(setup, n, name, options.windowMs)) });
  try {
    await pause(options.warmupMs);
    await at('none');
    setup.lone.child.kill('SIGSTOP');
    await at('paused');
    await pause(options.stalledMs - 2 * options.windowMs);
    await at('stalled');
    setup.lone.child.kill('SIGCONT');
    const lone0 = await setup.lone.request({ cmd: 'counts' });
    await at('resumed');
    const lone1 = await setup.lone.request({ cmd: 'counts' });
    windows.at(-1).lonePackets = lone1.audio + lone1.video - lone0.audio - lone0.video;
  } finally {
    setup.forwarder.child.send({ cmd: 'exit' });
    for (const c of [setup.publisher, setup.lone, ...setup.sinks]) c.kill();
    await pause(500);
  }
  return windows;
}

const options = parseArgs(process.argv.slice(2));
const n = options.subscribers;
const results = { options, windows: [...(await runCase(n, options, undefined)), ...(await runCase(n, options, 0))] };
if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  const rows = results.windows.map((w) => [
    w.guard,
    w.window,
    `${round(w.othersDelivered * 100, 2)} %`,
    w.cores,
    w.cpuMicrosPerDelivered,
    w.maxSendQueueDatagrams,
    w.sendErrors,
    w.toLoneDatagrams,
    w.lonePackets ?? '',
  ]);
  const header = [
    'stall guard',
    'lone subscriber',
    `delivered to the other ${n}`,
    'gateway cores',
    'µs CPU / delivered pkt',
    'max UDP send queue (datagrams)',
    'send errors',
    'datagrams to the lone one',
    'lone one received',
  ];
  process.stdout.write(`${table(header, rows, [false, false, true, true, true, true, true, true, true])}\n`);
  process.stdout.write(
    `windows of ${options.windowMs} ms: none (all read), paused (right after SIGSTOP), stalled (${options.stalledMs} ms after it), resumed (after SIGCONT)\n`,
  );
}
process.exit(0);
