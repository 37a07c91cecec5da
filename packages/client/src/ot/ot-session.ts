import type { ConnectionInfo, StreamInfo } from '@stagepass/protocol';
import { connect, type ConnectOptions } from '../connect.js';
import type { Session as SdkSession } from '../session.js';
import type { SessionEvents as SdkEvents } from '../session-events.js';
import { notConnected } from '../not-connected.js';
import type { WebSocketConstructor } from '../web-socket-like.js';
import { ExceptionCodes, OTError, settle, type CompletionHandler } from './ot-errors.js';
import type {
  ConnectionEvent,
  MuteForcedEvent,
  SessionConnectEvent,
  SessionDisconnectEvent,
  SignalEvent,
  StreamEvent,
  StreamPropertyChangedEvent,
} from './ot-event-types.js';
import { OTEventEmitter, createEvent, type OTEvent } from './ot-events.js';
import { otExceptions } from './ot-exceptions.js';
import { Capabilities, Connection, Stream } from './ot-model.js';
import { Publisher, initPublisher, type PublisherProperties } from './ot-publisher.js';
import { otConnectionReason, otSessionReason, otStreamReason, type OTDisconnectReason } from './ot-reasons.js';
import { Subscriber, type SubscriberProperties } from './ot-subscriber.js';

/** `OT.initSession`'s options: `url` is the one Stagepass adds; the rest are OpenTok.js's or for Node. */
export interface InitSessionOptions {
  /** The Stagepass gateway: `wss://video.example.com` (or `ws://`, `http(s)://`, with a path prefix if proxied). */
  readonly url: string;
  /** OpenTok.js's ICE configuration: its `customServers` become the STUN/TURN servers. */
  readonly iceConfig?: {
    readonly includeServers?: 'all' | 'custom';
    readonly transportPolicy?: 'all' | 'relay';
    readonly customServers?: readonly { urls: string | string[]; username?: string; credential?: string }[];
  };
  /** STUN/TURN servers, as `connect({ iceServers })` of `@stagepass/client` (added to `iceConfig`'s). */
  readonly iceServers?: readonly RTCIceServer[];
  /** Do not dispatch `connectionCreated`/`connectionDestroyed` (OpenTok.js's option). */
  readonly connectionEventsSuppressed?: boolean;
  /** For Node (no global WebSocket): `ws`'s. */
  readonly WebSocket?: WebSocketConstructor;
  readonly RTCPeerConnection?: new (configuration: RTCConfiguration) => RTCPeerConnection;
  readonly MediaStream?: new () => MediaStream;
  /** How long `connect` waits for admission, ms (default 15000). */
  readonly timeoutMs?: number;
}

/** A Session's events; `signal:TYPE` receives the signals of one type. */
export interface SessionEvents {
  sessionConnected: SessionConnectEvent<Session>;
  sessionDisconnected: SessionDisconnectEvent<Session>;
  sessionReconnecting: OTEvent<'sessionReconnecting', Session>;
  sessionReconnected: OTEvent<'sessionReconnected', Session>;
  connectionCreated: ConnectionEvent<'connectionCreated', Session>;
  connectionDestroyed: ConnectionEvent<'connectionDestroyed', Session>;
  streamCreated: StreamEvent<'streamCreated', Session>;
  streamDestroyed: StreamEvent<'streamDestroyed', Session>;
  streamPropertyChanged: StreamPropertyChangedEvent<Session>;
  signal: SignalEvent<Session>;
  [type: `signal:${string}`]: SignalEvent<Session>;
  muteForced: MuteForcedEvent<Session>;
}

/** `session.signal`'s first argument. */
export interface SignalOptions {
  readonly type?: string;
  readonly data?: string;
  /** One connection (OpenTok.js), or several; default: everyone, this client included. */
  readonly to?: Connection | readonly Connection[];
  /** Accepted and ignored: a signal sent while reconnecting is refused (`OT_NOT_CONNECTED`). */
  readonly retryAfterReconnect?: boolean;
}

/** `session.connect(token, completionHandler)`, and `.promise(token)`. */
export interface SessionConnect {
  (token: string, completionHandler?: CompletionHandler): Session;
  promise(token: string): Promise<Session>;
}

/** `session.publish(publisher, completionHandler)` (or target and properties), and `.promise(…)`. */
export interface SessionPublish {
  (publisher: Publisher, completionHandler?: CompletionHandler): Publisher;
  (
    target?: HTMLElement | string | null,
    properties?: PublisherProperties,
    completionHandler?: CompletionHandler,
  ): Publisher;
  promise(publisher: Publisher | HTMLElement | string | null, properties?: PublisherProperties): Promise<Publisher>;
}

