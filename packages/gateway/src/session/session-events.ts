import type {
  SubscriberInfo,
  ConnectionDestroyedReason,
  ConnectionInfo,
  EpochMilliseconds,
  MediaMode,
  StreamDestroyedReason,
  StreamProperty,
  VideoType,
  WebRtcKind,
} from '@stagepass/protocol';
import type { AdmittedClient, Peer } from './session-service.js';

// ---------------------------------------------------------------- the state's records (read-only views)

/** A connection in the session state. */
export interface ConnectionRecord {
  readonly id: string;
  readonly client: AdmittedClient;
  /** Where the bus reaches it on this node. */
  readonly peer: Peer;
  readonly session: SessionRecord;
  readonly info: ConnectionInfo;
  /** What a `resume` must present (32 bytes; a new one at each `connected`/`resumed`). Never logged. */
  readonly resumeSecret: Buffer;
}

export interface StreamRecord {
  readonly id: string;
  readonly connection: ConnectionRecord;
  readonly name: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly videoType: VideoType;
  readonly creationTime: EpochMilliseconds;
  /** OpenTok's layout classes (for composed recordings): from the publisher's token, changed by the app's backend. */
  readonly layoutClassList: readonly string[];
}

export interface SubscriptionRecord {
  readonly id: string;
  readonly stream: StreamRecord;
  readonly subscriber: ConnectionRecord;
}

export interface SessionRecord {
  readonly appId: string;
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
  /** How its media flows: read from its ID ({@link mediaModeOf}), fixed for its life. */
  readonly mediaMode: MediaMode;
  /** Its connections, in the order they joined. */
  readonly connections: ReadonlyMap<string, ConnectionRecord>;
  readonly streams: ReadonlyMap<string, StreamRecord>;
  readonly forceMute: { readonly active: boolean; readonly excludedStreamIds: readonly string[] };
}

// ---------------------------------------------------------------- domain events

/**
 * What changed in a session, as the state's mutations report it. Nothing here is a wire message:
 * the bus turns each event into the messages each connection must see (docs/protocol.md), and the
 * {@link MediaRouter} learns from the same events what may flow (mute, unpublish) without parsing
 * JSON. Events of one mutation are in the order they happened; they are delivered in that order.
 */
export type SessionEvent =
  /** A connection joined: it gets `connected`, the others `connectionCreated`. */
  | { readonly type: 'connectionJoined'; readonly connection: ConnectionRecord }
  /**
   * A suspended (or still held) connection was resumed on a new socket: it gets `resumed`, nobody
   * else anything. `replaced`: the socket it had until now, still held by the transport, to be closed.
   */
  | {
      readonly type: 'connectionResumed';
      readonly connection: ConnectionRecord;
      readonly subscribers: readonly SubscriberInfo[];
      readonly replaced: Peer | null;
    }
  /**
   * A connection left (its streams and subscriptions ended first, as their own events). `close`:
   * the session side ended it (moderation, revocation, expiry), its socket is closed with this.
   */
  | {
      readonly type: 'connectionLeft';
      readonly connection: ConnectionRecord;
      readonly reason: ConnectionDestroyedReason;
      readonly close: { readonly code: number; readonly reason: string } | null;
    }
  /** A stream was published (audio already off when a force mute covers it: see `muteForced`). */
  | { readonly type: 'streamPublished'; readonly stream: StreamRecord }
  | {
      readonly type: 'streamPropertyChanged';
      readonly stream: StreamRecord;
      readonly property: StreamProperty;
      readonly oldValue: boolean;
      readonly newValue: boolean;
      readonly reason: 'publisher' | 'forceMuted';
    }
  | { readonly type: 'streamDestroyed'; readonly stream: StreamRecord; readonly reason: StreamDestroyedReason }
  | { readonly type: 'subscriptionCreated'; readonly subscription: SubscriptionRecord }
  /** `notifySubscriber` false when the subscriber itself is leaving. */
  | {
      readonly type: 'subscriptionEnded';
      readonly subscription: SubscriptionRecord;
      readonly notifySubscriber: boolean;
    }
  | {
      readonly type: 'forceMuteChanged';
      readonly session: SessionRecord;
      readonly active: boolean;
      readonly excludedStreamIds: readonly string[];
    }
  /** A stream's audio was forced off: its publisher must stop sending it. */
  | { readonly type: 'muteForced'; readonly stream: StreamRecord }
  /** A signal for `to` (null: everyone in the session, the sender too); `from` null: the app's backend. */
  | {
      readonly type: 'signalSent';
      readonly session: SessionRecord;
      readonly from: string | null;
      readonly to: readonly ConnectionRecord[] | null;
      readonly signalType: string;
      readonly data: string;
    };

/** What may flow of a stream: told to the {@link MediaRouter} at publish, (force) mute, unmute, hasVideo changes. */
export interface MediaGate {
  readonly audio: boolean;
  readonly video: boolean;
}

/** A `webrtc` request's content, to be routed for one subscription. */
export interface Negotiation {
  readonly kind: WebRtcKind;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The session an event changed; undefined for a signal, which changes nothing of a session's state. */
export function sessionChangedBy(event: SessionEvent): SessionRecord | undefined {
  switch (event.type) {
    case 'signalSent':
      return undefined;
    case 'forceMuteChanged':
      return event.session;
    case 'connectionJoined':
    case 'connectionResumed':
    case 'connectionLeft':
      return event.connection.session;
    case 'subscriptionCreated':
    case 'subscriptionEnded':
      return event.subscription.stream.connection.session;
    default:
      return event.stream.connection.session;
  }
}
