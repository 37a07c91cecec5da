import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { MediaKind } from '../media/media-engine.js';

/** A Node WebRTC peer standing in for a browser in routed-media tests (werift, host candidates only). */
function peer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        }),
      ],
    },
  });
}

function sdpOf(pc: RTCPeerConnection): Record<string, unknown> {
  const description = pc.localDescription;
  if (description === null || description === undefined) throw new Error('no local description');
  return { type: description.type, sdp: description.sdp };
}

/**
 * A publisher: one send-only audio and video track; `start()` sends a made-up RTP packet of each
 * kind every 20 ms (the gateway forwards bytes, it does not decode them). Counts what it sent and
 * the keyframe requests (PLI) the gateway sent it.
 */
export class FakePublisher {
  readonly pc = peer();
  readonly sent: Record<MediaKind, number> = { audio: 0, video: 0 };
  pictureLossIndications = 0;
  readonly #audio: RTCRtpTransceiver;
  readonly #video: RTCRtpTransceiver;
  #timer: NodeJS.Timeout | undefined;

  constructor() {
    this.#audio = this.pc.addTransceiver('audio', { direction: 'sendonly' });
    this.#video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    this.#video.sender.onRtcp.subscribe((packet) => {
      if (packet.type === 206) this.pictureLossIndications++;
    });
  }

  async offer(): Promise<Record<string, unknown>> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return sdpOf(this.pc);
  }

  async accept(answer: Record<string, unknown>): Promise<void> {
    await this.pc.setRemoteDescription(answer as { type: 'answer'; sdp: string });
  }

  start(): void {
    let sequence = 0;
    this.#timer = setInterval(() => {
      sequence = (sequence + 1) & 0xffff;
      for (const [kind, transceiver, payloadType] of [
        ['audio', this.#audio, 111],
        ['video', this.#video, 96],
      ] as const) {
        const header = new RtpHeader({
          payloadType,
          sequenceNumber: sequence,
          timestamp: sequence * 960,
          marker: true,
        });
        transceiver.sender.sendRtp(new RtpPacket(header, Buffer.alloc(120, sequence & 0xff))).catch(() => {});
        this.sent[kind]++;
      }
    }, 20);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.pc.close();
  }
}

/** A subscriber: answers the gateway's offer and counts the RTP packets of each kind it receives. */
export class FakeSubscriber {
  readonly pc = peer();
  readonly received: Record<MediaKind, number> = { audio: 0, video: 0 };

  constructor() {
    this.pc.onTrack.subscribe((track) => {
      const kind: MediaKind = track.kind === 'audio' ? 'audio' : 'video';
      track.onReceiveRtp.subscribe(() => this.received[kind]++);
    });
  }

  async answer(offer: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.pc.setRemoteDescription(offer as { type: 'offer'; sdp: string });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return sdpOf(this.pc);
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

/** Resolves once `check()` is true (polled every 50 ms), or rejects after `timeoutMs` naming `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
