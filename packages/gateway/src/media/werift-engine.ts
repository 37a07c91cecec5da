import type * as Werift from 'werift';
import type {
  Downlink,
  DownlinkHandlers,
  IceCandidate,
  MediaEngine,
  MediaKind,
  SessionDescription,
  Uplink,
  UplinkHandlers,
} from './media-engine.js';

/** Options of {@link createWeriftEngine}. */
export interface WeriftEngineOptions {
  /** ICE servers of the gateway's own PeerConnections. Default none (host candidates only). */
  readonly iceServers?: readonly { readonly urls: string | string[] }[];
  /** The UDP ports its PeerConnections bind, `[first, last]` (first below last). Default: any the OS gives. */
  readonly portRange?: readonly [number, number];
  /**
   * The address its ICE candidates carry instead of the machine's own (behind 1:1 NAT): each
   * PeerConnection then has one host candidate, this address with the port of a socket bound on every
   * interface. Default: none (a candidate per address of the machine).
   */
  readonly announcedIp?: string;
}

type WeriftModule = typeof Werift;

/** RTCP payload-specific feedback (RFC 4585) and its PLI and FIR formats. */
const PSFB = 206;
const PLI = 1;
const FIR = 4;

/**
 * The only codecs routed sessions carry: VP8 and Opus, which every browser sends and decodes. A
 * publisher's offer is answered with these; a subscriber is offered these.
 */
function codecs(w: WeriftModule): NonNullable<Werift.PeerConfig['codecs']> {
  return {
    audio: [new w.RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    video: [
      new w.RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      }),
    ],
  };
}

/**
 * werift gathers one host candidate per address in `iceAdditionalHostAddresses` and per address of
 * the machine, each on its own socket bound to every interface: with the machine's own turned off,
 * the announced address is the only candidate (and each PeerConnection takes one port, not one per address).
 */
function announced(ip: string | undefined): Partial<Werift.PeerConfig> {
  if (ip === undefined) return {};
  return { iceAdditionalHostAddresses: [ip], iceUseIpv4: false, iceUseIpv6: false };
}

function plain(description: { type: string; sdp: string } | null | undefined, type: 'offer' | 'answer') {
  if (description == null) throw new Error(`werift made no ${type}`);
  return { type, sdp: description.sdp } satisfies SessionDescription;
}

async function addCandidate(pc: Werift.RTCPeerConnection, candidate: IceCandidate): Promise<void> {
  // The end of candidates (`{"candidate":""}`) needs nothing here: werift keeps checking what it has.
  if (typeof candidate.candidate !== 'string' || candidate.candidate === '') return;
  await pc.addIceCandidate(candidate as Werift.RTCIceCandidateInit);
}

function closeQuietly(pc: Werift.RTCPeerConnection): void {
  pc.close().catch(() => {});
}

/**
 * The packet each uplink's bytes were serialised from, so that a downlink clones it (a header copy
 * sharing the payload, as werift's own examples forward) instead of parsing the same bytes again per
 * subscriber: parsing was ~4–5 % of a 40-subscriber fan-out's CPU (docs/benchmarks.md, shortcut ledger).
 * Sound because the bytes handed to `onPacket` are never changed afterwards (media-engine.ts) and
 * werift's `sendRtp` only reassigns the header fields of the copy it is given. Weak: a packet lives only
 * as long as its bytes. Guarded by werift-engine.test.ts.
 */
export class ParsedPackets {
  readonly #parsed = new WeakMap<Buffer, Werift.RtpPacket>();

  remember(bytes: Buffer, packet: Werift.RtpPacket): void {
    this.#parsed.set(bytes, packet);
  }

  /** A packet of its own for one download: a clone of the one remembered for `bytes`, else the bytes (werift parses them). */
  copyFor(bytes: Buffer): Werift.RtpPacket | Buffer {
    return this.#parsed.get(bytes)?.clone() ?? bytes;
  }
}

