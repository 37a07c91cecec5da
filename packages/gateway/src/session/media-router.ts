import type { SessionBus } from './local-bus.js';
import type { ConnectionRecord, MediaGate, Negotiation, StreamRecord, SubscriptionRecord } from './session-events.js';

/**
 * Where a session's media goes. The session core hands it the negotiation of each subscription
 * (and, in routed sessions, of each stream's upload) and tells it, from its domain events, which
 * subscriptions exist and what of each stream may flow. {@link createRelayMediaRouter} relays
 * negotiation between the two ends of a subscription (peer to peer); the routed router
 * (`media/routed-media-router.ts`) is the other end of every PeerConnection itself and enforces the
 * gates on the media it forwards.
 */
export interface MediaRouter {
  /**
   * A `webrtc` message from `from`, an end of `subscription` (the core has checked that, and in a
   * routed session that `from` is its subscriber): route it (relayed: to the other end, stamped with `from`).
   */
  negotiate(from: ConnectionRecord, subscription: SubscriptionRecord, negotiation: Negotiation): void;
  /** Routed sessions: a `webrtc` message of `stream`'s publisher about its upload (the core checked both). */
  negotiateUpload(stream: StreamRecord, negotiation: Negotiation): void;
  /** A subscription began (its ack is out): routed, the gateway offers it its media. */
  subscriptionCreated(subscription: SubscriptionRecord): void;
  /** A subscription ended: routed, its PeerConnection closes. */
  subscriptionEnded(subscription: SubscriptionRecord): void;
  /**
   * What of a stream may flow from now on: told at publish, at a (force) mute or unmute, when
   * hasVideo changes, and with null when the stream is gone (unpublished, force-unpublished, its
   * connection left).
   */
  setGate(stream: StreamRecord, gate: MediaGate | null): void;
  /** The node stops: close everything (no messages). */
  close(): void;
}

/**
 * The relayed router: WebRTC negotiation passed between a subscription's publisher and subscriber,
 * media flowing peer to peer. Everything else is a no-op: relayed mode relies on the publisher's
 * client obeying `muteForced` (the gateway never sees the media).
 *
 * @example
 * ```ts
 * const router = createRelayMediaRouter(bus);
 * ```
 */
export function createRelayMediaRouter(bus: SessionBus): MediaRouter {
  return {
    negotiate(from, subscription, { kind, payload }) {
      const other = from === subscription.subscriber ? subscription.stream.connection : subscription.subscriber;
      bus.toConnection(other, { type: 'webrtc', subscriptionId: subscription.id, kind, payload, from: from.id });
    },
    negotiateUpload() {
      // The core refuses a stream's webrtc in a relayed session before it gets here.
    },
    subscriptionCreated() {},
    subscriptionEnded() {},
    setGate() {
      // Relayed mode: the publisher's client obeys muteForced; nothing here can stop its media.
    },
    close() {},
  };
}

/**
 * One router per node for both modes: each call goes to `relayed` or `routed` by the session's
 * media mode (fixed for a session's life, so one session's calls always reach the same router).
 */
export function createModeMediaRouter(relayed: MediaRouter, routed: MediaRouter): MediaRouter {
  const of = (stream: StreamRecord) => (stream.connection.session.mediaMode === 'routed' ? routed : relayed);
  return {
    negotiate: (from, subscription, negotiation) => of(subscription.stream).negotiate(from, subscription, negotiation),
    negotiateUpload: (stream, negotiation) => of(stream).negotiateUpload(stream, negotiation),
    subscriptionCreated: (subscription) => of(subscription.stream).subscriptionCreated(subscription),
    subscriptionEnded: (subscription) => of(subscription.stream).subscriptionEnded(subscription),
    setGate: (stream, gate) => of(stream).setGate(stream, gate),
    close() {
      relayed.close();
      routed.close();
    },
  };
}
