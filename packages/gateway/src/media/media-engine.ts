/**
 * The small interface routed media needs from a WebRTC engine, so that the engine (today werift,
 * `werift-engine.ts`) can be replaced without touching the router or the gate: a publisher's
 * upload ({@link Uplink}), a subscriber's download ({@link Downlink}), and RTP packets passed
 * between them as bytes.
 */

/** The two kinds of media a stream carries. */
export type MediaKind = 'audio' | 'video';

/** An SDP offer or answer, as `RTCSessionDescriptionInit` has it. */
export interface SessionDescription {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

/** A trickled ICE candidate, as `RTCIceCandidateInit` has it (`{"candidate":""}`: end of candidates). */
export type IceCandidate = Readonly<Record<string, unknown>>;

/** What an uplink tells its owner. */
export interface UplinkHandlers {
  /**
   * One RTP packet from the publisher, as bytes. The same buffer goes to every subscriber's
   * {@link Downlink.send}: nobody may change it.
   */
  onPacket(kind: MediaKind, packet: Buffer): void;
}

/** The gateway's end of one publisher's PeerConnection (receive only). */
export interface Uplink {
  /** Answers the publisher's offer; the answer carries every candidate of the gateway (no trickle from it). */
  answer(offer: SessionDescription): Promise<SessionDescription>;
  addCandidate(candidate: IceCandidate): Promise<void>;
  /** Asks the publisher for a video keyframe (RTCP PLI). */
  requestKeyframe(): void;
  close(): void;
}

/** What a downlink tells its owner. */
export interface DownlinkHandlers {
  /** Its PeerConnection connected: media sent from now on arrives. */
  onConnected(): void;
  /** The subscriber asked for a keyframe (PLI or FIR). */
  onKeyframeRequest(): void;
  /** The subscriber sent RTCP (any packet: receiver report, NACK, PLI, FIR, SDES): it is there and reading. */
  onFeedback(): void;
}

/** The gateway's end of one subscription's PeerConnection (send only: one audio, one video track). */
export interface Downlink {
  offer(): Promise<SessionDescription>;
  accept(answer: SessionDescription): Promise<void>;
  addCandidate(candidate: IceCandidate): Promise<void>;
  /**
   * Sends one RTP packet given as bytes. The downlink makes its own packet of them (its SSRC,
   * payload type, sequence numbers and header extensions are written into that copy), so the
   * bytes stay as they were for the next subscriber. Dropped while not connected.
   */
  send(kind: MediaKind, packet: Buffer): void;
  close(): void;
}

/** A WebRTC engine for routed media. */
export interface MediaEngine {
  createUplink(handlers: UplinkHandlers): Promise<Uplink>;
  createDownlink(handlers: DownlinkHandlers): Promise<Downlink>;
}