/** `session.subscribe(stream, target, properties, completionHandler)`, and `.promise(…)`. */
export interface SessionSubscribe {
  (
    stream: Stream,
    target?: HTMLElement | string | null | CompletionHandler,
    properties?: SubscriberProperties | CompletionHandler,
    completionHandler?: CompletionHandler,
  ): Subscriber;
  promise(stream: Stream, target?: HTMLElement | string | null, properties?: SubscriberProperties): Promise<Subscriber>;
}

/**
 * An OpenTok.js-shaped session over a `@stagepass/client` session. Created by `OT.initSession`.
 *
 * @example
 * ```js
 * const session = OT.initSession(apiKey, sessionId, { url: 'wss://video.example.com' });
 * session.on('streamCreated', (event) => session.subscribe(event.stream, 'subscribers', { insertMode: 'append' }));
 * session.connect(token, (error) => error ? console.error(error.name) : session.publish(publisher));
 * ```
 */
export class Session extends OTEventEmitter<SessionEvents> {
  readonly apiKey: string;
  readonly sessionId: string;
  /** This client's connection, once connected. */
  connection: Connection | undefined;
  readonly capabilities = new Capabilities();
  readonly connect: SessionConnect;
  readonly publish: SessionPublish;
  readonly subscribe: SessionSubscribe;
  readonly #options: InitSessionOptions;
  #inner: SdkSession | undefined;
  #connecting = false;
  readonly #connections = new Map<string, Connection>();
  readonly #streams = new Map<string, Stream>();
  readonly #publishers = new Set<Publisher>();
  readonly #subscribers = new Set<Subscriber>();
  /** Streams ended with their connection, told once `connectionDestroyed` says why it left. */
  readonly #endedWithConnection = new Map<string, Stream[]>();

