import {
  StagepassError,
  type Capability,
  type ClientRequest,
  type ConnectionDestroyedReason,
  type EpochMilliseconds,
  type Milliseconds,
  type WebRtcMessage,
} from '@stagepass/protocol';
import type { Revocation } from '../registry/app-registry.js';
import type { IceServersFor } from '../ice/ice-servers.js';
import { authorize } from './authorize.js';
import { ackReply, errorReply } from './replies.js';
import { deliverEvents, type EventTargets } from './deliver-events.js';
import { createLocalBus } from './local-bus.js';
import { createModeMediaRouter, createRelayMediaRouter, type MediaRouter } from './media-router.js';
import { createRoutedMediaRouter } from '../media/routed-media-router.js';
import { createWeriftEngine } from '../media/werift-engine.js';
import type { MediaCounts, StreamCountsTable } from '../media/forwarding-gate.js';
import type { SessionBus } from './local-bus.js';
import { sessionChangedBy, type ConnectionRecord, type SessionEvent, type SessionRecord } from './session-events.js';
import type { ExportedConnection, SessionExport } from './session-export.js';
import { SessionState, notFound } from './session-state.js';
import type {
  AdmittedClient,
  BackendSignal,
  Peer,
  ResumeRequest,
  SessionEvents,
  SessionService,
  LayoutClassListChange,
  SessionSnapshot,
} from './session-service.js';

/**
 * How one node's routed media is set up: the gateway's `rtcPorts`, `announcedIp` and `mediaStallMs`, and the
 * counts its `/metrics` shows. A gateway hands these to a `sessions` factory (`SessionServiceContext.media`), to be
 * given to the node's session core as they are (`createRedisSessionService({ ...context.media })`).
 */
export interface NodeMediaOptions {
  /** Routed media's packet counts of this node (received, forwarded, dropped by policy, per kind), for `/metrics`. */
  readonly mediaCounts?: MediaCounts;
  /** Routed media: the UDP ports of this node's PeerConnections, `[first, last]`. Default: any. */
  readonly rtcPorts?: readonly [number, number];
  /** Routed media: the address in this node's ICE candidates instead of its own (behind 1:1 NAT). Default: none. */
  readonly announcedIp?: string;
  /** The same counts per live routed stream, for `/metrics`' per-stream series (up to the table's `max`). Default none. */
  readonly streamMediaCounts?: StreamCountsTable;
  /** Routed media: no packets to a subscriber silent (no RTCP) this long, until it is back. Default 5000; 0 never. */
  readonly mediaStallMs?: number;
}

export interface MemorySessionServiceOptions extends NodeMediaOptions {
  readonly events?: SessionEvents;
  /** The clock (tests move it). Default Date.now. */
  readonly now?: () => EpochMilliseconds;
  /** How long a session created through the API waits for its first connection. Default 24 h. */
  readonly idleSessionTtlMs?: Milliseconds;
  /**
   * Where media goes, given this node's bus. Default {@link createDefaultMediaRouter}: relayed
   * sessions peer to peer, routed sessions through this node (werift).
   */
  readonly mediaRouter?: (bus: SessionBus) => MediaRouter;
  /** Streams one connection may have at once. Default 8; a publish past it is refused ERR_TOO_MANY_STREAMS. */
  readonly maxStreamsPerConnection?: number;
  /** Streams one session may have at once. Default 250; a publish past it is refused ERR_TOO_MANY_STREAMS. */
  readonly maxStreamsPerSession?: number;
  /** Each connection's `iceServers` in its `connected`/`resumed` (the gateway's iceServers/turnSecret). Default: `[]`. */
  readonly iceServers?: IceServersFor;
  /**
   * Told (synchronously, after the change's events were delivered) each time a session's state changed:
   * a member, stream, subscription, property, layout or force mute; not for signals. Cluster mode keeps a
   * copy of the session's state in Redis with it (docs/cluster.md "Node death"). Default: nobody.
   */
  readonly onSessionChanged?: (appId: string, sessionId: string) => void;
}

/** An ack's result: the ID a publish or subscribe created; {} otherwise. */
type AckResult = Readonly<Record<string, unknown>>;
const EMPTY_RESULT: AckResult = Object.freeze({});
const NO_EVENTS: readonly SessionEvent[] = Object.freeze([]);
const NONE: readonly never[] = Object.freeze([]);
const NO_ICE_SERVERS: IceServersFor = () => NONE;

function invalidMessage(message: string): StagepassError {
  return new StagepassError('ERR_MESSAGE_INVALID', message);
}

