#!/usr/bin/env node
// Subscribers, in a process of their own (forked by bench/media/run.mjs): each a werift
// PeerConnection that answers its forwarder's offer and counts the RTP packets it receives.
// One process hosts several (a werift process costs ~60 MB; 40 would not fit beside the others
// on a small machine): what matters is that none of their cost is in the forwarder's process.
// IPC requests: joinAndSubscribe {url, tokens, v, streamId} (stagepass: one protocol connection and
// one subscription per token) | answer {offer} (bare: relayed by the orchestrator) | counts (with
// `ports`: the UDP ports of its candidates, for bench/media/paused.mjs to find its datagrams).
// impair {loss, keyframeRequestMs} (bench/media/lossy.mjs): from now on drop that share of the datagrams this
// process receives, at random (a lossy link: werift then asks for the lost packets with NACKs), and ask for a
// keyframe (PLI) on each video download every keyframeRequestMs.
import { Socket } from 'node:dgram';
import { join } from './ws-client.mjs';
import { peer, sdpOf, serveIpc } from './werift.mjs';

const impairment = { loss: 0, dropped: 0 };
const emit = Socket.prototype.emit;
Socket.prototype.emit = function (event, ...args) {
  if (event === 'message' && impairment.loss > 0 && Math.random() < impairment.loss) {
    impairment.dropped++;
    return false;
  }
  return emit.call(this, event, ...args);
};
const pcs = [];

const received = { audio: 0, video: 0, connected: 0, peers: 0 };
const perPeer = [];
const ports = [];

async function answer(offer) {
  const pc = peer();
  pcs.push(pc);
  const mine = { audio: 0, video: 0 };
  perPeer.push(mine);
  received.peers++;
  pc.onTrack.subscribe((track) => {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    track.onReceiveRtp.subscribe(() => {
      received[kind]++;
      mine[kind]++;
    });
  });
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'connected') received.connected++;
  });
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  const sdp = sdpOf(pc);
  for (const m of sdp.sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ/gim)) ports.push(Number(m[1]));
  return sdp;
}

async function subscribe({ url, token, v, streamId }) {
  const client = await join(url, token, v);
  const { subscriptionId } = await client.request({ type: 'subscribe', streamId });
  const offer = await client.next((m) => m.type === 'webrtc' && m.subscriptionId === subscriptionId);
  await client.request({ type: 'webrtc', subscriptionId, kind: 'answer', payload: await answer(offer.payload) });
}

serveIpc(async (m) => {
  switch (m.cmd) {
    case 'joinAndSubscribe':
      for (const token of m.tokens) await subscribe({ ...m, token });
      return {};
    case 'answer':
      return answer(m.offer);
    case 'counts':
      return {
        ...received,
        slowest: Math.min(...perPeer.map((p) => p.audio + p.video)),
        ports,
        dropped: impairment.dropped,
      };
    case 'impair':
      impairment.loss = m.loss;
      if (m.keyframeRequestMs > 0)
        setInterval(() => {
          for (const pc of pcs)
            for (const t of pc.getTransceivers())
              for (const track of t.kind === 'video' ? t.receiver.tracks : [])
                if (track.ssrc !== undefined) t.receiver.sendRtcpPLI(track.ssrc).catch(() => {});
        }, m.keyframeRequestMs);
      return {};
    default:
      throw new Error(`unknown command ${m.cmd}`);
  }
});