  /** @internal Use `OT.initSession`. */
  constructor(apiKey: string, sessionId: string, options: InitSessionOptions) {
    super();
    this.apiKey = apiKey;
    this.sessionId = sessionId;
    this.#options = options;
    this.connect = Object.assign(
      (token: string, done?: CompletionHandler) => {
        void settle(() => this.#open(token), 'connect', done).then(
          () => this.#announceExisting(),
          () => {},
        );
        return this;
      },
      {
        promise: (token: string) =>
          settle(() => this.#open(token), 'connect', undefined).then(() => {
            this.#announceExisting();
            return this;
          }),
      },
    );
    this.publish = Object.assign(
      (first?: Publisher | HTMLElement | string | null, second?: unknown, third?: unknown): Publisher => {
        const { publisher, done } = publisherOf(first, second, third);
        void settle(() => this.#publish(publisher), 'publish', done).catch(() => {});
        return publisher;
      },
      {
        promise: (first: Publisher | HTMLElement | string | null, properties?: PublisherProperties) => {
          const { publisher } = publisherOf(first, properties, undefined);
          return settle(() => this.#publish(publisher), 'publish', undefined).then(() => publisher);
        },
      },
    ) as SessionPublish;
    this.subscribe = Object.assign(
      (stream: Stream, target?: unknown, properties?: unknown, done?: unknown): Subscriber => {
        const args = subscribeArgs(target, properties, done);
        const subscriber = new Subscriber(stream, args.target, args.properties);
        void settle(() => this.#subscribe(subscriber, stream), 'subscribe', args.done).catch(() => {});
        return subscriber;
      },
      {
        promise: (stream: Stream, target?: HTMLElement | string | null, properties?: SubscriberProperties) => {
          const subscriber = new Subscriber(stream, target, properties ?? {});
          return settle(() => this.#subscribe(subscriber, stream), 'subscribe', undefined).then(() => subscriber);
        },
      },
    );
  }

  /** True while connected (not while reconnecting). */
  isConnected(): boolean {
    return this.#inner?.state === 'connected';
  }

  /** Leaves the session: `sessionDisconnected` with reason `clientDisconnected`. */
  disconnect(): Promise<void> {
    return this.#inner?.disconnect() ?? Promise.resolve();
  }

  /** Stops publishing `publisher`: its `streamDestroyed` (reason `unpublished`) follows. */
  unpublish(publisher: Publisher): void {
    const inner = publisher.inner;
    if (inner !== undefined) void inner.unpublish().catch((err: unknown) => console.error(err));
  }

  /** Ends a subscription and removes its element (`destroyed`, reason `unsubscribe`). */
  unsubscribe(subscriber: Subscriber): void {
    const inner = subscriber.inner;
    this.#subscribers.delete(subscriber);
    subscriber.end('unsubscribe');
    if (inner !== undefined) void inner.unsubscribe().catch(() => {});
  }

  /** Sends a signal: to everyone (this client included) or to `to`. */
  signal(options: SignalOptions, completionHandler?: CompletionHandler): Promise<void> {
    return settle(
      async () => {
        const to = options?.to;
        const ids = to === undefined ? undefined : Array.isArray(to) ? to.map(idOf) : idOf(to as Connection);
        await this.#need().signal({
          data: options?.data ?? '',
          ...(options?.type === undefined ? {} : { type: options.type }),
          ...(ids === undefined ? {} : { to: ids }),
        });
      },
      'signal',
      completionHandler,
    );
  }

  /** Removes a connection from the session (moderator). */
  forceDisconnect(connection: Connection | string, completionHandler?: CompletionHandler): Promise<void> {
    return settle(() => this.#need().forceDisconnect(idOf(connection)), 'forceDisconnect', completionHandler);
  }

  /** Ends a stream (moderator). */
  forceUnpublish(stream: Stream | string, completionHandler?: CompletionHandler): Promise<void> {
    return settle(() => this.#need().forceUnpublish(streamIdOf(stream)), 'forceUnpublish', completionHandler);
  }

  /** Mutes one stream's audio (moderator). */
  forceMuteStream(stream: Stream | string): Promise<void> {
    return settle(() => this.#need().forceMuteStream(streamIdOf(stream)), 'forceMute', undefined);
  }

  /** Mutes every stream but `excludedStreams`, and those published later, until `disableForceMute()` (moderator). */
  forceMuteAll(excludedStreams?: readonly (Stream | string)[]): Promise<void> {
    return settle(
      () => this.#need().forceMuteAll({ excludedStreamIds: (excludedStreams ?? []).map(streamIdOf) }),
      'forceMute',
      undefined,
    );
  }

  /** Ends `forceMuteAll` (moderator). */
  disableForceMute(): Promise<void> {
    return settle(() => this.#need().disableForceMute(), 'forceMute', undefined);
  }

  /** The Publisher of a stream of this page. */
  getPublisherForStream(stream: Stream): Publisher | undefined {
    return [...this.#publishers].find((p) => p.stream?.streamId === stream.streamId);
  }

  /** The Subscribers of a stream. */
  getSubscribersForStream(stream: Stream): Subscriber[] {
    return [...this.#subscribers].filter((s) => s.stream?.streamId === stream.streamId);
  }

  // ------------------------------------------------------------------ internals

  #need(): SdkSession {
    const inner = this.#inner;
    // A Stagepass error, so that each action maps it to its own code (OpenTok.js's signal says 500, others 1010).
    if (inner === undefined || inner.state === 'disconnected')
      throw notConnected('You are not connected to the session: call session.connect first.');
    return inner;
  }

  async #open(token: string): Promise<void> {
    if (this.#connecting || this.#inner?.state === 'connected' || this.#inner?.state === 'reconnecting')
      throw new OTError(
        'OT_CONNECT_FAILED',
        'This session is already connected or connecting.',
        ExceptionCodes.CONNECT_FAILED,
      );
    this.#connecting = true;
    let inner: SdkSession;
    try {
      inner = await connect(this.#connectOptions(token));
    } finally {
      this.#connecting = false;
    }
    this.#inner = inner;
    this.connection = new Connection(inner.connection);
    this.capabilities.set(inner.capabilities);
    this.#connections.clear();
    this.#streams.clear();
    for (const info of inner.connections.values()) this.#connections.set(info.id, new Connection(info));
    for (const info of inner.streams.values()) this.#streamOf(info);
    this.#listen(inner);
    this.dispatch(
      createEvent('sessionConnected', this, {
        connections: [...this.#connections.values()],
        streams: [...this.#streams.values()],
      }),
    );
  }

  #connectOptions(token: string): ConnectOptions {
    const o = this.#options;
    const custom = (o.iceConfig?.customServers ?? []).map((s) => ({ ...s }) as RTCIceServer);
    return {
      url: o.url,
      appId: this.apiKey,
      sessionId: this.sessionId,
      token,
      // Nothing of the app's own: the gateway's servers (connected.iceServers), as OpenTok uses its own.
      ...(custom.length === 0 && o.iceServers === undefined
        ? {}
        : { iceServers: [...custom, ...(o.iceServers ?? [])] }),
      ...(o.WebSocket === undefined ? {} : { WebSocket: o.WebSocket }),
      ...(o.RTCPeerConnection === undefined ? {} : { RTCPeerConnection: o.RTCPeerConnection }),
      ...(o.MediaStream === undefined ? {} : { MediaStream: o.MediaStream }),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    };
  }

  /** After the connect callback, as OpenTok.js: a `connectionCreated` and a `streamCreated` for each already there. */
  #announceExisting(): void {
    for (const connection of this.#connections.values()) this.#tellConnection('connectionCreated', connection);
    for (const stream of this.#streams.values())
      if (stream.connection !== this.connection) this.dispatch(createEvent('streamCreated', this, { stream }));
  }

  #tellConnection(
    type: 'connectionCreated' | 'connectionDestroyed',
    connection: Connection,
    reason?: OTDisconnectReason,
  ) {
    if (this.#options.connectionEventsSuppressed === true) return;
    this.dispatch(createEvent(type, this, reason === undefined ? { connection } : { connection, reason }));
  }

  #connectionOf(id: string): Connection {
    if (id === this.connection?.connectionId) return this.connection;
    return this.#connections.get(id) ?? new Connection({ id, creationTime: 0, data: null });
  }

  #streamOf(info: StreamInfo): Stream {
    let stream = this.#streams.get(info.id);
    if (stream === undefined)
      this.#streams.set(info.id, (stream = new Stream(info, this.#connectionOf(info.connectionId))));
    return stream;
  }

  async #publish(publisher: Publisher): Promise<void> {
    const inner = this.#need();
    if (!this.capabilities.permittedTo('publish'))
      throw new OTError(
        'OT_PERMISSION_DENIED',
        'This token does not allow publishing: its role must be publisher, publisheronly or moderator.',
        ExceptionCodes.UNABLE_TO_PUBLISH,
      );
    const media = await publisher.media();
    const { name, videoSource } = publisher.properties;
    const videoType = videoSource === 'screen' ? 'screen' : 'camera';
    const sdkPublisher = await inner.publish(media, { ...(name === undefined ? {} : { name }), videoType });
    this.#publishers.add(publisher);
    const info = inner.streams.get(sdkPublisher.streamId);
    const stream = info === undefined ? undefined : this.#streamOf(info);
    if (stream !== undefined) publisher.attach(this, sdkPublisher, stream);
  }

  async #subscribe(subscriber: Subscriber, stream: Stream): Promise<void> {
    const inner = this.#need();
    if (!this.#streams.has(stream.streamId)) {
      subscriber.end('streamDestroyed');
      throw new OTError(
        'OT_STREAM_DESTROYED',
        'The stream ended before it could be subscribed to.',
        ExceptionCodes.UNABLE_TO_SUBSCRIBE,
      );
    }
    this.#subscribers.add(subscriber);
    try {
      subscriber.attach(await inner.subscribe(stream.streamId));
    } catch (err) {
      this.#subscribers.delete(subscriber);
      subscriber.end('subscribeFailed');
      throw err;
    }
  }

  #listen(inner: SdkSession): void {
    const on = <K extends keyof SdkEvents>(type: K, handler: (event: SdkEvents[K]) => void) => {
      inner.on(type, (event) => {
        if (this.#inner === inner) handler(event);
      });
    };
    on('connectionCreated', ({ connection: info }) => {
      const connection = new Connection(info);
      this.#connections.set(info.id, connection);
      this.#tellConnection('connectionCreated', connection);
    });
    on('connectionDestroyed', ({ connection: info, reason }) => this.#connectionLeft(info, otConnectionReason(reason)));
    on('streamCreated', ({ stream: info, local }) => {
      const stream = this.#streamOf(info);
      if (!local) this.dispatch(createEvent('streamCreated', this, { stream }));
    });
    on('streamDestroyed', ({ stream: info, reason, local }) => {
      const stream = this.#streamOf(info);
      this.#streams.delete(info.id);
      if (local) return this.#publisherOf(info.id)?.streamEnded(otStreamReason(reason, true, 'networkDisconnected'));
      if (reason !== 'connectionClosed') return this.#streamEnded(stream, otStreamReason(reason, false));
      const held = this.#endedWithConnection.get(info.connectionId) ?? [];
      this.#endedWithConnection.set(info.connectionId, [...held, stream]);
    });
    on('streamPropertyChanged', ({ stream: info, property, oldValue, newValue }) => {
      const stream = this.#streamOf(info);
      stream[property] = newValue;
      if (property === 'hasVideo') for (const s of this.getSubscribersForStream(stream)) s.publisherVideo(newValue);
      this.dispatch(
        createEvent('streamPropertyChanged', this, { stream, changedProperty: property, oldValue, newValue }),
      );
    });
    on('signal', ({ type, data, from }) => {
      const event = createEvent(type === '' ? 'signal' : `signal:${type}`, this, {
        data,
        from: from === null ? null : this.#connectionOf(from.id),
      }) as SignalEvent<Session>;
      this.dispatch(event, undefined, 'signal');
      if (type !== '') this.dispatch(event);
    });
    on('muteForced', ({ streamId }) => this.#publisherOf(streamId)?.muteForced());
    on('forceMuteChanged', ({ active }) => this.dispatch(createEvent('muteForced', this, { active })));
    on('reconnecting', () => this.dispatch(createEvent('sessionReconnecting', this, {})));
    on('reconnected', ({ resumed }) => {
      if (!resumed) {
        this.connection = new Connection(inner.connection);
        this.capabilities.set(inner.capabilities);
      }
      this.dispatch(createEvent('sessionReconnected', this, {}));
    });
    on('exception', ({ error, streamId }) =>
      otExceptions.negotiationFailed(error, this.#publisherOf(streamId) !== undefined),
    );
    on('disconnected', (event) => this.#closed(event.reason, event.code, event.message));
  }

  #publisherOf(streamId: string): Publisher | undefined {
    return [...this.#publishers].find((p) => p.stream?.streamId === streamId);
  }

  #connectionLeft(info: ConnectionInfo, reason: OTDisconnectReason): void {
    const connection = this.#connectionOf(info.id);
    for (const stream of this.#endedWithConnection.get(info.id) ?? []) this.#streamEnded(stream, reason);
    this.#endedWithConnection.delete(info.id);
    this.#connections.delete(info.id);
    this.#tellConnection('connectionDestroyed', connection, reason);
  }

  /** A remote stream ended: by default its Subscribers are destroyed. */
  #streamEnded(stream: Stream, reason: ReturnType<typeof otStreamReason>): void {
    const subscribers = this.getSubscribersForStream(stream);
    for (const subscriber of subscribers) this.#subscribers.delete(subscriber);
    // preventDefault keeps the elements (the page removes them); the subscriptions end with the stream anyway.
    this.dispatch(createEvent('streamDestroyed', this, { stream, reason }, true), () => {
      for (const subscriber of subscribers) subscriber.end(reason);
    });
  }

  #closed(
    stagepassReason: Parameters<typeof otSessionReason>[0],
    code: SessionDisconnectEvent<Session>['code'],
    message: string,
  ): void {
    const reason = otSessionReason(stagepassReason);
    // The gateway tells connectionDestroyed right after the streams ended with it: none is left unless this socket closed in between.
    for (const streams of this.#endedWithConnection.values())
      for (const stream of streams) this.#streamEnded(stream, 'clientDisconnected');
    this.#endedWithConnection.clear();
    for (const publisher of [...this.#publishers]) publisher.streamEnded(reason);
    this.#publishers.clear();
    this.#inner = undefined;
    this.#connections.clear();
    this.#streams.clear();
    this.capabilities.set(null);
    const event = createEvent('sessionDisconnected', this, { reason, stagepassReason, code, message }, true);
    this.dispatch(event, () => {
      for (const subscriber of [...this.#subscribers]) subscriber.end(reason);
      this.#subscribers.clear();
    });
  }
}

function idOf(connection: Connection | string): string {
  return typeof connection === 'string' ? connection : connection?.connectionId;
}

function streamIdOf(stream: Stream | string): string {
  return typeof stream === 'string' ? stream : stream?.streamId;
}

function publisherOf(first: unknown, second: unknown, third: unknown): { publisher: Publisher; done: unknown } {
  if (first instanceof Publisher) return { publisher: first, done: second };
  if (typeof second === 'function') return { publisher: initPublisher(first as string), done: second };
  return { publisher: initPublisher(first as string, (second ?? {}) as PublisherProperties), done: third };
}

function subscribeArgs(
  target: unknown,
  properties: unknown,
  done: unknown,
): { target: HTMLElement | string | undefined; properties: SubscriberProperties; done: unknown } {
  if (typeof target === 'function') return { target: undefined, properties: {}, done: target };
  if (typeof properties === 'function') return { target: target as string, properties: {}, done: properties };
  return { target: target as string, properties: (properties ?? {}) as SubscriberProperties, done };
}