/** What a request did: its ack's result (null: no ack, its connection is gone), its events, a relay. */
interface Outcome {
  readonly result: AckResult | null;
  readonly events: readonly SessionEvent[];
  /** What a `webrtc` message does, after its ack: hand it to the media router. */
  readonly route?: () => void;
}

function done(events: readonly SessionEvent[]): Outcome {
  return { result: EMPTY_RESULT, events };
}

/**
 * Sessions of one gateway node, in memory: the {@link SessionState}, {@link authorize}
 * in front of it, its domain events delivered through the in-process {@link createLocalBus} bus and
 * told to the media router. Every operation does its work synchronously inside the call (an async
 * one returns an already settled promise), so two operations never interleave: a session changes
 * one event at a time, and every client sees events in one order (the ordering contract of
 * {@link SessionService}).
 *
 * @example
 * ```ts
 * const sessions = createMemorySessionService({ events: { onCapabilityDenied: (capability) => denied.inc({ capability }) } });
 * const connectionId = await sessions.join(admittedClient, peer);
 * ```
 */
export function createMemorySessionService(options: MemorySessionServiceOptions = {}): SessionService {
  return new MemorySessionService(options);
}

/**
 * The media router of a node: relayed sessions' negotiation relayed peer to peer, routed sessions'
 * media through this node's werift forwarder (loaded at the first routed stream).
 */
export function createDefaultMediaRouter(
  bus: SessionBus,
  events: SessionEvents = {},
  media: NodeMediaOptions = {},
): MediaRouter {
  const { mediaCounts: counts, streamMediaCounts: streamCounts, rtcPorts, announcedIp } = media;
  const stallAfterMs = media.mediaStallMs;
  return createModeMediaRouter(
    createRelayMediaRouter(bus),
    createRoutedMediaRouter(bus, {
      engine: createWeriftEngine({
        ...(rtcPorts === undefined ? {} : { portRange: rtcPorts }),
        ...(announcedIp === undefined ? {} : { announcedIp }),
      }),
      ...(counts === undefined ? {} : { counts }),
      ...(stallAfterMs === undefined ? {} : { stallAfterMs }),
      ...(streamCounts === undefined ? {} : { streamCounts }),
      onError: (err, where) => events.onMediaError?.(err, where),
    }),
  );
}

/** {@link createMemorySessionService}'s service. */
export class MemorySessionService implements SessionService {
  private readonly events: SessionEvents;
  private readonly state: SessionState;
  private readonly bus: SessionBus;
  private readonly router: MediaRouter;
  private readonly targets: EventTargets;
  private readonly sweeper: NodeJS.Timeout;
  private readonly onChanged: ((appId: string, sessionId: string) => void) | undefined;

  constructor(options: MemorySessionServiceOptions = {}) {
    this.events = options.events ?? {};
    this.onChanged = options.onSessionChanged;
    const idleSessionTtlMs = options.idleSessionTtlMs ?? 24 * 60 * 60 * 1000;
    const state = new SessionState({
      now: options.now ?? Date.now,
      maxStreamsPerConnection: options.maxStreamsPerConnection,
      maxStreamsPerSession: options.maxStreamsPerSession,
    });
    this.state = state;
    this.bus = createLocalBus();
    this.router = (options.mediaRouter ?? ((bus) => createDefaultMediaRouter(bus, this.events, options)))(this.bus);
    this.targets = {
      bus: this.bus,
      router: this.router,
      isLive: (connection) => state.isLive(connection),
      iceServers: options.iceServers ?? NO_ICE_SERVERS,
    };
    this.sweeper = setInterval(() => state.sweepIdleSessions(idleSessionTtlMs), 60_000);
    this.sweeper.unref();
  }

  private deliver(happened: readonly SessionEvent[]): void {
    deliverEvents(happened, this.targets);
    if (this.onChanged === undefined) return;
    let told: SessionRecord | undefined;
    for (const event of happened) {
      const session = sessionChangedBy(event);
      if (session === undefined || session === told) continue;
      told = session;
      this.onChanged(session.appId, session.sessionId);
    }
  }

