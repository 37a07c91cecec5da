import {
  REQUEST_CAPABILITY,
  StagepassError,
  invalidOption,
  isOpaqueId,
  wireLimits,
  type Capabilities,
  type ClientRequestType,
  type ConnectedMessage,
  type ResumedMessage,
  isStagepassError,
  CLOSE_CODES,
  ERROR_CODES,
  type ConnectionInfo,
  type ForceMuteState,
  type MediaMode,
  type Role,
  type ServerMessage,
  type StreamInfo,
  type WebRtcFailedMessage,
  type WebRtcKind,
  type WebRtcRelayMessage,
} from '@stagepass/protocol';
import { describeClose, type DisconnectedEvent } from './close-reason.js';
import { STOPPED, diffSnapshot, readmit, type SnapshotDifference } from './reconnect.js';
import { tokenFrom, type TokenSource } from './token-source.js';
import type { MediaHost } from './media-host.js';
import { notConnected } from './not-connected.js';
import { PeerLink } from './peer-link.js';
import { Publisher, type PublishOptions } from './publisher.js';
import { RequestTracker, type UnnumberedRequest } from './request-tracker.js';
import type { ReconnectingEvent, SessionEvents } from './session-events.js';
import { Subscriber } from './subscriber.js';
import { TypedEmitter } from './typed-emitter.js';
import {
  SOCKET_OPEN,
  type SocketCloseEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from './web-socket-like.js';

/**
 * Where a session is in its life: a dropped socket goes `connected` → `reconnecting` → `connected`
 * (resumed, or rejoined as a new connection), or → `disconnected` when it cannot come back.
 */
export type SessionState = 'connected' | 'reconnecting' | 'disconnected';

/** Options of `session.signal`. */
export interface SignalOptions {
  /** Text, at most 8 KiB once UTF-8 encoded. */
  readonly data: string;
  /** Up to 128 characters of `A-Za-z0-9-_~`; default `""`. Receivers can listen to `signal:TYPE`. */
  readonly type?: string;
  /** A connection ID or a list of 1–1000; default: everyone in the session, this client included. */
  readonly to?: string | readonly string[];
}

/** Options of `session.forceMuteAll`. */
export interface ForceMuteAllOptions {
  /** Streams left unmuted (at most 1000). */
  readonly excludedStreamIds?: readonly string[];
}

/** @internal What a session needs from `connect()`. */
export interface SessionSetup {
  readonly socket: WebSocketLike;
  readonly connected: ConnectedMessage | ResumedMessage;
  /** Messages that came behind `connected`, before the session took the socket. */
  readonly early: readonly string[];
  /** The app's own list; undefined: the gateway's (`connected.iceServers`). */
  readonly iceServers: readonly RTCIceServer[] | undefined;
  readonly RTCPeerConnection: (new (configuration: RTCConfiguration) => RTCPeerConnection) | undefined;
  readonly MediaStream: (new () => MediaStream) | undefined;
  /** For a resume or a rejoin: the connect URL, the token source, the WebSocket and the admission time. */
  readonly url: string;
  readonly token: TokenSource;
  readonly WebSocket: WebSocketConstructor;
  readonly timeoutMs: number;
}

/**
 * A joined session: the live state (`connections`, `streams`, `forceMute`), the actions the role
 * allows, and typed events. Created by {@link connect}.
 *
 * Every action returns a promise that rejects with a `StagepassError`: the gateway's code when it
 * refused, `ERR_CAPABILITY_DENIED` (with `details.capability`) at once when the role cannot do it
 * (nothing is sent), `ERR_NOT_CONNECTED` when the session closed before the answer.
 *
 * @example
 * ```ts
 * session.on('signal:chat', ({ from, data }) => console.log(from?.data, data));
 * await session.signal({ type: 'chat', data: 'hello' });
 * ```
 */
export class Session extends TypedEmitter<SessionEvents> {
  readonly sessionId: string;
  #connection: ConnectionInfo;
  #role: Role;
  #capabilities: Capabilities;
  #expireTime: number;
  /** The proof a `resume` presents; only in memory, never logged. */
  #resumeSecret: string;
  /** The gateway's ICE servers from the last `connected`/`resumed` (TURN credentials are per connection). */
  #gatewayIceServers: readonly RTCIceServer[];

  readonly #connections = new Map<string, ConnectionInfo>();
  readonly #streams = new Map<string, StreamInfo>();
  #forceMute: ForceMuteState;
  #state: SessionState = 'connected';
  #socket: WebSocketLike;
  readonly #requests: RequestTracker;
  readonly #publishers = new Map<string, Publisher>();
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #links = new Map<string, PeerLink>();
  /** Routed sessions: each of this client's streams' upload to the gateway, by stream ID. */
  readonly #uploads = new Map<string, PeerLink>();
  readonly #mediaMode: MediaMode;
  readonly #awaitingStream = new Map<string, { resolve: () => void; reject: (err: unknown) => void }>();
  readonly #setup: SessionSetup;
  #closing = false;
  #closed: Promise<void>;
  #resolveClosed!: () => void;

  /** @internal Use {@link connect}. */
  constructor(setup: SessionSetup) {
    super();
    const { connected } = setup;
    this.#setup = setup;
    this.sessionId = connected.sessionId;
    this.#connection = connected.connection;
    this.#role = connected.role;
    this.#capabilities = connected.capabilities;
    this.#expireTime = connected.expireTime;
    this.#resumeSecret = connected.resumeSecret;
    // A gateway older than routed media sends no mediaMode: its sessions are relayed.
    this.#mediaMode = connected.mediaMode === 'routed' ? 'routed' : 'relayed';
    this.#gatewayIceServers = iceServersOf(connected);
    for (const c of connected.connections) this.#connections.set(c.id, c);
    for (const s of connected.streams) this.#streams.set(s.id, s);
    this.#forceMute = freezeForceMute(connected.forceMute);
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#socket = setup.socket;
    this.#requests = new RequestTracker((text) => {
      if (this.#socket.readyState !== SOCKET_OPEN) throw notConnected('The session is not connected.');
      this.#socket.send(text);
    });
    this.#attach(setup.socket, setup.early);
  }

  /** This client's connection: `{ id, creationTime, data }` (a new one after a rejoin, see `reconnected`). */
  get connection(): ConnectionInfo {
    return this.#connection;
  }

  get role(): Role {
    return this.#role;
  }

  /** What the role allows: `{ subscribe, publish, signal, forceDisconnect, forceUnpublish, forceMute }`. */
  get capabilities(): Capabilities {
    return this.#capabilities;
  }

  /** The token's expiry, UNIX seconds. */
  get expireTime(): number {
    return this.#expireTime;
  }

  /** The other connections of the session, by ID, kept live. */
  get connections(): ReadonlyMap<string, ConnectionInfo> {
    return this.#connections;
  }

  /** Every stream of the session (this client's own too), by ID, kept live. */
  get streams(): ReadonlyMap<string, StreamInfo> {
    return this.#streams;
  }

  /**
   * How the session's media flows, fixed when the session was created: `relayed` (peer to peer) or
   * `routed` (through the gateway, which enforces force-mute on the media). Apps need not look:
   * publish and subscribe work the same in both.
   */
  get mediaMode(): MediaMode {
    return this.#mediaMode;
  }

  /** The session's force-mute state. */
  get forceMute(): ForceMuteState {
    return this.#forceMute;
  }

  get state(): SessionState {
    return this.#state;
  }

  /**
   * Publishes a MediaStream (its audio and video tracks) and resolves with its Publisher once the
   * gateway created the stream (after its `streamCreated`, so `publisher.stream` is set). Needs the `publish` capability and WebRTC (`RTCPeerConnection`).
   */
  async publish(mediaStream: MediaStream, options: PublishOptions = {}): Promise<Publisher> {
    this.#allow('publish');
    this.#needWebRtc('publish');
    if (mediaStream === null || typeof mediaStream !== 'object' || typeof mediaStream.getTracks !== 'function') {
      throw invalidOption('mediaStream', 'must be a MediaStream', 'publish');
    }
    if (options.name !== undefined && typeof options.name !== 'string')
      throw invalidOption('name', 'must be a string', 'publish');
    if (options.videoType !== undefined && options.videoType !== 'camera' && options.videoType !== 'screen') {
      throw invalidOption('videoType', 'must be camera or screen', 'publish');
    }
    const enabled = (tracks: MediaStreamTrack[]) => tracks.some((t) => t.enabled);
    const publisher = await this.#request(
      {
        type: 'publish',
        ...(options.name === undefined ? {} : { name: options.name }),
        hasAudio: enabled(mediaStream.getAudioTracks()),
        hasVideo: enabled(mediaStream.getVideoTracks()),
        ...(options.videoType === undefined ? {} : { videoType: options.videoType }),
      },
      (result) => {
        const streamId = idIn(result, 'streamId');
        const publisher = new Publisher(this.#host, streamId, mediaStream);
        this.#publishers.set(streamId, publisher);
        return publisher;
      },
    );
    // The ack comes just before the stream's own streamCreated: resolve once that is in too, so
    // that `publisher.stream` is set from the start.
    if (!this.#streams.has(publisher.streamId)) {
      await new Promise<void>((resolve, reject) => this.#awaitingStream.set(publisher.streamId, { resolve, reject }));
    }
    publisher.startUpload();
    return publisher;
  }

  /**
   * Subscribes to a stream; resolves with the Subscriber once the gateway accepted it. The remote
   * tracks join `subscriber.mediaStream` as WebRTC delivers them. Needs `subscribe` and WebRTC.
   */
  async subscribe(streamId: string): Promise<Subscriber> {
    this.#allow('subscribe');
    this.#needWebRtc('subscribe');
    checkId(streamId, 'streamId', 'subscribe');
    if (this.#publishers.has(streamId)) {
      throw invalidOption(
        'streamId',
        "is one of this client's own streams: show publisher.mediaStream instead",
        'subscribe',
      );
    }
    const MediaStreamCtor = this.#setup.MediaStream;
    if (MediaStreamCtor === undefined) {
      throw invalidOption(
        'MediaStream',
        'is needed to subscribe: run in a browser or pass connect({ MediaStream })',
        'subscribe',
      );
    }
    return this.#request({ type: 'subscribe', streamId }, (result) => {
      const subscriptionId = idIn(result, 'subscriptionId');
      const mediaStream = new MediaStreamCtor();
      const link = this.#host.openLink(subscriptionId, streamId);
      link.pc.ontrack = (event) => {
        if (!mediaStream.getTracks().includes(event.track)) mediaStream.addTrack(event.track);
      };
      const subscriber = new Subscriber(this.#host, streamId, subscriptionId, mediaStream);
      this.#subscribers.set(subscriptionId, subscriber);
      return subscriber;
    });
  }

  /** Sends a signal to everyone (this client included) or to the connections in `to`. Needs `signal`. */
  async signal(options: SignalOptions): Promise<void> {
    this.#allow('signal');
    if (options === null || typeof options !== 'object')
      throw invalidOption('options', 'must be an object with data', 'signal');
    if (typeof options.data !== 'string') throw invalidOption('data', 'must be a string', 'signal');
    if (options.type !== undefined && typeof options.type !== 'string')
      throw invalidOption('type', 'must be a string', 'signal');
    const to = options.to;
    if (
      to !== undefined &&
      typeof to !== 'string' &&
      !(Array.isArray(to) && to.every((id) => typeof id === 'string'))
    ) {
      throw invalidOption('to', 'must be a connection ID or a list of them', 'signal');
    }
    await this.#request(
      {
        type: 'signal',
        data: options.data,
        ...(options.type === undefined ? {} : { signalType: options.type }),
        ...(to === undefined ? {} : { to }),
      },
      () => undefined,
    );
  }

  /** Closes another connection (it gets `disconnected`, reason `forceDisconnected`). Needs `forceDisconnect` (moderator). */
  async forceDisconnect(connectionId: string): Promise<void> {
    this.#allow('forceDisconnect');
    checkId(connectionId, 'connectionId', 'forceDisconnect');
    await this.#request({ type: 'forceDisconnect', connectionId }, () => undefined);
  }

  /** Ends anyone's stream. Needs `forceUnpublish` (moderator). */
  async forceUnpublish(streamId: string): Promise<void> {
    this.#allow('forceUnpublish');
    checkId(streamId, 'streamId', 'forceUnpublish');
    await this.#request({ type: 'forceUnpublish', streamId }, () => undefined);
  }

  /** Mutes one stream's audio (its publisher gets `muteForced`). Needs `forceMute` (moderator). */
  async forceMuteStream(streamId: string): Promise<void> {
    this.#allow('forceMuteStream');
    checkId(streamId, 'streamId', 'forceMuteStream');
    await this.#request({ type: 'forceMuteStream', streamId }, () => undefined);
  }

  /** Mutes every stream but the excluded, now and as they are published, until `disableForceMute`. Needs `forceMute`. */
  async forceMuteAll(options: ForceMuteAllOptions = {}): Promise<void> {
    this.#allow('forceMuteAll');
    const excluded = options.excludedStreamIds;
    if (excluded !== undefined && !(Array.isArray(excluded) && excluded.every((id) => typeof id === 'string'))) {
      throw invalidOption('excludedStreamIds', 'must be a list of stream IDs', 'forceMuteAll');
    }
    await this.#request(
      { type: 'forceMuteAll', ...(excluded === undefined ? {} : { excludedStreamIds: excluded }) },
      () => undefined,
    );
  }

  /** Ends the force mute of `forceMuteAll` (streams stay as they are). Needs `forceMute`. */
  async disableForceMute(): Promise<void> {
    this.#allow('disableForceMute');
    await this.#request({ type: 'disableForceMute' }, () => undefined);
  }

  /**
   * Leaves the session: closes the socket (1000) and every RTCPeerConnection, and resolves once it
   * is closed and `disconnected` (reason `clientDisconnected`) was emitted. Calling it again is harmless.
   */
  async disconnect(): Promise<void> {
    if (this.#state === 'reconnecting' && !this.#closing) {
      // No socket to close: the reconnect stops at its next step.
      this.#closing = true;
      this.#end(describeClose(1000, '', true));
    } else if (this.#state !== 'disconnected' && !this.#closing) {
      this.#closing = true;
      const socket = this.#socket;
      socket.close(1000);
      // A gateway that never answers the close must not keep the caller waiting.
      const timer = setTimeout(() => this.#onClose(socket, { code: 1006, reason: '' }), 2000);
      void this.#closed.then(() => clearTimeout(timer));
    }
    return this.#closed;
  }

  // ------------------------------------------------------------------ internals

  readonly #host: MediaHost = {
    request: (request, accept) => this.#request(request, accept),
    openLink: (subscriptionId, streamId) => {
      const link = this.#newLink(
        (kind, payload) => ({ type: 'webrtc', subscriptionId, kind, payload }),
        (error) => {
          this.#host.closeLink(subscriptionId);
          this.emit('exception', { error, subscriptionId, streamId });
        },
      );
      this.#links.set(subscriptionId, link);
      return link;
    },
    closeLink: (subscriptionId) => {
      this.#links.get(subscriptionId)?.close();
      this.#links.delete(subscriptionId);
    },
    routed: () => this.#mediaMode === 'routed',
    openUpload: (streamId) => {
      const link = this.#newLink(
        (kind, payload) => ({ type: 'webrtc', streamId, kind, payload }),
        (error) => {
          this.#host.closeUpload(streamId);
          this.emit('exception', { error, subscriptionId: null, streamId });
        },
      );
      this.#uploads.set(streamId, link);
      return link;
    },
    closeUpload: (streamId) => {
      this.#uploads.get(streamId)?.close();
      this.#uploads.delete(streamId);
    },
    stream: (streamId) => this.#streams.get(streamId),
  };

  /** A PeerLink whose `webrtc` messages are `message(kind, payload)`; `fail` when the browser's WebRTC throws. */
  #newLink(
    message: (kind: WebRtcKind, payload: Readonly<Record<string, unknown>>) => UnnumberedRequest,
    fail: (error: unknown) => void,
  ): PeerLink {
    const Ctor = this.#setup.RTCPeerConnection!;
    const pc = new Ctor({ iceServers: [...(this.#setup.iceServers ?? this.#gatewayIceServers)] });
    return new PeerLink(
      pc,
      (kind, payload) => {
        this.#requests.send(message(kind, payload), () => undefined).catch(() => {});
      },
      fail,
    );
  }

  #request<T>(request: UnnumberedRequest, accept: (result: Readonly<Record<string, unknown>>) => T): Promise<T> {
    this.#allow(request.type);
    if (this.#state !== 'connected' || this.#closing) {
      return Promise.reject(
        notConnected(`The session is ${this.#closing ? 'disconnecting' : this.#state}: ${request.type} was not sent.`),
      );
    }
    return this.#requests.send(request, accept);
  }

  /** Refuses locally, with the gateway's own code and words, what the role cannot do: no round trip. */
  #allow(type: ClientRequestType): void {
    const capability = REQUEST_CAPABILITY[type];
    if (capability !== null && !this.capabilities[capability]) {
      throw new StagepassError(
        'ERR_CAPABILITY_DENIED',
        `The ${this.role} role may not ${type} (capability ${capability}).`,
        { details: { capability } },
      );
    }
  }

  #needWebRtc(action: 'publish' | 'subscribe'): void {
    if (this.#setup.RTCPeerConnection === undefined) {
      throw invalidOption(
        'RTCPeerConnection',
        `is needed to ${action}: run in a browser or pass connect({ RTCPeerConnection })`,
        action,
      );
    }
  }

  #attach(socket: WebSocketLike, early: readonly string[]): void {
    const receive = (data: unknown) => {
      if (socket !== this.#socket || typeof data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(data) as ServerMessage;
      } catch {
        return;
      }
      if (message !== null && typeof message === 'object') this.#handle(message);
    };
    socket.onmessage = (event) => receive(event.data);
    socket.onclose = (event) => this.#onClose(socket, event);
    socket.onerror = () => {};
    for (const data of early) receive(data);
  }

  /**
   * The one place a socket's end is decided: a drop (not a close the gateway chose, nor ours), a
   * close 1012 (service restart: the gateway is draining, another node or its restart takes over) and a
   * close 1013 `ERR_UNAVAILABLE` (cluster mode: the session's owner node died, or Redis lost it) make
   * the session reconnect; anything else ends it. The guard on `this.#socket` ignores a replaced
   * socket's events.
   */
  #onClose(socket: WebSocketLike, event: SocketCloseEvent): void {
    if (socket !== this.#socket || this.#state !== 'connected') return;
    socket.onmessage = socket.onclose = null;
    const info: DisconnectedEvent = describeClose(event.code, event.reason, this.#closing);
    if (info.reason === 'networkDisconnected') void this.#reconnect('networkDisconnected');
    else if (event.code === CLOSE_CODES.serviceRestart && !this.#closing) void this.#reconnect('serviceRestart');
    else if (event.code === CLOSE_CODES.tryAgainLater && info.code === 'ERR_UNAVAILABLE' && !this.#closing)
      void this.#reconnect('serviceUnavailable');
    else this.#end(info);
  }

  /** Rejects what waits on the gateway's answer: it will not come on this socket. */
  #rejectPending(info: DisconnectedEvent): void {
    this.#requests.rejectAll(() =>
      notConnected(`The session closed before the gateway answered: ${info.message}`, {
        reason: info.reason,
        closeCode: info.closeCode,
        ...(info.code === null ? {} : { closeReason: info.code }),
      }),
    );
  }

  #end(info: DisconnectedEvent): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    this.#rejectPending(info);
    for (const waiter of this.#awaitingStream.values())
      waiter.reject(notConnected(`The session closed before the stream was published: ${info.message}`));
    this.#awaitingStream.clear();
    this.#endMedia();
    this.#connections.clear();
    this.#streams.clear();
    this.emit('disconnected', info);
    this.#resolveClosed();
  }

  /** Ends every Publisher, Subscriber and RTCPeerConnection of this connection. */
  #endMedia(): void {
    for (const subscriber of this.#subscribers.values()) subscriber.end();
    for (const publisher of this.#publishers.values()) publisher.end();
    for (const link of this.#links.values()) link.close();
    for (const link of this.#uploads.values()) link.close();
    this.#uploads.clear();
    this.#subscribers.clear();
    this.#publishers.clear();
    this.#links.clear();
  }

  /** After a drop or a 1012: resume, else rejoin with a fresh token (docs/protocol.md "Resume"), else end. */
  async #reconnect(reason: ReconnectingEvent['reason']): Promise<void> {
    this.#state = 'reconnecting';
    this.#rejectPending(describeClose(1006, '', false));
    this.emit('reconnecting', { reason });
    const previousConnectionId = this.#connection.id;
    let admitted: Awaited<ReturnType<typeof readmit>>;
    try {
      admitted = await readmit({
        WebSocket: this.#setup.WebSocket,
        url: this.#setup.url,
        timeoutMs: this.#setup.timeoutMs,
        connectionId: previousConnectionId,
        resumeSecret: this.#resumeSecret,
        freshToken: () => this.#freshToken(),
        wanted: () => this.#state === 'reconnecting' && !this.#closing,
      });
    } catch (err) {
      if (err !== STOPPED) this.#end(endOf(err));
      return;
    }
    const { socket, connected, resumed, early } = admitted;
    this.#socket = socket;
    this.#resumeSecret = connected.resumeSecret;
    this.#gatewayIceServers = iceServersOf(connected);
    this.#state = 'connected';
    const difference = this.#applySnapshot(connected, resumed);
    // After the snapshot: what the gateway sent behind it happened after it.
    this.#attach(socket, early);
    const { streamsChanged: _changed, ...lists } = difference;
    this.emit('reconnected', { resumed, previousConnectionId, ...lists });
  }

  /** A rejoin's token: the provider's fresh one; a string token only while it has not expired. */
  async #freshToken(): Promise<string> {
    const source = this.#setup.token;
    if (typeof source === 'string' && Date.now() / 1000 >= this.#expireTime) {
      throw new StagepassError(
        'ERR_TOKEN_EXPIRED',
        'The token expired while reconnecting, and a token string cannot be renewed: pass connect({ token: () => fetchToken() }).',
      );
    }
    return tokenFrom(source);
  }

  /**
   * Brings the live state to the gateway's snapshot and emits what was missed, in the gateway's
   * order: streams and connections gone, then connections and streams new, property changes, the
   * force-mute state. After a rejoin this connection's own streams and subscriptions are gone.
   */
  #applySnapshot(snapshot: ConnectedMessage | ResumedMessage, resumed: boolean): SnapshotDifference {
    if (!resumed) this.#endMedia();
    const difference = diffSnapshot(this.#connections, this.#streams, snapshot);
    for (const stream of difference.streamsDestroyed) this.#missedStreamEnd(stream, resumed);
    for (const connection of difference.connectionsDestroyed) {
      this.#connections.delete(connection.id);
      this.emit('connectionDestroyed', { connection, reason: 'whileReconnecting' });
    }
    if (!resumed) {
      this.#connection = snapshot.connection;
      this.#role = snapshot.role;
      this.#capabilities = snapshot.capabilities;
      this.#expireTime = snapshot.expireTime;
    }
    for (const connection of difference.connectionsCreated) {
      this.#connections.set(connection.id, connection);
      this.emit('connectionCreated', { connection });
    }
    for (const stream of difference.streamsCreated) this.#handle({ type: 'streamCreated', stream });
    for (const [before, now] of difference.streamsChanged) this.#missedChange(before, now);
    if (snapshot.type === 'resumed') this.#reconcileSubscribers(snapshot);
    const forceMute = freezeForceMute(snapshot.forceMute);
    if (
      forceMute.active !== this.#forceMute.active ||
      forceMute.excludedStreamIds.join() !== this.#forceMute.excludedStreamIds.join()
    ) {
      this.#forceMute = forceMute;
      this.emit('forceMuteChanged', forceMute);
    }
    return difference;
  }

  /** A stream that ended while away. */
  #missedStreamEnd(stream: StreamInfo, resumed: boolean): void {
    this.#streams.delete(stream.id);
    this.#publishers.get(stream.id)?.end();
    this.#publishers.delete(stream.id);
    for (const [subscriptionId, subscriber] of this.#subscribers) {
      if (subscriber.streamId !== stream.id) continue;
      subscriber.end();
      this.#subscribers.delete(subscriptionId);
    }
    const local = this.#isLocal(stream);
    // A rejoin ended this client's own streams with its old connection.
    const reason = !resumed && local ? 'connectionClosed' : 'whileReconnecting';
    this.emit('streamDestroyed', { stream, reason, local });
  }

  /** A stream whose audio or video changed while away; a force mute of one of ours is re-applied. */
  #missedChange(before: StreamInfo, now: StreamInfo): void {
    this.#streams.set(now.id, now);
    const local = this.#isLocal(now);
    for (const property of ['hasAudio', 'hasVideo'] as const) {
      if (before[property] === now[property]) continue;
      // Nobody but a moderator or the app's backend turns off our audio while we cannot ask.
      const forced = local && property === 'hasAudio' && !now.hasAudio;
      this.emit('streamPropertyChanged', {
        stream: now,
        property,
        oldValue: before[property],
        newValue: now[property],
        reason: forced ? 'forceMuted' : 'whileReconnecting',
        local,
      });
      if (forced) this.#handle({ type: 'muteForced', streamId: now.id });
    }
  }

  #reconcileSubscribers(snapshot: ResumedMessage): void {
    const byStream = new Map<string, Set<string>>();
    for (const { streamId, subscriptionId } of snapshot.subscribers) {
      let ids = byStream.get(streamId);
      if (ids === undefined) byStream.set(streamId, (ids = new Set()));
      ids.add(subscriptionId);
    }
    for (const [streamId, publisher] of this.#publishers)
      publisher.reconcileSubscribers(byStream.get(streamId) ?? new Set());
  }

  #handle(message: ServerMessage): void {
    switch (message.type) {
      case 'ack':
        this.#requests.ack(message.id, message.result ?? {});
        return;
      case 'error':
        this.#requests.refuse(message);
        return;
      case 'connectionCreated':
        this.#connections.set(message.connection.id, message.connection);
        this.emit('connectionCreated', { connection: message.connection });
        return;
      case 'connectionDestroyed': {
        const connection = this.#connections.get(message.connectionId);
        if (connection === undefined) return;
        this.#connections.delete(message.connectionId);
        this.emit('connectionDestroyed', { connection, reason: message.reason });
        return;
      }
      case 'streamCreated':
        this.#streams.set(message.stream.id, message.stream);
        this.emit('streamCreated', { stream: message.stream, local: this.#isLocal(message.stream) });
        this.#awaitingStream.get(message.stream.id)?.resolve();
        this.#awaitingStream.delete(message.stream.id);
        return;
      case 'streamDestroyed': {
        const stream = this.#streams.get(message.streamId);
        const publisher = this.#publishers.get(message.streamId);
        publisher?.end();
        this.#publishers.delete(message.streamId);
        if (stream === undefined) return;
        this.#streams.delete(message.streamId);
        this.emit('streamDestroyed', { stream, reason: message.reason, local: this.#isLocal(stream) });
        return;
      }
      case 'streamPropertyChanged': {
        const old = this.#streams.get(message.streamId);
        if (old === undefined) return;
        const stream: StreamInfo = { ...old, [message.property]: message.newValue };
        this.#streams.set(stream.id, stream);
        this.emit('streamPropertyChanged', {
          stream,
          property: message.property,
          oldValue: message.oldValue,
          newValue: message.newValue,
          reason: message.reason,
          local: this.#isLocal(stream),
        });
        return;
      }
      case 'subscriberCreated':
        this.#publishers.get(message.streamId)?.addSubscriber(message.subscriptionId);
        return;
      case 'subscriberDestroyed': {
        this.#publishers.get(message.streamId)?.removeSubscriber(message.subscriptionId);
        const subscriber = this.#subscribers.get(message.subscriptionId);
        subscriber?.end();
        this.#subscribers.delete(message.subscriptionId);
        return;
      }
      case 'webrtc':
        this.#relay(message);
        return;
      case 'webrtcFailed':
        this.#negotiationFailed(message);
        return;
      case 'signal': {
        const from =
          message.from === null
            ? null
            : message.from === this.#connection.id
              ? this.#connection
              : (this.#connections.get(message.from) ?? { id: message.from, creationTime: 0, data: null });
        const event = { type: message.signalType, data: message.data, from };
        this.emit('signal', event);
        this.emit(`signal:${message.signalType}`, event);
        return;
      }
      case 'muteForced': {
        const publisher = this.#publishers.get(message.streamId) ?? null;
        publisher?.silenceAudio();
        this.emit('muteForced', { streamId: message.streamId, publisher });
        return;
      }
      case 'forceMuteChanged':
        this.#forceMute = freezeForceMute(message);
        this.emit('forceMuteChanged', this.#forceMute);
        return;
      default:
        // Later minor versions may add message types: ignore what we do not know.
        return;
    }
  }

  #relay(message: WebRtcRelayMessage): void {
    const link =
      message.streamId !== undefined ? this.#uploads.get(message.streamId) : this.#links.get(message.subscriptionId);
    void link?.receive(message.kind, message.payload);
  }

  /** Routed: the gateway could not negotiate one of our links; it is closed there, so close it here and say so. */
  #negotiationFailed(message: WebRtcFailedMessage): void {
    const error = new StagepassError(message.code, message.message);
    if (message.streamId !== undefined) {
      if (!this.#uploads.has(message.streamId)) return;
      this.#host.closeUpload(message.streamId);
      this.emit('exception', { error, subscriptionId: null, streamId: message.streamId });
      return;
    }
    const subscriber = this.#subscribers.get(message.subscriptionId);
    if (subscriber === undefined) return;
    this.#host.closeLink(message.subscriptionId);
    this.emit('exception', { error, subscriptionId: message.subscriptionId, streamId: subscriber.streamId });
  }

  #isLocal(stream: StreamInfo): boolean {
    return stream.connectionId === this.#connection.id;
  }
}

/** The `disconnected` event of a reconnect that failed with `err`. */
function endOf(err: unknown): DisconnectedEvent {
  if (isStagepassError(err) && err.details?.closeCode === CLOSE_CODES.forceDisconnected)
    return describeClose(CLOSE_CODES.forceDisconnected, 'forceDisconnected', false);
  if (isStagepassError(err) && err.code !== 'ERR_NOT_CONNECTED') {
    const info = describeClose(ERROR_CODES[err.code].closeCode, err.code, false);
    return err.code === 'ERR_TOKEN_EXPIRED' ? { ...info, message: err.message } : info;
  }
  return describeClose(1006, '', false);
}

function freezeForceMute(state: ForceMuteState): ForceMuteState {
  return Object.freeze({ active: state.active, excludedStreamIds: Object.freeze([...state.excludedStreamIds]) });
}

function checkId(value: unknown, option: string, scope: string): asserts value is string {
  if (!isOpaqueId(value, wireLimits.MAX_ID_LENGTH))
    throw invalidOption(option, 'must be an ID of 1–64 printable ASCII characters', scope);
}

function idIn(result: Readonly<Record<string, unknown>>, name: string): string {
  const value = result[name];
  if (typeof value !== 'string') throw new StagepassError('ERR_INTERNAL', `The gateway's ack has no ${name}.`);
  return value;
}

/**
 * The gateway's `iceServers` as RTCIceServer objects (copies, `urls` as a mutable array); `[]` from a gateway
 * older than the member or when an entry is not shaped as one (the gateway validates what it hands out).
 */
function iceServersOf(message: ConnectedMessage | ResumedMessage): readonly RTCIceServer[] {
  const list: unknown = (message as { iceServers?: unknown }).iceServers;
  if (!Array.isArray(list)) return [];
  const servers: RTCIceServer[] = [];
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return [];
    const { urls, username, credential } = entry as Record<string, unknown>;
    if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) return [];
    servers.push({
      urls: [...(urls as string[])],
      ...(typeof username === 'string' ? { username } : {}),
      ...(typeof credential === 'string' ? { credential } : {}),
    });
  }
  return Object.freeze(servers);
}
