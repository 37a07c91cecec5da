// The set-up both lone-subscriber benchmarks share (bench/media/paused.mjs, bench/media/lossy.mjs): the real
// gateway (bench/media/forwarder.mjs stagepass) forwarding the publisher's 0.5 Mbit/s VP8 + Opus to N reading
// subscribers (sink processes of up to 10) and to one more subscriber alone in a sink process of its own, whose
// process the benchmark stops, or whose link it impairs; and a measuring window over all of them.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@stagepass/protocol';
import { createSessionId, createToken } from '@stagepass/token';
import { forkChild } from './ipc.mjs';
import { round } from '../shared/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PER_SINK = 10;

export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(200);
  }
}

export async function setUp(n, gatewayOptions) {
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
    keyframeRequests: pub.keyframeRequests,
    others: counts.reduce((sum, c) => sum + c.audio + c.video, 0),
    slowest: Math.min(...counts.map((c) => c.slowest)),
  };
}

export async function window(setup, n, name, windowMs) {
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
    keyframeRequestsPerSecond: round((b.keyframeRequests - a.keyframeRequests) / seconds, 2),
  };
}
