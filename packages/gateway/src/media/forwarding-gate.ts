import type { MediaGate } from '../session/session-events.js';
import type { MediaKind } from './media-engine.js';

/** Packets of one kind of one stream: from the publisher, sent to subscribers, dropped by policy or by a stall. */
export interface KindCounts {
  /** Packets that came from the publisher. */
  received: number;
  /** Packet copies sent, one per subscriber per packet. */
  forwarded: number;
  /** Packets that came while the gate was shut for their kind (force-muted audio, hasVideo false). */
  dropped: number;
  /** Packet copies not sent to a stalled subscriber, one per such subscriber per packet (`StallGuard`). */
  stalled: number;
}

/** Where a gate sends packets: a subscriber's downlink. */
export interface PacketSink {
  /** Returns false when the packet was dropped because the subscriber is stalled (`StallGuard`). */
  send(kind: MediaKind, packet: Buffer): boolean;
}

/** Packet counts by kind: of one stream, or the totals of a node. */
export type MediaCounts = Readonly<Record<MediaKind, KindCounts>>;

/** Zeroed counts. */
export function createMediaCounts(): MediaCounts {
  return {
    audio: { received: 0, forwarded: 0, dropped: 0, stalled: 0 },
    video: { received: 0, forwarded: 0, dropped: 0, stalled: 0 },
  };
}

/**
 * The counts of each live routed stream, by stream ID, for `/metrics` (one series per stream, kind
 * and outcome): a stream is in it from its publish until it ends, and only while fewer
 * than `max` streams are (the bound on the series; docs/protocol.md "Routed media").
 */
export interface StreamCountsTable {
  readonly max: number;
  readonly byStream: Map<string, MediaCounts>;
}

/** An empty table for at most `max` streams (0: no per-stream series). */
export function createStreamCountsTable(max: number): StreamCountsTable {
  return { max, byStream: new Map() };
}

const SHUT: MediaGate = Object.freeze({ audio: false, video: false });

/**
 * The one place routed media's policy is enforced: every RTP packet of a stream passes here, and
 * goes to each subscriber only while the stream's gate is open for its kind — audio while
 * `hasAudio` (off after a force mute, whatever the publisher's client does), video while
 * `hasVideo`. The session core sets the gate from its domain events; nothing else decides.
 *
 * @example
 * ```ts
 * const gate = new ForwardingGate();
 * gate.set({ audio: false, video: true }); // force-muted
 * gate.forward('audio', packet); // dropped: no subscriber gets it
 * ```
 */
export class ForwardingGate {
  #gate: MediaGate = SHUT;
  readonly sinks = new Set<PacketSink>();
  /** This stream's counts. */
  readonly counts: MediaCounts = createMediaCounts();

  /** `totals`: the node's counts, kept beside the stream's (the gateway's `/metrics`). */
  constructor(private readonly totals: MediaCounts = createMediaCounts()) {}

  get gate(): MediaGate {
    return this.#gate;
  }

  /** Opens or shuts each kind; returns true when video was shut and opens now (a keyframe is due). */
  set(gate: MediaGate): boolean {
    const videoBack = !this.#gate.video && gate.video;
    this.#gate = { audio: gate.audio, video: gate.video };
    return videoBack;
  }

  forward(kind: MediaKind, packet: Buffer): void {
    const counts = this.counts[kind];
    const totals = this.totals[kind];
    counts.received++;
    totals.received++;
    if (!this.#gate[kind]) {
      counts.dropped++;
      totals.dropped++;
      return;
    }
    let stalled = 0;
    for (const sink of this.sinks) if (!sink.send(kind, packet)) stalled++;
    counts.forwarded += this.sinks.size - stalled;
    totals.forwarded += this.sinks.size - stalled;
    counts.stalled += stalled;
    totals.stalled += stalled;
  }
}
