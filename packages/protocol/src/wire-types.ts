import type { Capabilities } from './capabilities.js';
import type { ErrorCode } from './error-codes.js';
import type { Role } from './roles.js';

/**
 * Wire protocol version. A client names it in `connect`; the gateway answers with its own in
 * `connected` and closes with ERR_PROTOCOL_VERSION if it cannot speak the client's.
 */
export const PROTOCOL_VERSION = 1;

/** The WebSocket path clients connect to: `ws(s)://HOST/v1/connect?appId=…&sessionId=…`. */
export const CONNECT_PATH = '/v1/connect';

export type VideoType = 'camera' | 'screen';
export type StreamProperty = 'hasAudio' | 'hasVideo';
export type WebRtcKind = 'offer' | 'answer' | 'candidate';

/** A connection as every client of the session sees it. */
export interface ConnectionInfo {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly creationTime: number;
  /** The token's connection data, or null. */
  readonly data: string | null;
}

/** A published stream as every client of the session sees it. */
export interface StreamInfo {
  readonly id: string;
  readonly connectionId: string;
  readonly name: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly videoType: VideoType;
  /** Milliseconds since the epoch. */
  readonly creationTime: number;
}

/** Force-mute state of a session: while active, new streams (except the excluded) publish muted. */
export interface ForceMuteState {
  readonly active: boolean;
  readonly excludedStreamIds: readonly string[];
}

export type ConnectionDestroyedReason = 'clientDisconnected' | 'forceDisconnected' | 'networkDisconnected' | 'tokenExpired';
export type StreamDestroyedReason = 'unpublished' | 'forceUnpublished' | 'connectionClosed';

// ---------------------------------------------------------------- client → gateway

/** The first message on a new socket; nothing else is accepted before `connected`. */
export interface ConnectMessage { readonly type: 'connect'; readonly v: number; readonly token: string }

interface Request { readonly id?: number }

export interface PublishMessage extends Request {
  readonly type: 'publish';
  readonly name?: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly videoType?: VideoType;
}
export interface UnpublishMessage extends Request { readonly type: 'unpublish'; readonly streamId: string }
export interface SetStreamPropertyMessage extends Request {
  readonly type: 'setStreamProperty';
  readonly streamId: string;
  readonly property: StreamProperty;
  readonly value: boolean;
}
export interface SubscribeMessage extends Request { readonly type: 'subscribe'; readonly streamId: string }
export interface UnsubscribeMessage extends Request { readonly type: 'unsubscribe'; readonly subscriptionId: string }
/** WebRTC negotiation for one subscription, relayed to the other side of it only. */
export interface WebRtcMessage extends Request {
  readonly type: 'webrtc';
  readonly subscriptionId: string;
  readonly kind: WebRtcKind;
  /** RTCSessionDescriptionInit for offer/answer, RTCIceCandidateInit for candidate. */
  readonly payload: Readonly<Record<string, unknown>>;
}
export interface SignalMessage extends Request {
  readonly type: 'signal';
  /** A connection ID or a list of them; absent = everyone in the session (the sender too). */
  readonly to?: string | readonly string[];
  readonly signalType?: string;
  readonly data: string;
}
export interface ForceDisconnectMessage extends Request { readonly type: 'forceDisconnect'; readonly connectionId: string }
export interface ForceUnpublishMessage extends Request { readonly type: 'forceUnpublish'; readonly streamId: string }
export interface ForceMuteStreamMessage extends Request { readonly type: 'forceMuteStream'; readonly streamId: string }
export interface ForceMuteAllMessage extends Request { readonly type: 'forceMuteAll'; readonly excludedStreamIds?: readonly string[] }
export interface DisableForceMuteMessage extends Request { readonly type: 'disableForceMute' }

/** Every message a client may send after `connected`. */
export type ClientRequest =
  | PublishMessage | UnpublishMessage | SetStreamPropertyMessage | SubscribeMessage | UnsubscribeMessage
  | WebRtcMessage | SignalMessage | ForceDisconnectMessage | ForceUnpublishMessage | ForceMuteStreamMessage
  | ForceMuteAllMessage | DisableForceMuteMessage;

export type ClientMessage = ConnectMessage | ClientRequest;
export type ClientRequestType = ClientRequest['type'];

// ---------------------------------------------------------------- gateway → client

export interface ConnectedMessage {
  readonly type: 'connected';
  readonly v: number;
  readonly sessionId: string;
  readonly connection: ConnectionInfo;
  readonly role: Role;
  readonly capabilities: Capabilities;
  /** The token's expiry, UNIX seconds. */
  readonly expireTime: number;
  /** The other connections of the session. */
  readonly connections: readonly ConnectionInfo[];
  readonly streams: readonly StreamInfo[];
  readonly forceMute: ForceMuteState;
}
/**
 * The members of each request's `ack` result, all strings (IDs the gateway assigned): `publish` →
 * `streamId`, `subscribe` → `subscriptionId`, every other request an empty object. A later minor
 * version may add members, which clients ignore. docs/protocol.md's request table lists the same.
 *
 * @example
 * ```ts
 * import { ACK_RESULT_MEMBERS } from '@stagepass/protocol';
 * ACK_RESULT_MEMBERS.subscribe; // ['subscriptionId']
 * ```
 */
export const ACK_RESULT_MEMBERS = Object.freeze({
  publish: ['streamId'],
  unpublish: [],
  setStreamProperty: [],
  subscribe: ['subscriptionId'],
  unsubscribe: [],
  webrtc: [],
  signal: [],
  forceDisconnect: [],
  forceUnpublish: [],
  forceMuteStream: [],
  forceMuteAll: [],
  disableForceMute: [],
} as const satisfies Readonly<Record<ClientRequestType, readonly string[]>>);

