import type { Capabilities, Capability } from './capabilities.js';
import type { ErrorCode } from './error-codes.js';
import type { Role } from './roles.js';
import type { EpochMilliseconds, UnixSeconds } from './time-units.js';

/**
 * Wire protocol version. A client names it in `connect`; the gateway answers with its own in
 * `connected` and closes with ERR_PROTOCOL_VERSION if it cannot speak the client's.
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify({ type: 'connect', v: PROTOCOL_VERSION, token } satisfies ConnectMessage));
 * ```
 */
export const PROTOCOL_VERSION = 1;

/**
 * The WebSocket path clients connect to: `ws(s)://HOST/v1/connect?appId=…&sessionId=…`. The token
 * never goes in the URL: it is the `connect` message.
 *
 * @example
 * ```ts
 * const url = new URL(CONNECT_PATH, 'wss://video.example.com');
 * url.searchParams.set('appId', appId);
 * url.searchParams.set('sessionId', sessionId);
 * ```
 */
export const CONNECT_PATH = '/v1/connect';

/** What a stream shows: `publish` defaults to `camera`. */
export type VideoType = 'camera' | 'screen';
/** The stream properties `setStreamProperty` changes and `streamPropertyChanged` reports. */
export type StreamProperty = 'hasAudio' | 'hasVideo';
/** A `webrtc` message: an SDP offer or answer, or a trickled ICE candidate. */
export type WebRtcKind = 'offer' | 'answer' | 'candidate';
/**
 * How a session's media flows (docs/protocol.md "Media modes"): `relayed`, peer to peer between the
 * two ends of each subscription; `routed`, through the gateway, which forwards each publisher's one
 * upload to every subscriber and enforces force-mute and the stream properties on the media itself.
 */
export type MediaMode = 'relayed' | 'routed';

/**
 * A connection as every client of the session sees it.
 *
 * @example
 * ```json
 * {"id":"C1","creationTime":1767225600000,"data":"name=Ada"}
 * ```
 */
export interface ConnectionInfo {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly creationTime: EpochMilliseconds;
  /** The token's connection data, or null. */
  readonly data: string | null;
}

/**
 * A published stream as every client of the session sees it.
 *
 * @example
 * ```json
 * {"id":"S1","connectionId":"C1","name":"cam","hasAudio":true,"hasVideo":true,"videoType":"camera","creationTime":1767225600000}
 * ```
 */
export interface StreamInfo {
  readonly id: string;
  readonly connectionId: string;
  readonly name: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly videoType: VideoType;
  /** Milliseconds since the epoch. */
  readonly creationTime: EpochMilliseconds;
}

/**
 * Force-mute state of a session: while active, new streams (except the excluded) publish muted.
 *
 * @example
 * ```json
 * {"active":true,"excludedStreamIds":["S1"]}
 * ```
 */
export interface ForceMuteState {
  readonly active: boolean;
  readonly excludedStreamIds: readonly string[];
}

/** Why a connection left, as `connectionDestroyed` tells the others (see docs/protocol.md, "Closing"). */
export type ConnectionDestroyedReason =
  'clientDisconnected' | 'forceDisconnected' | 'networkDisconnected' | 'tokenExpired';
/** Why a stream ended, as `streamDestroyed` tells everyone. */
export type StreamDestroyedReason = 'unpublished' | 'forceUnpublished' | 'connectionClosed';

// ---------------------------------------------------------------- client → gateway

/**
 * The first message on a new socket; nothing else is accepted before `connected`.
 *
 * @example
 * ```json
 * {"type":"connect","v":1,"token":"eyJhbGciOi…"}
 * ```
 */
export interface ConnectMessage {
  readonly type: 'connect';
  readonly v: number;
  readonly token: string;
}

/**
 * The first message on a new socket instead of `connect`, after a dropped socket: asks for the
 * same connection back within the gateway's resume window, proved by the resume secret of the
 * last `connected` or `resumed`. Answered `resumed`, or closed 4027 ERR_RESUME_REFUSED.
 *
 * @example
 * ```json
 * {"type":"resume","v":1,"connectionId":"C1","resumeSecret":"q5Xn…43 characters"}
 * ```
 */
