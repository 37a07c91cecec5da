import type {
  ConnectionDestroyedReason,
  ConnectionInfo,
  ForceMuteState,
  StreamDestroyedReason,
  StreamInfo,
  StreamProperty,
} from '@stagepass/protocol';
import type { DisconnectedEvent } from './close-reason.js';
import type { Publisher } from './publisher.js';

/** Another connection joined the session. */
export interface ConnectionCreatedEvent {
  readonly connection: ConnectionInfo;
}

/**
 * Another connection left the session. `whileReconnecting`: it left while this client's socket was
 * away; the snapshot after the resume says only that it is gone.
 */
export interface ConnectionDestroyedEvent {
  readonly connection: ConnectionInfo;
  readonly reason: ConnectionDestroyedReason | 'whileReconnecting';
}

/** A stream was published; `local` when it is one of this client's own (the gateway tells the publisher too). */
export interface StreamCreatedEvent {
  readonly stream: StreamInfo;
  readonly local: boolean;
}

/** A stream ended (`whileReconnecting`: while this client's socket was away, reason unknown). */
export interface StreamDestroyedEvent {
  readonly stream: StreamInfo;
  readonly reason: StreamDestroyedReason | 'whileReconnecting';
  readonly local: boolean;
}

/** A stream's audio or video was turned on or off; `stream` is already the new state. */
export interface StreamPropertyChangedEvent {
  readonly stream: StreamInfo;
  readonly property: StreamProperty;
  readonly oldValue: boolean;
  readonly newValue: boolean;
  /**
   * `forceMuted` when a moderator or the app's backend muted it; `whileReconnecting` when it changed
   * while this client's socket was away (a stream of yours whose audio went off then: `forceMuted`).
   */
  readonly reason: 'publisher' | 'forceMuted' | 'whileReconnecting';
  readonly local: boolean;
}

/** A signal arrived (also one this client sent to everyone). */
export interface SignalEvent {
  /** The signal type, `""` when none was given. */
  readonly type: string;
  readonly data: string;
  /** The sender, or null when the app's backend sent it. */
  readonly from: ConnectionInfo | null;
}

/**
 * One of this client's streams was force-muted. The SDK has already silenced its audio tracks
 * (`track.enabled = false`); `publisher.setAudioEnabled(true)` unmutes again, which the protocol allows.
 */
export interface MuteForcedEvent {
  readonly streamId: string;
  /** The Publisher of that stream (null if it is not one this SDK published). */
  readonly publisher: Publisher | null;
}

/** The session's force-mute state changed (`forceMuteAll` / `disableForceMute`). */
export interface ForceMuteChangedEvent extends ForceMuteState {}

/**
 * The socket dropped (not a close the gateway chose: `networkDisconnected`), the gateway is draining
 * for a restart and closed it with 1012 service restart (`serviceRestart`), or a cluster node lost the
 * session (its owner node died, or Redis lost it) and closed it with 1013 `ERR_UNAVAILABLE`
 * (`serviceUnavailable`): the SDK is getting the same
 * connection back (resume), or else joining again as a new one (rejoin), on whichever node the URL
 * reaches. Actions reject ERR_NOT_CONNECTED meanwhile, and requests in flight were rejected with it
 * (they may or may not have taken effect).
 */
export interface ReconnectingEvent {
  readonly reason: 'networkDisconnected' | 'serviceRestart' | 'serviceUnavailable';
}

/**
 * Back in the session. `resumed`: the same connection (same ID, streams, subscriptions); else a
 * rejoin as a new connection (`session.connection` changed; this client's streams and subscriptions
 * ended and were reported destroyed). The lists are the difference the SDK found between what it knew
 * and the gateway's snapshot; each item was also emitted as its own event just before. A connection
 * or stream that came and went while away is in none of them.
 */
export interface ReconnectedEvent {
  readonly resumed: boolean;
  /** The connection ID before the drop (equal to `session.connection.id` when resumed). */
  readonly previousConnectionId: string;
  readonly connectionsCreated: readonly ConnectionInfo[];
  readonly connectionsDestroyed: readonly ConnectionInfo[];
  readonly streamsCreated: readonly StreamInfo[];
  readonly streamsDestroyed: readonly StreamInfo[];
}

/**
 * Negotiation failed, in the browser's WebRTC stack or (routed sessions) at the gateway, which then
 * sends `webrtcFailed` (`error` is a `StagepassError` with code ERR_MEDIA_NEGOTIATION); that link is
 * closed. For a subscription's link `subscriptionId` names it (unsubscribe and subscribe again); null:
 * the upload of one of this client's streams (routed sessions; publish again for a new upload).
 */
export interface ExceptionEvent {
  readonly error: unknown;
  readonly subscriptionId: string | null;
  readonly streamId: string;
}

/**
 * The events of a {@link Session}, by name. `signal:TYPE` receives the signals of one type only,
 * as in OpenTok.js.
 */
export interface SessionEvents {
  connectionCreated: ConnectionCreatedEvent;
  connectionDestroyed: ConnectionDestroyedEvent;
  streamCreated: StreamCreatedEvent;
  streamDestroyed: StreamDestroyedEvent;
  streamPropertyChanged: StreamPropertyChangedEvent;
  signal: SignalEvent;
  [type: `signal:${string}`]: SignalEvent;
  muteForced: MuteForcedEvent;
  forceMuteChanged: ForceMuteChangedEvent;
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
  disconnected: DisconnectedEvent;
  exception: ExceptionEvent;
}
