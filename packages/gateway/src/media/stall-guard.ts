import type { PacketSink } from './forwarding-gate.js';
import type { MediaKind } from './media-engine.js';

/** Default of {@link StallGuardOptions.stallAfterMs}: 5 s, five RTCP intervals of a browser's video receiver. */
export const DEFAULT_STALL_AFTER_MS = 5000;

/** Options of {@link StallGuard}. */
export interface StallGuardOptions {
  /**
   * A subscriber that has sent no RTCP (receiver report, NACK, PLI) for this long of packets being sent
   * to it is stalled: packets for it are dropped until it sends RTCP again. 0: never. Default
   * {@link DEFAULT_STALL_AFTER_MS}.
   */
  readonly stallAfterMs?: number;
  /** The clock, in ms. Default `performance.now`. */
  readonly now?: () => number;
  /** The subscriber came back after a stall: it needs a keyframe, the video it missed is gone. */
  readonly onResume?: () => void;
}

/**
 * One subscription's download seen from the forwarding gate: packets pass to it while its
 * subscriber gives signs of life, and are dropped (and counted by the gate) once it has sent no
 * RTCP for `stallAfterMs` while packets flowed to it — a subscriber whose process stopped, whose
 * socket is no longer read, whose network went away. Its first RTCP afterwards resumes it, with a
 * keyframe request.
 *
 * Why not a send queue: every send is synchronous down to the UDP socket and a datagram the kernel
 * takes is never waited for, so a slow subscriber delays nobody (measured: bench/media/paused.mjs,
 * docs/benchmarks.md). What a stalled subscriber does cost is the gateway's CPU, one SRTP packet per
 * packet forwarded, until ICE consent expires (30 s): that is what this stops.
 *
 * @example
 * ```ts
 * const guard = new StallGuard(downlink, { onResume: () => keyframes.request() });
 * gate.sinks.add(guard); // downlink handlers: onConnected → guard.alive(), onFeedback → guard.alive()
 * ```
 */
export class StallGuard implements PacketSink {
  readonly #sink: { send(kind: MediaKind, packet: Buffer): void };
  readonly #stallAfterMs: number;
  readonly #now: () => number;
  readonly #onResume: () => void;
  /** When the subscriber last gave a sign of life; undefined until its download connected. */
  #lastAlive: number | undefined;
  /** When a packet was last passed on. */
  #lastSent: number | undefined;
  #stalled = false;

  constructor(sink: { send(kind: MediaKind, packet: Buffer): void }, options: StallGuardOptions = {}) {
    this.#sink = sink;
    this.#stallAfterMs = options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#onResume = options.onResume ?? (() => {});
  }

  /** Whether packets for this subscriber are being dropped. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** The download connected, or the subscriber sent RTCP. */
  alive(): void {
    this.#lastAlive = this.#now();
    if (!this.#stalled) return;
    this.#stalled = false;
    this.#onResume();
  }

  /** Passes the packet on and returns true, or drops it (stalled) and returns false. */
  send(kind: MediaKind, packet: Buffer): boolean {
    if (this.#stalled) return false;
    const now = this.#now();
    // Silence counts only while packets flow: from the first packet, and after a gap as long as the limit
    // (the gate shut, the publisher not sending yet) a subscriber that had nothing to report starts afresh.
    const gap = this.#lastSent === undefined || now - this.#lastSent > this.#stallAfterMs;
    if (this.#lastAlive !== undefined && gap) this.#lastAlive = now;
    const last = this.#lastAlive;
    if (last !== undefined && this.#stallAfterMs > 0 && now - last > this.#stallAfterMs) {
      this.#stalled = true;
      return false;
    }
    this.#lastSent = now;
    this.#sink.send(kind, packet);
    return true;
  }
}
