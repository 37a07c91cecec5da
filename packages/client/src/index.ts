export { connect } from './connect.js';
export type { ConnectOptions, TokenSource } from './connect.js';
export type { Session, SessionState, SignalOptions, ForceMuteAllOptions } from './session.js';
export type { Publisher, PublishOptions } from './publisher.js';
export type { Subscriber } from './subscriber.js';
export type {
  SessionEvents,
  ConnectionCreatedEvent,
  ConnectionDestroyedEvent,
  StreamCreatedEvent,
  StreamDestroyedEvent,
  StreamPropertyChangedEvent,
  SignalEvent,
  MuteForcedEvent,
  ForceMuteChangedEvent,
  ReconnectingEvent,
  ReconnectedEvent,
  ExceptionEvent,
} from './session-events.js';
export type { DisconnectedEvent, DisconnectReason } from './close-reason.js';
export type { Handler } from './typed-emitter.js';
export type { WebSocketConstructor, WebSocketLike, SocketMessageEvent, SocketCloseEvent } from './web-socket-like.js';
export { ERR_NOT_CONNECTED } from './not-connected.js';
// Re-exported so an app needs one import: the error type and the shapes it sees.
export { StagepassError, isStagepassError, CAPABILITIES, ROLES } from '@stagepass/protocol';
export type {
  Capabilities,
  Capability,
  ConnectionInfo,
  ConnectionDestroyedReason,
  ErrorCode,
  ForceMuteState,
  Role,
  StreamDestroyedReason,
  StreamInfo,
  StreamProperty,
  VideoType,
} from '@stagepass/protocol';
