import {
  REQUEST_CAPABILITY,
  StagepassError,
  invalidOption,
  isOpaqueId,
  wireLimits,
  type Capabilities,
  type ClientRequestType,
  type ConnectedMessage,
  type ConnectionInfo,
  type ForceMuteState,
  type Role,
  type ServerMessage,
  type StreamInfo,
  type WebRtcRelayMessage,
} from '@stagepass/protocol';
import { describeClose, type DisconnectedEvent } from './close-reason.js';
import type { MediaHost } from './media-host.js';
import { notConnected } from './not-connected.js';
import { PeerLink } from './peer-link.js';
import { Publisher, type PublishOptions } from './publisher.js';
import { RequestTracker, type UnnumberedRequest } from './request-tracker.js';
import type { SessionEvents } from './session-events.js';
import { Subscriber } from './subscriber.js';
import { TypedEmitter } from './typed-emitter.js';
import { SOCKET_OPEN, type SocketCloseEvent, type WebSocketLike } from './web-socket-like.js';

/**
 * Where a session is in its life. `reconnecting` is reserved for the coming resume (issue 8): a
 * dropped socket will then go `connected` → `reconnecting` → `connected`; today it ends the
 * session (`disconnected`, reason `networkDisconnected`).
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
  readonly connected: ConnectedMessage;
  readonly iceServers: readonly RTCIceServer[];
  readonly RTCPeerConnection: (new (configuration: RTCConfiguration) => RTCPeerConnection) | undefined;
  readonly MediaStream: (new () => MediaStream) | undefined;
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
  /** This client's connection: `{ id, creationTime, data }`. */
  readonly connection: ConnectionInfo;
  readonly role: Role;
  /** What the role allows: `{ subscribe, publish, signal, forceDisconnect, forceUnpublish, forceMute }`. */
  readonly capabilities: Capabilities;
  /** The token's expiry, UNIX seconds. */
  readonly expireTime: number;

  readonly #connections = new Map<string, ConnectionInfo>();
  readonly #streams = new Map<string, StreamInfo>();
  #forceMute: ForceMuteState;
  #state: SessionState = 'connected';
  #socket: WebSocketLike;
  readonly #requests: RequestTracker;
  readonly #publishers = new Map<string, Publisher>();
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #links = new Map<string, PeerLink>();
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
    this.connection = connected.connection;
    this.role = connected.role;
    this.capabilities = connected.capabilities;
    this.expireTime = connected.expireTime;
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
    this.#attach(setup.socket);
  }

  /** The other connections of the session, by ID, kept live. */
  get connections(): ReadonlyMap<string, ConnectionInfo> {
    return this.#connections;
  }

  /** Every stream of the session (this client's own too), by ID, kept live. */
  get streams(): ReadonlyMap<string, StreamInfo> {
    return this.#streams;
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
    if (this.#state !== 'disconnected' && !this.#closing) {
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
      const Ctor = this.#setup.RTCPeerConnection!;
      const pc = new Ctor({ iceServers: [...this.#setup.iceServers] });
      const link = new PeerLink(
        pc,
        (kind, payload) => {
          this.#requests.send({ type: 'webrtc', subscriptionId, kind, payload }, () => undefined).catch(() => {});
        },
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
    stream: (streamId) => this.#streams.get(streamId),
  };

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

  #attach(socket: WebSocketLike): void {
    socket.onmessage = (event) => {
      if (socket !== this.#socket || typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message !== null && typeof message === 'object') this.#handle(message);
    };
    socket.onclose = (event) => this.#onClose(socket, event);
    socket.onerror = () => {};
  }

  /**
   * The one place a socket's end is decided. Resume (issue 8) plugs in here: for a close the
   * gateway did not choose (`networkDisconnected`) the session will go `reconnecting`, keep its
   * state and pending work, `admit()` a fresh socket with its resume secret (or a fresh token for a
   * rejoin) and `#attach` it; the guard on `this.#socket` already ignores a replaced socket's events.
   */
  #onClose(socket: WebSocketLike, event: SocketCloseEvent): void {
    if (socket !== this.#socket || this.#state === 'disconnected') return;
    socket.onmessage = socket.onclose = null;
    const info: DisconnectedEvent = describeClose(event.code, event.reason, this.#closing);
    this.#state = 'disconnected';
    this.#requests.rejectAll(() =>
      notConnected(`The session closed before the gateway answered: ${info.message}`, {
        reason: info.reason,
        closeCode: info.closeCode,
        ...(info.code === null ? {} : { closeReason: info.code }),
      }),
    );
    for (const waiter of this.#awaitingStream.values())
      waiter.reject(notConnected(`The session closed before the stream was published: ${info.message}`));
    this.#awaitingStream.clear();
    for (const subscriber of this.#subscribers.values()) subscriber.end();
    for (const publisher of this.#publishers.values()) publisher.end();
    for (const link of this.#links.values()) link.close();
    this.#subscribers.clear();
    this.#publishers.clear();
    this.#links.clear();
    this.#connections.clear();
    this.#streams.clear();
    this.emit('disconnected', info);
    this.#resolveClosed();
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
      case 'signal': {
        const from =
          message.from === null
            ? null
            : message.from === this.connection.id
              ? this.connection
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
    void this.#links.get(message.subscriptionId)?.receive(message.kind, message.payload);
  }

  #isLocal(stream: StreamInfo): boolean {
    return stream.connectionId === this.connection.id;
  }
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