export interface ResumeMessage {
  readonly type: 'resume';
  readonly v: number;
  readonly connectionId: string;
  /** 32 bytes, base64url without padding (43 characters). */
  readonly resumeSecret: string;
}

/** Every request may carry an `id` (0 … 2³¹−1), echoed by its `ack` or `error`. */
interface Request {
  readonly id?: number;
}

/** Publishes a stream (capability `publish`); the ack holds its `streamId`. `{"type":"publish","id":1,"hasAudio":true,"hasVideo":true}` */
export interface PublishMessage extends Request {
  readonly type: 'publish';
  readonly name?: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly videoType?: VideoType;
}
/** Ends one of the sender's streams. `{"type":"unpublish","id":2,"streamId":"S1"}` */
export interface UnpublishMessage extends Request {
  readonly type: 'unpublish';
  readonly streamId: string;
}
/** Turns audio or video of one of the sender's streams on or off. `{"type":"setStreamProperty","streamId":"S1","property":"hasAudio","value":false}` */
export interface SetStreamPropertyMessage extends Request {
  readonly type: 'setStreamProperty';
  readonly streamId: string;
  readonly property: StreamProperty;
  readonly value: boolean;
}
/** Subscribes to a stream (capability `subscribe`); the ack holds the `subscriptionId`. `{"type":"subscribe","id":3,"streamId":"S1"}` */
export interface SubscribeMessage extends Request {
  readonly type: 'subscribe';
  readonly streamId: string;
}
/** Ends one of the sender's subscriptions. `{"type":"unsubscribe","subscriptionId":"U1"}` */
export interface UnsubscribeMessage extends Request {
  readonly type: 'unsubscribe';
  readonly subscriptionId: string;
}
/**
 * WebRTC negotiation for one subscription (relayed: passed to its other end; routed: the subscriber's
 * side of its link with the gateway). `{"type":"webrtc","subscriptionId":"U1","kind":"offer","payload":{"type":"offer","sdp":"v=0…"}}`
 */
export interface WebRtcSubscriptionMessage extends Request {
  readonly type: 'webrtc';
  readonly subscriptionId: string;
  readonly streamId?: undefined;
  readonly kind: WebRtcKind;
  /** RTCSessionDescriptionInit for offer/answer, RTCIceCandidateInit for candidate. */
  readonly payload: Readonly<Record<string, unknown>>;
}
/**
 * Routed sessions only: a publisher's negotiation of its stream's one upload to the gateway (its
 * `offer`, then `candidate`s). `{"type":"webrtc","streamId":"S1","kind":"offer","payload":{"type":"offer","sdp":"v=0…"}}`
 */
export interface WebRtcStreamMessage extends Request {
  readonly type: 'webrtc';
  readonly streamId: string;
  readonly subscriptionId?: undefined;
  readonly kind: WebRtcKind;
  readonly payload: Readonly<Record<string, unknown>>;
}
/** A `webrtc` request: for a subscription (`subscriptionId`) or, in routed sessions, for a stream's upload (`streamId`). */
export type WebRtcMessage = WebRtcSubscriptionMessage | WebRtcStreamMessage;
/** Sends a signal (capability `signal`) to everyone or to `to`. `{"type":"signal","signalType":"chat","data":"hi"}` */
export interface SignalMessage extends Request {
  readonly type: 'signal';
  /** A connection ID or a list of them; absent = everyone in the session (the sender too). */
  readonly to?: string | readonly string[];
  /** At most 128 of A–Z a–z 0–9 - _ ~; default `""`. */
  readonly signalType?: string;
  /** Text, at most 8 KiB once UTF-8 encoded. */
  readonly data: string;
}
/** Disconnects a connection of the session (moderators). `{"type":"forceDisconnect","connectionId":"C2"}` */
export interface ForceDisconnectMessage extends Request {
  readonly type: 'forceDisconnect';
  readonly connectionId: string;
}
/** Ends another connection's stream (moderators). `{"type":"forceUnpublish","streamId":"S2"}` */
export interface ForceUnpublishMessage extends Request {
  readonly type: 'forceUnpublish';
  readonly streamId: string;
}
/** Mutes one stream's audio (moderators). `{"type":"forceMuteStream","streamId":"S2"}` */
export interface ForceMuteStreamMessage extends Request {
  readonly type: 'forceMuteStream';
  readonly streamId: string;
}
/** Mutes every stream but the excluded, and later ones too, until `disableForceMute`. `{"type":"forceMuteAll","excludedStreamIds":["S1"]}` */
export interface ForceMuteAllMessage extends Request {
  readonly type: 'forceMuteAll';
  readonly excludedStreamIds?: readonly string[];
}
/** Ends a `forceMuteAll` (streams stay as they are). `{"type":"disableForceMute"}` */
export interface DisableForceMuteMessage extends Request {
  readonly type: 'disableForceMute';
}

