#!/usr/bin/env node
// The publisher, alone in its process (forked by bench/media/run.mjs): one werift PeerConnection
// sending synthetic RTP at 0.5 Mbit/s — "VP8" 30 frames/s, ~460 kbit/s, a keyframe (5× a delta
// frame) every 3 s, each frame cut in equal packets of at most 1100 bytes of payload; "Opus" 50
// packets/s of 100 bytes. The forwarders never decode, so made-up payloads of real sizes and rates
// cost them what real media would.
// IPC requests: joinAndPublish {url, token, v} (stagepass: over the protocol) | offer, accept {answer}
// (bare: signaling relayed by the orchestrator) | unmute (setStreamProperty hasAudio true) | counts (packets
// sent, and keyframe requests received).
import { join } from './ws-client.mjs';
import { peer, sdpOf, serveIpc, werift } from './werift.mjs';

export const VIDEO_BPS = 460_000;
const FPS = 30;
const KEYFRAME_EVERY = 90;
const KEYFRAME_SCALE = 5;
const MAX_PAYLOAD = 1100;
const AUDIO_BYTES = 100;
const DELTA_BYTES = Math.round(VIDEO_BPS / 8 / FPS / ((KEYFRAME_EVERY - 1 + KEYFRAME_SCALE) / KEYFRAME_EVERY));

const pc = peer();
const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
const video = pc.addTransceiver('video', { direction: 'sendonly' });
const sent = { audio: 0, video: 0, videoBytes: 0, keyframeRequests: 0 };
// Keyframe requests from the forwarder (RTCP payload-specific feedback: PLI, FIR). This publisher sends a
// keyframe every 3 s whatever it is asked; a real encoder sends one per request.
video.sender.onRtcp.subscribe((packet) => {
  if (packet.type === 206 && (packet.feedback?.count === 1 || packet.feedback?.count === 4)) sent.keyframeRequests++;
});
let client;
let streamId;

function packet(payloadType, sequenceNumber, timestamp, marker, bytes) {
  const header = new werift.RtpHeader({ payloadType, sequenceNumber, timestamp, marker });
  return new werift.RtpPacket(header, Buffer.alloc(bytes, sequenceNumber & 0xff));
}

function sendFrame(frame, seq) {
  const size = frame % KEYFRAME_EVERY === 0 ? DELTA_BYTES * KEYFRAME_SCALE : DELTA_BYTES;
  const parts = Math.ceil(size / MAX_PAYLOAD);
  for (let i = 0; i < parts; i++) {
    const bytes = Math.ceil(size / parts);
    const rtp = packet(96, seq.video++ & 0xffff, (frame * 3000) >>> 0, i === parts - 1, bytes);
    video.sender.sendRtp(rtp).catch(() => {});
    sent.video++;
    sent.videoBytes += bytes;
  }
}

/** Paced by elapsed time, so a late timer catches up instead of lowering the rate. */
function startSending() {
  const start = performance.now();
  const seq = { audio: 0, video: 0 };
  let frames = 0;
  let opus = 0;
  setInterval(() => {
    const elapsed = performance.now() - start;
    while (opus < elapsed / 20) {
      const rtp = packet(111, seq.audio++ & 0xffff, (opus * 960) >>> 0, true, AUDIO_BYTES);
      audio.sender.sendRtp(rtp).catch(() => {});
      sent.audio++;
      opus++;
    }
    while (frames < (elapsed * FPS) / 1000) sendFrame(frames++, seq);
  }, 5);
}

async function joinAndPublish({ url, token, v }) {
  client = await join(url, token, v);
  streamId = (await client.request({ type: 'publish', hasAudio: true, hasVideo: true })).streamId;
  await pc.setLocalDescription(await pc.createOffer());
  await client.request({ type: 'webrtc', streamId, kind: 'offer', payload: sdpOf(pc) });
  const answer = await client.next((m) => m.type === 'webrtc' && m.streamId === streamId && m.kind === 'answer');
  await pc.setRemoteDescription(answer.payload);
  startSending();
  return { streamId };
}

serveIpc(async (m) => {
  switch (m.cmd) {
    case 'joinAndPublish':
      return joinAndPublish(m);
    case 'offer':
      await pc.setLocalDescription(await pc.createOffer());
      return sdpOf(pc);
    case 'accept':
      await pc.setRemoteDescription(m.answer);
      startSending();
      return {};
    case 'unmute':
      await client.request({ type: 'setStreamProperty', streamId, property: 'hasAudio', value: true });
      return {};
    case 'counts':
      return { ...sent };
    default:
      throw new Error(`unknown command ${m.cmd}`);
  }
});
