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
import { pause, setUp, window } from './lone-subscriber.mjs';
import { round, table } from '../shared/report.mjs';

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

const log = (text) => process.stderr.write(`${text}\n`);

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