function uplink(
  w: WeriftModule,
  config: Partial<Werift.PeerConfig>,
  handlers: UplinkHandlers,
  parsed: ParsedPackets,
): Uplink {
  const pc = new w.RTCPeerConnection(config);
  const video: { receiver: Werift.RTCRtpReceiver; ssrc: number }[] = [];
  pc.onTrack.subscribe((track) => {
    const kind: MediaKind = track.kind === 'audio' ? 'audio' : 'video';
    const transceiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (kind === 'video' && transceiver !== undefined && track.ssrc !== undefined)
      video.push({ receiver: transceiver.receiver, ssrc: track.ssrc });
    track.onReceiveRtp.subscribe((rtp) => {
      const bytes = rtp.serialize();
      parsed.remember(bytes, rtp);
      handlers.onPacket(kind, bytes);
    });
  });
  return {
    async answer(offer) {
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      return plain(pc.localDescription, 'answer');
    },
    addCandidate: (candidate) => addCandidate(pc, candidate),
    requestKeyframe() {
      for (const { receiver, ssrc } of video) receiver.sendRtcpPLI(ssrc).catch(() => {});
    },
    close: () => closeQuietly(pc),
  };
}

function downlink(
  w: WeriftModule,
  config: Partial<Werift.PeerConfig>,
  handlers: DownlinkHandlers,
  parsed: ParsedPackets,
): Downlink {
  const pc = new w.RTCPeerConnection(config);
  const senders = {
    audio: pc.addTransceiver('audio', { direction: 'sendonly' }).sender,
    video: pc.addTransceiver('video', { direction: 'sendonly' }).sender,
  };
  senders.video.onRtcp.subscribe((packet) => {
    if (packet.type !== PSFB) return;
    const format = (packet as Werift.RtcpPayloadSpecificFeedback).feedback.count;
    if (format === PLI || format === FIR) handlers.onKeyframeRequest();
  });
  let feedback = false;
  pc.connectionStateChange.subscribe((state) => {
    if (state !== 'connected') return;
    // Every RTCP packet of the download's one (bundled) transport, report blocks or not: a receiver that
    // gets nothing still sends its compound RTCP, so this stays a sign of life while the gate is shut.
    if (!feedback) senders.video.dtlsTransport?.onRtcp.subscribe(() => handlers.onFeedback());
    feedback = true;
    handlers.onConnected();
  });
  return {
    async offer() {
      await pc.setLocalDescription(await pc.createOffer());
      return plain(pc.localDescription, 'offer');
    },
    async accept(answer) {
      await pc.setRemoteDescription(answer);
    },
    addCandidate: (candidate) => addCandidate(pc, candidate),
    send(kind, packet) {
      // werift's sendRtp rewrites the packet it is given in place: each subscriber gets its own copy,
      // a clone of the uplink's packet when it is known, else werift parses the bytes into one.
      senders[kind].sendRtp(parsed.copyFor(packet)).catch(() => {});
    },
    close: () => closeQuietly(pc),
  };
}

/**
 * Routed media over werift (pure TypeScript WebRTC, pinned in package.json): each uplink and
 * downlink is one werift RTCPeerConnection. werift is loaded at the first routed stream, so a
 * gateway with only relayed sessions never loads it.
 *
 * What werift does and does not do for us: NACK and retransmission on each leg, RTCP receiver
 * reports; no simulcast, no transport-wide congestion control, no bandwidth estimation towards
 * the publisher (docs/architecture.md "Routed media").
 *
 * @example
 * ```ts
 * const router = createRoutedMediaRouter(bus, { engine: createWeriftEngine() });
 * ```
 */
export function createWeriftEngine(options: WeriftEngineOptions = {}): MediaEngine {
  let loading: Promise<WeriftModule> | undefined;
  const load = () => (loading ??= import('werift'));
  const parsed = new ParsedPackets();
  const configOf = (w: WeriftModule): Partial<Werift.PeerConfig> => ({
    iceServers: (options.iceServers ?? []).map((server) => ({ urls: server.urls })),
    codecs: codecs(w),
    ...(options.portRange === undefined ? {} : { icePortRange: [options.portRange[0], options.portRange[1]] }),
    ...announced(options.announcedIp),
    // One ICE transport for audio and video. Without it werift also opens a transport per m-line
    // and, once bundled, never closes the extra one's UDP sockets (they outlive pc.close()).
    bundlePolicy: 'max-bundle',
  });
  return {
    async createUplink(handlers) {
      const w = await load();
      return uplink(w, configOf(w), handlers, parsed);
    },
    async createDownlink(handlers) {
      const w = await load();
      return downlink(w, configOf(w), handlers, parsed);
    },
  };
}