/**
 * Every message a client may send after `connected`.
 *
 * @example
 * ```ts
 * const request: ClientRequest = { type: 'subscribe', id: 7, streamId };
 * socket.send(JSON.stringify(request));
 * ```
 */
export type ClientRequest =
  | PublishMessage
  | UnpublishMessage
  | SetStreamPropertyMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | WebRtcMessage
  | SignalMessage
  | ForceDisconnectMessage
  | ForceUnpublishMessage
  | ForceMuteStreamMessage
  | ForceMuteAllMessage
  | DisableForceMuteMessage;

/** Every message a client sends: `connect` (or `resume`), then requests. {@link parseClientMessage} reads one. */
export type ClientMessage = ConnectMessage | ResumeMessage | ClientRequest;
/** The `type` of a request: `publish`, `subscribe`, … (see {@link CLIENT_REQUEST_TYPES}). */
export type ClientRequestType = ClientRequest['type'];

// ---------------------------------------------------------------- gateway → client

/**
 * The gateway's answer to a valid `connect`: the session as it is now. Nothing about the session
 * comes before it.
 *
 * @example
 * ```ts
 * function onConnected(m: ConnectedMessage) { if (m.capabilities.publish) showPublishButton(); }
 * ```
 */
export interface ConnectedMessage {
  readonly type: 'connected';
  readonly v: number;
  readonly sessionId: string;
  /** How the session's media flows; a gateway older than routed media sends none: read that as `relayed`. */
  readonly mediaMode: MediaMode;
  readonly connection: ConnectionInfo;
  readonly role: Role;
  readonly capabilities: Capabilities;
  /** The token's expiry, UNIX seconds. */
  readonly expireTime: UnixSeconds;
  /** The other connections of the session. */
  readonly connections: readonly ConnectionInfo[];
  readonly streams: readonly StreamInfo[];
  readonly forceMute: ForceMuteState;
  /**
   * This connection's resume secret (32 bytes, base64url): the proof a `resume` presents. Only this
   * client has it; keep it in memory, never log or store it. Each `connected`/`resumed` gives a new one.
   */
  readonly resumeSecret: string;
  /**
   * The STUN and TURN servers this connection's PeerConnections should use, shaped as `RTCIceServer`
   * (pass it as `new RTCPeerConnection({ iceServers })`); `[]` when the gateway has none configured. TURN
   * entries carry a `username` and `credential` made for this connection, valid until the UNIX time that
   * begins the username (never after `expireTime`); each `connected`/`resumed` gives fresh ones.
   */
  readonly iceServers: readonly IceServer[];
}

/**
 * One STUN or TURN server entry, as `RTCIceServer`: `{"urls":["stun:stun.example.com:3478"]}`, or with the
 * time-limited TURN credentials `{"urls":["turn:turn.example.com:3478"],"username":"1767225600:C1","credential":"…"}`.
 */
export interface IceServer {
  readonly urls: readonly string[];
  /** TURN only: `<expiry unix seconds>:<connectionId>` (the TURN REST API scheme of coturn's `use-auth-secret`). */
  readonly username?: string;
  /** TURN only: base64 of HMAC-SHA1(turn secret, username). Never log it. */
  readonly credential?: string;
}