/**
 * The `result` of an `ack` for each request type: `AckResults['publish']` is `{ streamId }`,
 * `AckResults['subscribe']` `{ subscriptionId }`, the others `{}`.
 */
export type AckResults = {
  readonly [T in ClientRequestType]: { readonly [M in (typeof ACK_RESULT_MEMBERS)[T][number]]: string };
};

/**
 * The `result` of the `ack` to a request of type `T`. Left out, `T` is any request: an ack names
 * its request only by `id`, so until a client has matched it, the result is a plain record.
 *
 * @example
 * ```ts
 * import type { AckResult } from '@stagepass/protocol';
 * const published = ack.result as AckResult<'publish'>; // { streamId: string }
 * ```
 */
export type AckResult<T extends ClientRequestType = ClientRequestType> =
  ClientRequestType extends T ? Readonly<Record<string, unknown>> : AckResults[T];

/** An ack as read off the wire, before it is matched to its request by `id`. */
interface UntypedAckMessage {
  readonly type: 'ack';
  /** The `id` of the request this answers. */
  readonly id: number;
  readonly result: Readonly<Record<string, unknown>>;
}

/** The ack of a request of type `T`: its `result` typed. */
interface TypedAckMessage<T extends ClientRequestType> extends UntypedAckMessage {
  readonly result: AckResults[T];
}

/**
 * The gateway's answer to a request that carried an `id` and succeeded. `AckMessage<'publish'>` is
 * the ack of a publish request (its `result` holds `streamId`); plain `AckMessage` is any ack, as
 * read off the wire before it is matched to its request by `id`. Every typed ack is also an `AckMessage`.
 *
 * @example
 * ```ts
 * import type { AckMessage } from '@stagepass/protocol';
 * function onPublished(ack: AckMessage<'publish'>) { console.log(ack.result.streamId); }
 * ```
 */
export type AckMessage<T extends ClientRequestType = ClientRequestType> =
  ClientRequestType extends T ? UntypedAckMessage : TypedAckMessage<T>;

export interface ErrorMessage {
  readonly type: 'error';
  /** The request's id, or null when the request had none or could not be read. */
  readonly id: number | null;
  readonly code: ErrorCode;
  readonly message: string;
  /** With ERR_CAPABILITY_DENIED: the capability the role lacks. */
  readonly capability?: string;
}
export interface ConnectionCreatedMessage { readonly type: 'connectionCreated'; readonly connection: ConnectionInfo }
export interface ConnectionDestroyedMessage {
  readonly type: 'connectionDestroyed';
  readonly connectionId: string;
  readonly reason: ConnectionDestroyedReason;
}
export interface StreamCreatedMessage { readonly type: 'streamCreated'; readonly stream: StreamInfo }
export interface StreamDestroyedMessage {
  readonly type: 'streamDestroyed';
  readonly streamId: string;
  readonly reason: StreamDestroyedReason;
}
export interface StreamPropertyChangedMessage {
  readonly type: 'streamPropertyChanged';
  readonly streamId: string;
  readonly property: StreamProperty;
  readonly oldValue: boolean;
  readonly newValue: boolean;
  /** 'forceMuted' when a moderator or the app's backend muted it. */
  readonly reason: 'publisher' | 'forceMuted';
}
/** To a stream's publisher: someone subscribed; start negotiating (send the offer). */
export interface SubscriberCreatedMessage {
  readonly type: 'subscriberCreated';
  readonly subscriptionId: string;
  readonly streamId: string;
  readonly connectionId: string;
}
/** To both sides of a subscription that ended. */
export interface SubscriberDestroyedMessage {
  readonly type: 'subscriberDestroyed';
  readonly subscriptionId: string;
  readonly streamId: string;
}
export interface WebRtcRelayMessage {
  readonly type: 'webrtc';
  readonly subscriptionId: string;
  readonly kind: WebRtcKind;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly from: string;
}
export interface SignalDeliveryMessage {
  readonly type: 'signal';
  /** The sender's connection ID, stamped by the gateway; null when the app's backend sent it. */
  readonly from: string | null;
  readonly signalType: string;
  readonly data: string;
}
/** To a publisher whose stream's audio was force-muted. */
export interface MuteForcedMessage { readonly type: 'muteForced'; readonly streamId: string }
export interface ForceMuteChangedMessage {
  readonly type: 'forceMuteChanged';
  readonly active: boolean;
  readonly excludedStreamIds: readonly string[];
}

export type ServerMessage =
  | ConnectedMessage | AckMessage | ErrorMessage | ConnectionCreatedMessage | ConnectionDestroyedMessage
  | StreamCreatedMessage | StreamDestroyedMessage | StreamPropertyChangedMessage | SubscriberCreatedMessage
  | SubscriberDestroyedMessage | WebRtcRelayMessage | SignalDeliveryMessage | MuteForcedMessage | ForceMuteChangedMessage;

/**
 * The type of every message the gateway sends, in the order docs/protocol.md lists them. A client
 * ignores any other type (a later minor version may add events).
 *
 * @example
 * ```ts
 * import { SERVER_MESSAGE_TYPES } from '@stagepass/protocol';
 * if (!(SERVER_MESSAGE_TYPES as readonly string[]).includes(message.type)) return; // newer than us
 * ```
 */
export const SERVER_MESSAGE_TYPES = Object.freeze([
  'connected', 'ack', 'error', 'connectionCreated', 'connectionDestroyed', 'streamCreated', 'streamDestroyed',
  'streamPropertyChanged', 'subscriberCreated', 'subscriberDestroyed', 'webrtc', 'signal', 'muteForced', 'forceMuteChanged',
] as const satisfies readonly ServerMessage['type'][]);

