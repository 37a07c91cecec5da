import type { SessionBus } from './local-bus.js';
import type { ConnectionRecord, MediaGate, Negotiation, StreamRecord, SubscriptionRecord } from './session-events.js';

/**
 * Where a session's media goes. The session core hands it the negotiation of each subscription and
 * tells it, from its domain events, what of each stream may flow. The first implementation relays
 * WebRTC negotiation between the two ends of a subscription (peer to peer); an SFU (issue 11) would
 * answer the negotiation itself and enforce the gates on the media it forwards.
 */
export interface MediaRouter {
  /**
   * A `webrtc` message from `from`, one end of `subscription` (the core has checked that): route it
   * (relayed: to the other end, stamped with `from`).
   */
  negotiate(from: ConnectionRecord, subscription: SubscriptionRecord, negotiation: Negotiation): void;
  /**
   * What of a stream may flow from now on: told at publish, at a (force) mute or unmute, when
   * hasVideo changes, and with null when the stream is gone (unpublished, force-unpublished, its
   * connection left).
   */
  setGate(stream: StreamRecord, gate: MediaGate | null): void;
}

/**
 * Today's router: WebRTC negotiation relayed between a subscription's publisher and subscriber,
 * media flowing peer to peer. Gate calls are no-ops: relayed mode relies on the publisher's client
 * obeying `muteForced` (the gateway never sees the media).
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
    setGate() {
      // Relayed mode: the publisher's client obeys muteForced; nothing here can stop its media.
    },
  };
}
