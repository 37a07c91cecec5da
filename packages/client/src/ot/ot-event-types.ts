import type { ErrorCode } from '@stagepass/protocol';
import type { DisconnectReason } from '../close-reason.js';
import type { OTEvent } from './ot-events.js';
import type { Connection, Stream } from './ot-model.js';
import type { OTDisconnectReason, OTStreamDestroyedReason } from './ot-reasons.js';

/** `sessionConnected`. */
export type SessionConnectEvent<S> = OTEvent<'sessionConnected', S> & {
  /** The other connections already in the session (each also gets its own `connectionCreated`). */
  readonly connections: readonly Connection[];
  /** The streams already in the session (each also gets its own `streamCreated`). */
  readonly streams: readonly Stream[];
};

/**
 * `sessionDisconnected`, cancelable: by default every Subscriber is destroyed (its element removed). `reason` in
 * OpenTok.js's words; `stagepassReason` and `code` say exactly why (e.g. `tokenRevoked`, `ERR_TOKEN_REVOKED`).
 */
export type SessionDisconnectEvent<S> = OTEvent<'sessionDisconnected', S> & {
  readonly reason: OTDisconnectReason;
  readonly stagepassReason: DisconnectReason;
  readonly code: ErrorCode | null;
  readonly message: string;
};

/** `connectionCreated`, `connectionDestroyed` (with `reason`). */
export type ConnectionEvent<Type extends string, S> = OTEvent<Type, S> & {
  readonly connection: Connection;
  readonly reason?: OTDisconnectReason;
};

/** `streamCreated`, `streamDestroyed` (cancelable, with `reason`) of a Session or a Publisher. */
export type StreamEvent<Type extends string, Target> = OTEvent<Type, Target> & {
  readonly stream: Stream;
  readonly reason?: OTStreamDestroyedReason;
};

/** `streamPropertyChanged`: `stream` already has the new value. */
export type StreamPropertyChangedEvent<S> = OTEvent<'streamPropertyChanged', S> & {
  readonly stream: Stream;
  readonly changedProperty: 'hasAudio' | 'hasVideo';
  readonly oldValue: boolean;
  readonly newValue: boolean;
};

/** `signal` and `signal:TYPE`: `type` is `signal:TYPE` (or `signal` for a signal without type), as in OpenTok.js. */
export type SignalEvent<S> = OTEvent<'signal' | `signal:${string}`, S> & {
  readonly data: string;
  /** The sender, or null when the app's backend sent it. */
  readonly from: Connection | null;
};

/** The Session's `muteForced`: a moderator muted everyone (`active` true) or lifted it (false). */
export type MuteForcedEvent<S> = OTEvent<'muteForced', S> & { readonly active: boolean };

/** `videoElementCreated` of a Publisher or Subscriber. */
export type VideoElementCreatedEvent<Target> = OTEvent<'videoElementCreated', Target> & {
  readonly element: HTMLVideoElement;
};

/** `mediaStreamAvailable` of a Publisher or Subscriber. */
export type MediaStreamAvailableEvent<Target> = OTEvent<'mediaStreamAvailable', Target> & {
  readonly mediaStream: MediaStream;
};

/** `destroyed` of a Publisher or Subscriber. */
export type DestroyedEvent<Target> = OTEvent<'destroyed', Target> & { readonly reason: string };

/** `OT.on('exception')`: a WebRTC negotiation failed (1553 publisher side, 1554 subscriber side). */
export type ExceptionEvent = OTEvent<'exception', unknown> & {
  readonly code: number;
  readonly message: string;
  readonly title: string;
};