/** A subscription to one of the resumed connection's streams. `{"subscriptionId":"U1","streamId":"S1","connectionId":"C2"}` */
export interface SubscriberInfo {
  readonly subscriptionId: string;
  readonly streamId: string;
  /** The subscriber. */
  readonly connectionId: string;
}

/**
 * The gateway's answer to a valid `resume`: the same connection back, and the session as it is now
 * (as `connected` gives it), plus the subscriptions to this connection's own streams. What happened
 * while the socket was away was not sent: the client diffs this snapshot against what it knew.
 *
 * @example
 * ```ts
 * function onResumed(m: ResumedMessage) { for (const s of m.streams) if (!known.has(s.id)) show(s); }
 * ```
 */
export interface ResumedMessage extends Omit<ConnectedMessage, 'type'> {
  readonly type: 'resumed';
  readonly subscribers: readonly SubscriberInfo[];
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
export type AckResult<T extends ClientRequestType = ClientRequestType> = ClientRequestType extends T
  ? Readonly<Record<string, unknown>>
  : AckResults[T];

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
export type AckMessage<T extends ClientRequestType = ClientRequestType> = ClientRequestType extends T
  ? UntypedAckMessage
  : TypedAckMessage<T>;

/**
 * A refused request (the connection stays). With ERR_CAPABILITY_DENIED, `capability` names what the role lacks.
 *
 * @example
 * ```json
 * {"type":"error","id":7,"code":"ERR_CAPABILITY_DENIED","message":"…","capability":"publish"}
 * ```
 */
export interface ErrorMessage {
  readonly type: 'error';
  /** The request's id, or null when the request had none or could not be read. */
  readonly id: number | null;
  readonly code: ErrorCode;
  readonly message: string;
  /** With ERR_CAPABILITY_DENIED: the capability the role lacks. */
  readonly capability?: Capability;
}
/** To everyone else: a connection joined. `{"type":"connectionCreated","connection":{…}}` */
export interface ConnectionCreatedMessage {
  readonly type: 'connectionCreated';
  readonly connection: ConnectionInfo;
}
/** To everyone else: a connection left. `{"type":"connectionDestroyed","connectionId":"C2","reason":"clientDisconnected"}` */
export interface ConnectionDestroyedMessage {
  readonly type: 'connectionDestroyed';
  readonly connectionId: string;
  readonly reason: ConnectionDestroyedReason;
}
/** To everyone, the publisher too: a stream was published. `{"type":"streamCreated","stream":{…}}` */
export interface StreamCreatedMessage {
  readonly type: 'streamCreated';
  readonly stream: StreamInfo;
}
/** To everyone: a stream ended. `{"type":"streamDestroyed","streamId":"S1","reason":"unpublished"}` */
export interface StreamDestroyedMessage {
  readonly type: 'streamDestroyed';
  readonly streamId: string;
  readonly reason: StreamDestroyedReason;
}
/** To everyone: a stream's audio or video was turned on or off. `{"type":"streamPropertyChanged","streamId":"S1","property":"hasAudio","oldValue":true,"newValue":false,"reason":"publisher"}` */
export interface StreamPropertyChangedMessage {
  readonly type: 'streamPropertyChanged';
  readonly streamId: string;
  readonly property: StreamProperty;
  readonly oldValue: boolean;
  readonly newValue: boolean;
  /** 'forceMuted' when a moderator or the app's backend muted it. */
  readonly reason: 'publisher' | 'forceMuted';
}
/** To a stream's publisher: someone subscribed; start negotiating (send the offer). `{"type":"subscriberCreated","subscriptionId":"U1","streamId":"S1","connectionId":"C2"}` */
export interface SubscriberCreatedMessage {
  readonly type: 'subscriberCreated';
  readonly subscriptionId: string;
  readonly streamId: string;
  readonly connectionId: string;
}
/** To both sides of a subscription that ended. `{"type":"subscriberDestroyed","subscriptionId":"U1","streamId":"S1"}` */
export interface SubscriberDestroyedMessage {
  readonly type: 'subscriberDestroyed';
  readonly subscriptionId: string;
  readonly streamId: string;
}
/**
 * WebRTC negotiation to a client. Relayed: the other end's message for a subscription, `from` its
 * connection ID. Routed: the gateway's own (`from` null), for a subscription (its offer) or for one of
 * the client's streams (`streamId`: the answer to its upload's offer).
 * `{"type":"webrtc","subscriptionId":"U1","kind":"answer","payload":{…},"from":"C2"}`
 */
export type WebRtcRelayMessage =
  | {
      readonly type: 'webrtc';
      readonly subscriptionId: string;
      readonly streamId?: undefined;
      readonly kind: WebRtcKind;
      readonly payload: Readonly<Record<string, unknown>>;
      readonly from: string | null;
    }
  | {
      readonly type: 'webrtc';
      readonly streamId: string;
      readonly subscriptionId?: undefined;
      readonly kind: WebRtcKind;
      readonly payload: Readonly<Record<string, unknown>>;
      readonly from: null;
    };
/** To each recipient of a signal. `{"type":"signal","from":"C1","signalType":"chat","data":"hi"}` */
export interface SignalDeliveryMessage {
  readonly type: 'signal';
  /** The sender's connection ID, stamped by the gateway; null when the app's backend sent it. */
  readonly from: string | null;
  readonly signalType: string;
  readonly data: string;
}
/** To a publisher whose stream's audio was force-muted. `{"type":"muteForced","streamId":"S1"}` */
export interface MuteForcedMessage {
  readonly type: 'muteForced';
  readonly streamId: string;
}
/**
 * Routed sessions: the gateway could not negotiate one of this client's links, which is no use now
 * (docs/protocol.md "Routed media"). `streamId`: the upload of one of its streams (send a new offer,
 * from a new RTCPeerConnection); `subscriptionId`: a subscription's download (unsubscribe and
 * subscribe again). `code` is ERR_MEDIA_NEGOTIATION; `message` says what failed, never with the SDP.
 * `{"type":"webrtcFailed","streamId":"S1","code":"ERR_MEDIA_NEGOTIATION","message":"…"}`
 */
export type WebRtcFailedMessage =
  | {
      readonly type: 'webrtcFailed';
      readonly streamId: string;
      readonly subscriptionId?: undefined;
      readonly code: ErrorCode;
      readonly message: string;
    }
  | {
      readonly type: 'webrtcFailed';
      readonly subscriptionId: string;
      readonly streamId?: undefined;
      readonly code: ErrorCode;
      readonly message: string;
    };
/** To everyone: force mute was turned on or off. `{"type":"forceMuteChanged","active":true,"excludedStreamIds":[]}` */
export interface ForceMuteChangedMessage {
  readonly type: 'forceMuteChanged';
  readonly active: boolean;
  readonly excludedStreamIds: readonly string[];
}

/**
 * Every message the gateway sends. Switch on `type`, and ignore types you do not know (see
 * {@link SERVER_MESSAGE_TYPES}).
 *
 * @example
 * ```ts
 * const message = JSON.parse(event.data) as ServerMessage;
 * switch (message.type) { case 'streamCreated': show(message.stream); break; }
 * ```
 */
export type ServerMessage =
  | ConnectedMessage
  | ResumedMessage
  | AckMessage
  | ErrorMessage
  | ConnectionCreatedMessage
  | ConnectionDestroyedMessage
  | StreamCreatedMessage
  | StreamDestroyedMessage
  | StreamPropertyChangedMessage
  | SubscriberCreatedMessage
  | SubscriberDestroyedMessage
  | WebRtcRelayMessage
  | WebRtcFailedMessage
  | SignalDeliveryMessage
  | MuteForcedMessage
  | ForceMuteChangedMessage;

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
  'connected',
  'resumed',
  'ack',
  'error',
  'connectionCreated',
  'connectionDestroyed',
  'streamCreated',
  'streamDestroyed',
  'streamPropertyChanged',
  'subscriberCreated',
  'subscriberDestroyed',
  'webrtc',
  'webrtcFailed',
  'signal',
  'muteForced',
  'forceMuteChanged',
] as const satisfies readonly ServerMessage['type'][]);
