#!/usr/bin/env node
// The forwarder under test, alone in its process (forked by bench/media/run.mjs, IPC channel):
//   node bench/media/forwarder.mjs <stagepass | bare>
// - stagepass: the real gateway (createGateway, in-memory registry, one app, default media engine:
//   werift behind our ForwardingGate). Clients reach it over the protocol on 127.0.0.1.
//   For the policy-cut latency, ForwardingGate is wrapped to note (wall clock) when a stream's audio
//   gate shuts, the last audio packet it passed to subscribers, and any audio passed after the shut
//   (two counter reads and one clock read per audio packet, 50 per second: noise next to the forwarding).
// - bare: the floor — a minimal werift SFU with no Stagepass: one upstream PeerConnection, one
//   downstream per subscriber, onReceiveRtp → clone → sendRtp per subscriber; signaling over IPC.
// IPC requests (answered {rid,result}): cpu, memory, and per kind: start {options?: more createGateway
// options} → {port,appId,secret} |
// publish {offer} → answer | subscribe → {id, offer} | answer {id, answer} | muteTimes |
// sendQueuesReset, sendQueues (for bench/media/paused.mjs: the largest libuv send queue of any of the
// process's UDP sockets since the reset, sampled every 20 ms, send errors, and datagrams sent per
// destination port).
import dgram from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { peer, root, sdpOf, serveIpc, wallNow, werift } from './werift.mjs';

const kind = process.argv[2];
if (kind !== 'stagepass' && kind !== 'bare') {
  process.stderr.write('usage: node bench/media/forwarder.mjs <stagepass | bare>\n');
  process.exit(2);
}

const mute = { shutAt: 0, lastAudioAt: 0, audioAfterShut: 0 };

// Every UDP socket that sends, its send queue sampled: datagrams libuv holds because the kernel refused
// them for now (EAGAIN, a full socket send buffer). An error passed to no callback would be thrown.
const queues = { sockets: new Set(), maxCount: 0, maxBytes: 0, errors: 0, toPort: new Map() };
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  queues.sockets.add(this);
  // send(msg, port, address[, callback]) is the form werift uses.
  if (typeof args[1] === 'number') queues.toPort.set(args[1], (queues.toPort.get(args[1]) ?? 0) + 1);
  if (typeof args.at(-1) !== 'function')
    args.push((err) => {
      if (err) queues.errors++;
    });
  return send.apply(this, args);
};
setInterval(() => {
  for (const socket of queues.sockets) {
    try {
      queues.maxCount = Math.max(queues.maxCount, socket.getSendQueueCount());
      queues.maxBytes = Math.max(queues.maxBytes, socket.getSendQueueSize());
    } catch {
      queues.sockets.delete(socket); // closed
    }
  }
}, 20).unref();

async function wrapGate() {
  const url = pathToFileURL(join(root, 'packages', 'gateway', 'dist', 'media', 'forwarding-gate.js')).href;
  const { ForwardingGate } = await import(url);
  const { set, forward } = ForwardingGate.prototype;
  ForwardingGate.prototype.set = function (gate) {
    if (this.gate.audio && !gate.audio) mute.shutAt = wallNow();
    return set.call(this, gate);
  };
  ForwardingGate.prototype.forward = function (packetKind, packet) {
    if (packetKind !== 'audio') return forward.call(this, packetKind, packet);
    const before = this.counts.audio.forwarded;
    forward.call(this, packetKind, packet);
    if (this.counts.audio.forwarded === before) return;
    // Audio went to subscribers: note when, and whether the gate was shut (a leak past a mute).
    mute.lastAudioAt = wallNow();
    if (!this.gate.audio) mute.audioAfterShut++;
  };
}

async function startStagepass(options = {}) {
  await wrapGate();
  const { createGateway, createSqliteAppRegistry } = await import('@stagepass/gateway');
  const registry = createSqliteAppRegistry({ path: ':memory:' });
  const { app, secret } = registry.createApp({ name: 'bench' });
  const gateway = createGateway({
    registry,
    host: '127.0.0.1',
    port: 0,
    rateLimit: { perSecond: 1e6, burst: 1e6 },
    maxSocketsPerIp: 1e6,
    ...options,
  });
  const { port } = await gateway.listen();
  return { port, appId: app.appId, secret };
}

// ------------------------------------------------------------------------------- bare werift SFU

const bare = { senders: new Set(), downlinks: new Map(), nextId: 1 };

async function barePublish(offer) {
  const pc = peer();
  pc.onTrack.subscribe((track) => {
    const trackKind = track.kind === 'audio' ? 'audio' : 'video';
    track.onReceiveRtp.subscribe((rtp) => {
      for (const senders of bare.senders) senders[trackKind].sendRtp(rtp.clone()).catch(() => {});
    });
  });
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  return sdpOf(pc);
}

async function bareSubscribe() {
  const pc = peer();
  const senders = {
    audio: pc.addTransceiver('audio', { direction: 'sendonly' }).sender,
    video: pc.addTransceiver('video', { direction: 'sendonly' }).sender,
  };
  bare.senders.add(senders);
  const id = bare.nextId++;
  bare.downlinks.set(id, pc);
  await pc.setLocalDescription(await pc.createOffer());
  return { id, offer: sdpOf(pc) };
}

serveIpc(async (m) => {
  switch (m.cmd) {
    case 'start':
      return kind === 'stagepass' ? startStagepass(m.options) : {};
    case 'cpu':
      return { ...process.cpuUsage(), t: performance.now() };
    case 'memory':
      return { rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 };
    case 'muteTimes':
      return { ...mute };
    case 'sendQueuesReset':
      Object.assign(queues, { maxCount: 0, maxBytes: 0, errors: 0, toPort: new Map() });
      return {};
    case 'sendQueues':
      return { ...queues, sockets: queues.sockets.size, toPort: Object.fromEntries(queues.toPort) };
    case 'publish':
      return barePublish(m.offer);
    case 'subscribe':
      return bareSubscribe();
    case 'answer':
      await bare.downlinks.get(m.id).setRemoteDescription(m.answer);
      return {};
    default:
      throw new Error(`unknown command ${m.cmd}`);
  }
});