  private ack(connection: ConnectionRecord, id: number | undefined, result: AckResult): void {
    if (id !== undefined) this.bus.toConnection(connection, ackReply(id, result));
  }
  /**
   * Acts on one authorised request: changes the state and returns the ack's result and the events
   * it caused, not yet delivered (the ack goes first: docs/protocol.md "Requests and replies").
   * Throws a StagepassError to refuse it, before changing anything.
   */
  private act(connection: ConnectionRecord, request: ClientRequest): Outcome {
    const session = connection.session;
    const state = this.state;
    switch (request.type) {
      case 'publish': {
        const { stream, events } = state.publish(connection, request);
        return { result: { streamId: stream.id }, events };
      }
      case 'unpublish':
        return done(state.destroyStream(state.ownStream(connection, request.streamId), 'unpublished'));
      case 'setStreamProperty':
        return done(
          state.setStreamProperty(state.ownStream(connection, request.streamId), request.property, request.value),
        );
      case 'subscribe': {
        const { subscription, events } = state.subscribe(connection, state.stream(session, request.streamId));
        return { result: { subscriptionId: subscription.id }, events };
      }
      case 'unsubscribe':
        return done(state.unsubscribe(state.ownSubscription(connection, request.subscriptionId)));
      case 'webrtc':
        return { result: EMPTY_RESULT, events: NO_EVENTS, route: this.routeOf(connection, request) };
      case 'signal':
        return done(state.signal(session, connection.id, request));
      case 'forceDisconnect': {
        const target = state.member(session, request.connectionId);
        // Its own connection: the close (4100) is the answer, no ack (the connection is gone).
        return { result: target === connection ? null : EMPTY_RESULT, events: state.forceDisconnect(target) };
      }
      case 'forceUnpublish':
        return done(state.destroyStream(state.stream(session, request.streamId), 'forceUnpublished'));
      case 'forceMuteStream':
        return done(state.forceMuteStream(state.stream(session, request.streamId)));
      case 'forceMuteAll':
        return done(state.forceMuteAll(session, request.excludedStreamIds ?? []));
      case 'disableForceMute':
        return done(state.disableForceMute(session));
    }
  }

  /**
   * Where a `webrtc` request goes, checked before its ack (docs/protocol.md "Routed media"):
   * relayed, either end of a subscription; routed, only its subscriber (answer, candidate) and, for
   * a stream's upload, only its publisher (offer, candidate).
   */
  private routeOf(connection: ConnectionRecord, request: WebRtcMessage): () => void {
    const routed = connection.session.mediaMode === 'routed';
    const { kind, payload } = request;
    if (request.streamId !== undefined) {
      if (!routed) throw invalidMessage('webrtc with a streamId is for routed sessions: this session is relayed.');
      const stream = this.state.ownStream(connection, request.streamId);
      if (kind === 'answer') throw invalidMessage("a stream's upload takes an offer and candidates, not an answer.");
      return () => this.router.negotiateUpload(stream, { kind, payload });
    }
    const subscription = this.state.subscriptionOf(connection, request.subscriptionId);
    if (routed) {
      // In a routed session the publisher is no end of a subscription: the gateway is.
      if (connection !== subscription.subscriber) throw notFound('subscription of yours (as its subscriber)');
      if (kind === 'offer') throw invalidMessage('in a routed session the gateway offers: send an answer.');
    }
    return () => this.router.negotiate(connection, subscription, { kind, payload });
  }

  private refuse(
    connection: ConnectionRecord,
    id: number | undefined,
    err: StagepassError,
    capability?: Capability,
  ): void {
    this.bus.toConnection(connection, errorReply(id ?? null, err, capability));
  }

  /** The session; a missing one reads as a missing `what` (REST: a stream's 404 names the stream). */
  private existing(appId: string, sessionId: string, what = 'session') {
    const session = this.state.session(appId, sessionId);
    if (session === undefined) throw notFound(what);
    return session;
  }

  /** Whether this node holds the session (cluster mode: it owns it). Synchronous, no side effect. */
  hasSession(appId: string, sessionId: string): boolean {
    return this.state.session(appId, sessionId) !== undefined;
  }

  async join(client: AdmittedClient, peer: Peer): Promise<string> {
    const { connection, events: happened } = this.state.join(client, peer);
    this.deliver(happened);
    return connection.id;
  }

  suspend(connectionId: string): boolean {
    const connection = this.state.connection(connectionId);
    return connection !== undefined && this.state.suspend(connection);
  }

  async resume(request: ResumeRequest, peer: Peer): Promise<AdmittedClient> {
    const { appId, sessionId, connectionId, resumeSecret } = request;
    const { connection, events: happened } = this.state.resume(appId, sessionId, connectionId, resumeSecret, peer);
    this.deliver(happened);
    return connection.client;
  }

  leave(connectionId: string, reason: ConnectionDestroyedReason): void {
    const connection = this.state.connection(connectionId);
    if (connection !== undefined) this.deliver(this.state.leave(connection, reason));
    else this.state.forget(connectionId);
  }

