#!/usr/bin/env node
// A subscriber on a bad link that keeps reading, measured: `npm run bench:media:lossy` (which builds first), or
//   node bench/media/lossy.mjs [--subscribers 10] [--window-ms 5000] [--loss 0.3] [--keyframe-request-ms 100] [--json]
// The real gateway forwards the publisher's 0.5 Mbit/s VP8 + Opus to N reading subscribers and to one more, alone
// in a sink process of its own (bench/media/lone-subscriber.mjs). Windows of --window-ms, one after the other on
// the same gateway:
//   none      every subscriber on a clean link;
//   lossy     the lone one drops --loss of the datagrams it receives, at random (its werift then sends NACKs
//             for what it lost, and the gateway's werift retransmits from its send cache);
//   lossy+pli the same, and it also asks for a keyframe (PLI) every --keyframe-request-ms, as a decoder that
//             keeps losing frames does.
// Per window: the others' delivery, the gateway's CPU per packet delivered to the others, its UDP send queues,
// the datagrams it sent to the lone one (retransmissions raise them above the stream's rate), and the keyframe
// requests that reached the publisher per second (the gateway forwards at most one per 500 ms per publisher).
import { pause, setUp, window } from './lone-subscriber.mjs';
import { round, table } from '../shared/report.mjs';

function die(message) {
  process.stderr.write(`bench:media:lossy: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { subscribers: 10, windowMs: 5000, loss: 0.3, keyframeRequestMs: 100, warmupMs: 3000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? die(`${arg} needs a value`);
    if (arg === '--subscribers') o.subscribers = Number(next());
    else if (arg === '--window-ms') o.windowMs = Number(next());
    else if (arg === '--loss') o.loss = Number(next());
    else if (arg === '--keyframe-request-ms') o.keyframeRequestMs = Number(next());
    else if (arg === '--json') o.json = true;
    else die(`unknown option ${arg}; see the header of bench/media/lossy.mjs`);
  }
  if (!Number.isInteger(o.subscribers) || o.subscribers < 1) die('--subscribers needs a whole number ≥ 1');
  if (!(o.windowMs >= 1000)) die('--window-ms needs a number ≥ 1000');
  if (!(o.loss > 0 && o.loss < 1)) die('--loss needs a share between 0 and 1, e.g. 0.3');
  if (!(o.keyframeRequestMs >= 10)) die('--keyframe-request-ms needs a number ≥ 10');
  return o;
}

const options = parseArgs(process.argv.slice(2));
const n = options.subscribers;
process.stderr.write(`${n} subscribers on clean links + 1 on a lossy one, setting up\n`);
const setup = await setUp(n, {});
const windows = [];
try {
  const at = async (name) => {
    const lone0 = await setup.lone.request({ cmd: 'counts' });
    const w = await window(setup, n, name, options.windowMs);
    const lone1 = await setup.lone.request({ cmd: 'counts' });
    windows.push({ ...w, loneReceived: lone1.audio + lone1.video - lone0.audio - lone0.video });
    process.stderr.write(`window ${name}: done\n`);
  };
  await pause(options.warmupMs);
  await at('none');
  await setup.lone.request({ cmd: 'impair', loss: options.loss, keyframeRequestMs: 0 });
  await at('lossy');
  await setup.lone.request({ cmd: 'impair', loss: options.loss, keyframeRequestMs: options.keyframeRequestMs });
  await at('lossy+pli');
} finally {
  setup.forwarder.child.send({ cmd: 'exit' });
  for (const c of [setup.publisher, setup.lone, ...setup.sinks]) c.kill();
  await pause(500);
}

const base = windows[0];
if (options.json) process.stdout.write(`${JSON.stringify({ options, windows }, null, 2)}\n`);
else {
  const rows = windows.map((w) => [
    w.window,
    `${round(w.othersDelivered * 100, 2)} %`,
    w.cores,
    w.cpuMicrosPerDelivered,
    round(w.cpuMicrosPerDelivered / base.cpuMicrosPerDelivered, 2),
    w.maxSendQueueDatagrams,
    w.toLoneDatagrams,
    round(w.toLoneDatagrams / base.toLoneDatagrams, 2),
    w.loneReceived,
    w.keyframeRequestsPerSecond,
  ]);
  const header = [
    'lone subscriber',
    `delivered to the other ${n}`,
    'gateway cores',
    'µs CPU / delivered pkt',
    '× none',
    'max UDP send queue (datagrams)',
    'datagrams to the lone one',
    '× none',
    'lone one received',
    'keyframe requests at the publisher /s',
  ];
  process.stdout.write(`${table(header, rows, [false, true, true, true, true, true, true, true, true, true])}\n`);
  process.stdout.write(
    `windows of ${options.windowMs} ms; lossy: ${options.loss * 100} % of the lone one's datagrams dropped; ` +
      `lossy+pli: and a PLI every ${options.keyframeRequestMs} ms\n`,
  );
}
process.exit(0);
