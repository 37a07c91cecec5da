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

/** Another connection left the session. */
export interface ConnectionDestroyedEvent {
  readonly connection: ConnectionInfo;
  readonly reason: ConnectionDestroyedReason;
}

/** A stream was published; `local` when it is one of this client's own (the gateway tells the publisher too). */
export interface StreamCreatedEvent {
  readonly stream: StreamInfo;
  readonly local: boolean;
}

/** A stream ended. */
export interface StreamDestroyedEvent {
  readonly stream: StreamInfo;
  readonly reason: StreamDestroyedReason;
  readonly local: boolean;
}

/** A stream's audio or video was turned on or off; `stream` is already the new state. */
export interface StreamPropertyChangedEvent {
  readonly stream: StreamInfo;
  readonly property: StreamProperty;
  readonly oldValue: boolean;
  readonly newValue: boolean;
  /** `forceMuted` when a moderator or the app's backend muted it. */
  readonly reason: 'publisher' | 'forceMuted';
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
 * Reserved for the coming resume (issue 8): emitted when the socket drops and the SDK tries to get
 * the same connection back. Not emitted yet: today a dropped socket is `disconnected` with reason
 * `networkDisconnected`.
 */
export interface ReconnectingEvent {
  readonly reason: 'networkDisconnected';
}

/** Reserved for the coming resume: the same connection is back (not emitted yet). */
export interface ReconnectedEvent {}

/** Negotiation of a subscription failed in the browser's WebRTC stack; that link is closed. */
export interface ExceptionEvent {
  readonly error: unknown;
  readonly subscriptionId: string;
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