  handle(connectionId: string, request: ClientRequest): void {
    const connection = this.state.connection(connectionId);
    if (connection === undefined) return;
    const capability = authorize(connection.client, request);
    if (capability !== null) {
      this.events.onCapabilityDenied?.(capability, connection.client.role, request.type);
      this.refuse(
        connection,
        request.id,
        new StagepassError(
          'ERR_CAPABILITY_DENIED',
          `The ${connection.client.role} role may not ${request.type} (capability ${capability}).`,
        ),
        capability,
      );
      return;
    }
    let outcome: Outcome;
    try {
      outcome = this.act(connection, request);
    } catch (err) {
      if (!(err instanceof StagepassError)) throw err;
      this.refuse(connection, request.id, err);
      return;
    }
    // The reply first, then what the request caused: a client knows the IDs its events name.
    if (outcome.result !== null) this.ack(connection, request.id, outcome.result);
    this.deliver(outcome.events);
    outcome.route?.();
  }

  async createSession(appId: string, sessionId?: string): Promise<SessionSnapshot> {
    return this.state.snapshot(this.state.openSession(appId, sessionId));
  }

  async getSession(appId: string, sessionId: string): Promise<SessionSnapshot | undefined> {
    const session = this.state.session(appId, sessionId);
    return session === undefined ? undefined : this.state.snapshot(session);
  }

  async forceDisconnect(appId: string, sessionId: string, connectionId: string): Promise<void> {
    const connection = this.state.session(appId, sessionId)?.connections.get(connectionId);
    if (connection === undefined) throw notFound('connection');
    this.deliver(this.state.forceDisconnect(connection));
  }

  async forceUnpublish(appId: string, sessionId: string, streamId: string): Promise<void> {
    this.deliver(
      this.state.destroyStream(
        this.state.stream(this.existing(appId, sessionId, 'stream'), streamId),
        'forceUnpublished',
      ),
    );
  }

  async forceMuteStream(appId: string, sessionId: string, streamId: string): Promise<void> {
    this.deliver(this.state.forceMuteStream(this.state.stream(this.existing(appId, sessionId, 'stream'), streamId)));
  }

  async forceMuteAll(appId: string, sessionId: string, excludedStreamIds: readonly string[]): Promise<void> {
    this.deliver(this.state.forceMuteAll(this.existing(appId, sessionId), excludedStreamIds));
  }

  async disableForceMute(appId: string, sessionId: string): Promise<void> {
    this.deliver(this.state.disableForceMute(this.existing(appId, sessionId)));
  }

  async signal(appId: string, sessionId: string, signal: BackendSignal): Promise<void> {
    this.deliver(this.state.signal(this.existing(appId, sessionId), null, signal));
  }

  async setLayoutClassLists(
    appId: string,
    sessionId: string,
    changes: readonly LayoutClassListChange[],
  ): Promise<void> {
    this.state.setLayoutClassLists(this.existing(appId, sessionId, 'stream'), changes);
    this.onChanged?.(appId, sessionId);
  }

  async disconnectRevoked(appId: string, revocation: Revocation): Promise<number> {
    // One connection at a time, each one's events delivered before the next is removed: the
    // others see exactly what they would if each had been revoked alone.
    const reached = this.state.reachedBy(appId, revocation);
    let count = 0;
    for (const connection of reached) {
      if (!this.state.isLive(connection)) continue;
      this.deliver(this.state.revoke(connection));
      count++;
    }
    return count;
  }

  stats(): { sessions: number; connections: number; streams: number } {
    return this.state.stats();
  }

  /** The session's state as data, or undefined when this node does not hold it. */
  exportSession(appId: string, sessionId: string): SessionExport | undefined {
    const session = this.state.session(appId, sessionId);
    return session === undefined ? undefined : this.state.exportSession(session);
  }

  /**
   * Rebuilds an exported session here (cluster mode: its owner died), telling nobody; `peerOf` gives each
   * connection's peer (undefined: suspended). Returns the IDs of the connections adopted.
   */
  adoptSession(exported: SessionExport, peerOf: (connection: ExportedConnection) => Peer | undefined): string[] {
    return this.state.adoptSession(exported, peerOf).map((c) => c.id);
  }

  /** Closes one session's sockets with `code` and forgets the session, telling nobody (cluster mode: it moved). */
  closeSession(appId: string, sessionId: string, code: number, reason: string): void {
    for (const connection of this.state.removeSession(appId, sessionId)) this.bus.close(connection, code, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.state.removeAll()) this.bus.close(connection, code, reason);
    this.router.close();
    clearInterval(this.sweeper);
  }
}
