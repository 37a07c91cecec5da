import {
  type SubscriberInfo,
  CLOSE_CODES,
  ERROR_CODES,
  StagepassError,
  type ConnectionDestroyedReason,
  type ConnectionInfo,
  type EpochMilliseconds,
  type Milliseconds,
  type PublishMessage,
  type StreamDestroyedReason,
  type StreamInfo,
  type StreamProperty,
  type VideoType,
} from '@stagepass/protocol';
import { timingSafeEqual } from 'node:crypto';
import { randomId, randomSecretBytes } from '@stagepass/token';
import type { Revocation } from '../registry/app-registry.js';
import { revocationReaches } from '../registry/revocation-reaches.js';
import { mediaModeOf } from './media-mode.js';
import type {
  ConnectionRecord,
  SessionEvent,
  SessionRecord,
  StreamRecord,
  SubscriptionRecord,
} from './session-events.js';
import type { AdmittedClient, Peer, SessionSnapshot } from './session-service.js';
import type { ExportedConnection, SessionExport } from './session-export.js';

// The mutable records behind the read-only views of session-events.ts.
interface Connection extends ConnectionRecord {
  readonly session: Session;
  /** Its socket's side, or {@link SUSPENDED} while its socket is away (the one state field resume needs). */
  peer: Peer;
  resumeSecret: Buffer;
  /** Its published streams; created at its first publish (most connections never publish). */
  streams: Set<Stream> | undefined;
  /** Subscriptions this connection holds as a subscriber; created at its first subscribe. */
  subscriptions: Set<Subscription> | undefined;
}

interface Stream extends StreamRecord {
  readonly connection: Connection;
  hasAudio: boolean;
  hasVideo: boolean;
  layoutClassList: readonly string[];
  readonly subscriptions: Set<Subscription>;
}

interface Subscription extends SubscriptionRecord {
  readonly stream: Stream;
  readonly subscriber: Connection;
}

interface Session extends SessionRecord {
  /** Its key in the state's map of sessions. */
  readonly key: string;
  readonly connections: Map<string, Connection>;
  readonly streams: Map<string, Stream>;
  forceMute: { readonly active: boolean; readonly excludedStreamIds: readonly string[] };
}

/** A session's force-mute state while none is on (replaced, never changed in place: shared). */
const NOT_MUTED: Session['forceMute'] = Object.freeze({ active: false, excludedStreamIds: Object.freeze([]) });

/** The close of a connection revoked by the app's backend. */
const REVOKED = Object.freeze({ code: ERROR_CODES.ERR_TOKEN_REVOKED.closeCode, reason: 'ERR_TOKEN_REVOKED' });
const FORCE_DISCONNECTED = Object.freeze({ code: CLOSE_CODES.forceDisconnected, reason: 'forceDisconnected' });

/**
 * The peer of a suspended connection (docs/protocol.md "Resume"): what the bus sends it is dropped,
 * the snapshot of `resumed` covers the state. Shared by every suspended connection.
 */
const SUSPENDED: Peer = Object.freeze({ send() {}, close() {} });

/** Bytes of a resume secret. */
const RESUME_SECRET_BYTES = 32;

/** A suspended connection the session side ended (moderation, revocation): its resume learns the close. */
interface Ended {
  readonly appId: string;
  readonly sessionId: string;
  readonly resumeSecret: Buffer;
  readonly close: { readonly code: number; readonly reason: string };
}

/** ERR_RESUME_REFUSED; with the close of a connection the session side ended while it was suspended. */
function refuseResume(close?: Ended['close']): StagepassError {
  if (close !== undefined) {
    return new StagepassError('ERR_RESUME_REFUSED', 'This connection was ended while its socket was away.', {
      details: { closeCode: close.code, closeReason: close.reason },
    });
  }
  return new StagepassError(
    'ERR_RESUME_REFUSED',
    'This connection cannot be resumed (it is gone, or not yours): join again with a fresh token.',
  );
}

/** Whether the presented base64url secret is `expected`, in constant time (a missing one compares too). */
function secretMatches(expected: Buffer | undefined, presented: string): boolean {
  const bytes = Buffer.from(presented, 'base64url');
  const against = expected ?? Buffer.alloc(RESUME_SECRET_BYTES);
  return bytes.length === against.length && timingSafeEqual(bytes, against) && expected !== undefined;
}

/** 96 random bits, 16 URL-safe characters, from a pooled CSPRNG buffer (not a syscall per ID). */
function newId(): string {
  return randomId(12);
}

function keyOf(appId: string, sessionId: string): string {
  return `${appId}\u0000${sessionId}`;
}

/**
 * ERR_NOT_FOUND for a `what` that is not there: a session is looked for in the app, everything else
 * (connection, stream, subscription) in the session.
 */
export function notFound(what: string): StagepassError {
  return new StagepassError(
    'ERR_NOT_FOUND',
    `No ${what} with that ID in this ${what === 'session' ? 'app' : 'session'}.`,
  );
}

export function streamInfo(stream: StreamRecord): StreamInfo {
  return {
    id: stream.id,
    connectionId: stream.connection.id,
    name: stream.name,
    hasAudio: stream.hasAudio,
    hasVideo: stream.hasVideo,
    videoType: stream.videoType,
    creationTime: stream.creationTime,
  };
}

/** Streams one connection may have at once, unless told otherwise (docs/protocol.md "Limits"). */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 8;
/** Streams one session may have at once: each is in every joiner's `connected`. */
export const DEFAULT_MAX_STREAMS_PER_SESSION = 250;

export interface SessionStateOptions {
  /** The wall clock (creation times). */
  readonly now: () => EpochMilliseconds;
  /** Default {@link DEFAULT_MAX_STREAMS_PER_CONNECTION}; a publish past it is ERR_TOO_MANY_STREAMS. */
  readonly maxStreamsPerConnection?: number;
  /** Default {@link DEFAULT_MAX_STREAMS_PER_SESSION}; a publish past it is ERR_TOO_MANY_STREAMS. */
  readonly maxStreamsPerSession?: number;
}

/**
 * The sessions of one node and every change to them. Each mutation changes the state and returns
 * the domain events it caused, in order; it never talks to a peer (the bus does, from the events).
 * Lookups throw StagepassError ERR_NOT_FOUND for IDs outside the given session; mutations throw
 * before changing anything when they refuse.
 */
export class SessionState {
  private readonly now: () => EpochMilliseconds;
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Map<string, Connection>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Suspended connections ended by the session side, until their window passes ({@link forget}). */
  private readonly ended = new Map<string, Ended>();
  private streamCount = 0;
  private readonly maxStreamsPerConnection: number;
  private readonly maxStreamsPerSession: number;

  constructor(options: SessionStateOptions) {
    this.now = options.now;
    this.maxStreamsPerConnection = options.maxStreamsPerConnection ?? DEFAULT_MAX_STREAMS_PER_CONNECTION;
    this.maxStreamsPerSession = options.maxStreamsPerSession ?? DEFAULT_MAX_STREAMS_PER_SESSION;
  }

  private openOrCreate(appId: string, sessionId: string): Session {
    const key = keyOf(appId, sessionId);
    let session = this.sessions.get(key);
    if (session === undefined) {
      session = {
        key,
        appId,
        sessionId,
        createdAt: this.now(),
        mediaMode: mediaModeOf(sessionId),
        connections: new Map(),
        streams: new Map(),
        forceMute: NOT_MUTED,
      };
      this.sessions.set(key, session);
    }
    return session;
  }
  private dropIfEmpty(session: Session): void {
    if (session.connections.size === 0) this.sessions.delete(session.key);
  }

  // ---------------------------------------------------------------- changes (push their events to `out`)

  private endSubscription(subscription: Subscription, notifySubscriber: boolean, out: SessionEvent[]): void {
    this.subscriptions.delete(subscription.id);
    subscription.stream.subscriptions.delete(subscription);
    subscription.subscriber.subscriptions?.delete(subscription);
    out.push({ type: 'subscriptionEnded', subscription, notifySubscriber });
  }

  private destroy(stream: Stream, reason: StreamDestroyedReason, out: SessionEvent[]): void {
    for (const subscription of [...stream.subscriptions]) this.endSubscription(subscription, true, out);
    stream.connection.session.streams.delete(stream.id);
    stream.connection.streams?.delete(stream);
    this.streamCount--;
    out.push({ type: 'streamDestroyed', stream, reason });
  }

  private mute(stream: Stream, out: SessionEvent[]): void {
    if (!stream.hasAudio) return;
    stream.hasAudio = false;
    out.push({
      type: 'streamPropertyChanged',
      stream,
      property: 'hasAudio',
      oldValue: true,
      newValue: false,
      reason: 'forceMuted',
    });
    out.push({ type: 'muteForced', stream });
  }

  /** Removes a connection; `out` null: silently (shutdown), nobody is told. */
  private remove(
    connection: Connection,
    reason: ConnectionDestroyedReason,
    close: { code: number; reason: string } | null,
    out: SessionEvent[] | null,
  ): void {
    if (!this.connections.delete(connection.id)) return;
    const session = connection.session;
    const scratch: SessionEvent[] = out ?? [];
    if (connection.subscriptions !== undefined) {
      for (const subscription of [...connection.subscriptions]) this.endSubscription(subscription, false, scratch);
    }
    session.connections.delete(connection.id);
    for (const stream of connection.streams === undefined ? [] : [...connection.streams])
      this.destroy(stream, 'connectionClosed', scratch);
    if (out !== null) out.push({ type: 'connectionLeft', connection, reason, close });
    if (close !== null && connection.peer === SUSPENDED) {
      const { appId, sessionId } = connection.client;
      this.ended.set(connection.id, { appId, sessionId, resumeSecret: connection.resumeSecret, close });
    }
    this.dropIfEmpty(session);
  }

  // ---------------------------------------------------------------- the state's operations

  /** The session, or undefined. */
  session(appId: string, sessionId: string): SessionRecord | undefined {
    return this.sessions.get(keyOf(appId, sessionId));
  }
  /** The session, created (empty, with no events) when missing. */
  openSession(appId: string, sessionId?: string): SessionRecord {
    return this.openOrCreate(appId, sessionId ?? newId());
  }
  /** A live connection by ID, or undefined. */
  connection(connectionId: string): ConnectionRecord | undefined {
    return this.connections.get(connectionId);
  }
  isLive(connection: ConnectionRecord): boolean {
    return this.connections.get(connection.id) === connection;
  }

  // Lookups within one session (the session boundary: another session's IDs are unknown here).
  stream(session: SessionRecord, streamId: string): StreamRecord {
    const found = session.streams.get(streamId);
    if (found === undefined) throw notFound('stream');
    return found;
  }
  ownStream(connection: ConnectionRecord, streamId: string): StreamRecord {
    const found = connection.session.streams.get(streamId);
    if (found === undefined || found.connection !== connection) throw notFound('stream of yours');
    return found;
  }
  member(session: SessionRecord, connectionId: string): ConnectionRecord {
    const found = session.connections.get(connectionId);
    if (found === undefined) throw notFound('connection');
    return found;
  }
  /** A subscription the connection holds as subscriber. */
  ownSubscription(connection: ConnectionRecord, subscriptionId: string): SubscriptionRecord {
    const found = this.subscriptions.get(subscriptionId);
    if (found === undefined || found.subscriber !== connection) throw notFound('subscription of yours');
    return found;
  }
  /** A subscription the connection is either end of. */
  subscriptionOf(connection: ConnectionRecord, subscriptionId: string): SubscriptionRecord {
    const found = this.subscriptions.get(subscriptionId);
    if (found === undefined || (connection !== found.subscriber && connection !== found.stream.connection)) {
      throw notFound('subscription of yours (as its subscriber or publisher)');
    }
    return found;
  }

  /** Adds a client (ERR_SESSION_FULL past its limit). */
  join(client: AdmittedClient, peer: Peer): { connection: ConnectionRecord; events: SessionEvent[] } {
    const session = this.openOrCreate(client.appId, client.sessionId);
    if (session.connections.size >= client.maxConnectionsPerSession) {
      this.dropIfEmpty(session);
      throw new StagepassError(
        'ERR_SESSION_FULL',
        `The session already has ${session.connections.size} this.connections, the most this app allows.`,
      );
    }
    const id = newId();
    const info: ConnectionInfo = { id, creationTime: this.now(), data: client.data };
    const connection: Connection = {
      id,
      client,
      peer,
      session,
      info,
      resumeSecret: randomSecretBytes(RESUME_SECRET_BYTES),
      streams: undefined,
      subscriptions: undefined,
    };
    session.connections.set(id, connection);
    this.connections.set(id, connection);
    return { connection, events: [{ type: 'connectionJoined', connection }] };
  }

  /**
   * Its socket dropped: it stays, with its streams and subscriptions, and what is sent to it is
   * dropped until it is resumed or leaves. False when it is not live or already suspended.
   */
  suspend(connection: ConnectionRecord): boolean {
    const own = connection as Connection;
    if (!this.isLive(own) || own.peer === SUSPENDED) return false;
    own.peer = SUSPENDED;
    return true;
  }
  isSuspended(connection: ConnectionRecord): boolean {
    return connection.peer === SUSPENDED;
  }
  /**
   * Gives a connection a new socket, proved by its resume secret (compared in constant time); it gets a
   * new secret. ERR_RESUME_REFUSED, one answer for every reason: gone, another app's or session's, wrong secret.
   */
  resume(
    appId: string,
    sessionId: string,
    connectionId: string,
    secret: string,
    peer: Peer,
  ): { connection: ConnectionRecord; events: SessionEvent[] } {
    const found = this.connections.get(connectionId);
    if (found === undefined) {
      const ended = this.ended.get(connectionId);
      if (secretMatches(ended?.resumeSecret, secret) && ended!.appId === appId && ended!.sessionId === sessionId) {
        this.ended.delete(connectionId);
        throw refuseResume(ended!.close);
      }
      throw refuseResume();
    }
    if (
      !secretMatches(found.resumeSecret, secret) ||
      found.client.appId !== appId ||
      found.client.sessionId !== sessionId
    )
      throw refuseResume();
    const replaced = found.peer === SUSPENDED ? null : found.peer;
    found.peer = peer;
    found.resumeSecret = randomSecretBytes(RESUME_SECRET_BYTES);
    const subscribers: SubscriberInfo[] = [];
    for (const stream of found.streams ?? []) {
      for (const subscription of stream.subscriptions) {
        subscribers.push({
          subscriptionId: subscription.id,
          streamId: stream.id,
          connectionId: subscription.subscriber.id,
        });
      }
    }
    return { connection: found, events: [{ type: 'connectionResumed', connection: found, subscribers, replaced }] };
  }

  /** Its resume window passed: nothing of the connection is kept, not even why it ended. */
  forget(connectionId: string): void {
    this.ended.delete(connectionId);
  }

  /** The connection leaves (its client closed, the network failed, its token expired…); its socket is the transport's. */
  leave(connection: ConnectionRecord, reason: ConnectionDestroyedReason): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.remove(connection as Connection, reason, null, out);
    return out;
  }
  /** A moderator or the app's backend removes it; its socket is closed 4100 forceDisconnected. */
  forceDisconnect(connection: ConnectionRecord): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.remove(connection as Connection, 'forceDisconnected', FORCE_DISCONNECTED, out);
    return out;
  }
  /** The live connections of the app a revocation reaches ({@link revocationReaches}). */
  reachedBy(appId: string, revocation: Revocation): ConnectionRecord[] {
    const reached: ConnectionRecord[] = [];
    for (const connection of this.connections.values()) {
      if (connection.client.appId === appId && revocationReaches(revocation, connection.client))
        reached.push(connection);
    }
    return reached;
  }
  /** A revoked connection is removed; the others see forceDisconnected, its socket is closed 4014. */
  revoke(connection: ConnectionRecord): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.remove(connection as Connection, 'forceDisconnected', REVOKED, out);
    return out;
  }
  /** Shutdown: every connection removed with no events; returns them (their peers are to be closed). */
  /** Removes one session's connections silently (cluster mode: another node owns it now); returns them. */
  removeSession(appId: string, sessionId: string): ConnectionRecord[] {
    const all = [...(this.sessions.get(keyOf(appId, sessionId))?.connections.values() ?? [])];
    for (const connection of all) this.remove(connection, 'networkDisconnected', null, null);
    return all;
  }

  removeAll(): ConnectionRecord[] {
    const all = [...this.connections.values()];
    for (const connection of all) this.remove(connection, 'networkDisconnected', null, null);
    return all;
  }

  publish(
    connection: ConnectionRecord,
    request: Pick<PublishMessage, 'name' | 'hasAudio' | 'hasVideo' | 'videoType'>,
  ): { stream: StreamRecord; events: SessionEvent[] } {
    const owner = connection as Connection;
    const session = owner.session;
    // Bounded, or a few publishers make every joiner's `connected` megabytes long.
    if ((owner.streams?.size ?? 0) >= this.maxStreamsPerConnection)
      throw new StagepassError(
        'ERR_TOO_MANY_STREAMS',
        `This connection already has ${this.maxStreamsPerConnection} streams, the most the gateway allows (maxStreamsPerConnection).`,
      );
    if (session.streams.size >= this.maxStreamsPerSession)
      throw new StagepassError(
        'ERR_TOO_MANY_STREAMS',
        `This session already has ${this.maxStreamsPerSession} streams, the most the gateway allows (maxStreamsPerSession).`,
      );
    const muted = session.forceMute.active && request.hasAudio;
    const videoType: VideoType = request.videoType ?? 'camera';
    const stream: Stream = {
      id: newId(),
      connection: owner,
      name: request.name ?? '',
      hasAudio: request.hasAudio && !muted,
      hasVideo: request.hasVideo,
      videoType,
      creationTime: this.now(),
      layoutClassList: owner.client.initialLayoutClassList ?? [],
      subscriptions: new Set(),
    };
    session.streams.set(stream.id, stream);
    (owner.streams ??= new Set()).add(stream);
    this.streamCount++;
    const events: SessionEvent[] = [{ type: 'streamPublished', stream }];
    if (muted) events.push({ type: 'muteForced', stream });
    return { stream, events };
  }
  destroyStream(stream: StreamRecord, reason: StreamDestroyedReason): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.destroy(stream as Stream, reason, out);
    return out;
  }
  setStreamProperty(stream: StreamRecord, property: StreamProperty, value: boolean): SessionEvent[] {
    const own = stream as Stream;
    const oldValue = own[property];
    if (oldValue === value) return [];
    own[property] = value;
    return [{ type: 'streamPropertyChanged', stream, property, oldValue, newValue: value, reason: 'publisher' }];
  }
  subscribe(
    connection: ConnectionRecord,
    stream: StreamRecord,
  ): { subscription: SubscriptionRecord; events: SessionEvent[] } {
    const subscriber = connection as Connection;
    const subscribed = stream as Stream;
    // Subscribing again is answered with the subscription it has (nothing happens): a client that lost
    // its reply (a dropped socket) subscribes again safely, and each connection holds at most one
    // subscription per stream (so no more than the session has streams).
    for (const held of subscriber.subscriptions ?? []) {
      if (held.stream === subscribed) return { subscription: held, events: [] };
    }
    const subscription: Subscription = { id: newId(), stream: subscribed, subscriber };
    this.subscriptions.set(subscription.id, subscription);
    subscribed.subscriptions.add(subscription);
    (subscriber.subscriptions ??= new Set()).add(subscription);
    return { subscription, events: [{ type: 'subscriptionCreated', subscription }] };
  }
  unsubscribe(subscription: SubscriptionRecord): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.endSubscription(subscription as Subscription, true, out);
    return out;
  }

  /** Sets streams' layout classes: all or none (every stream is checked first). No client is told. */
  setLayoutClassLists(
    session: SessionRecord,
    items: readonly { readonly streamId: string; readonly layoutClassList: readonly string[] }[],
  ): void {
    const streams = items.map((item) => this.stream(session, item.streamId) as Stream);
    streams.forEach((stream, i) => {
      stream.layoutClassList = [...items[i]!.layoutClassList];
    });
  }

  forceMuteStream(stream: StreamRecord): SessionEvent[] {
    const out: SessionEvent[] = [];
    this.mute(stream as Stream, out);
    return out;
  }
  forceMuteAll(session: SessionRecord, excludedStreamIds: readonly string[]): SessionEvent[] {
    const muting = session as Session;
    const excluded = new Set(excludedStreamIds);
    muting.forceMute = { active: true, excludedStreamIds: [...excluded] };
    const out: SessionEvent[] = [];
    for (const stream of muting.streams.values()) if (!excluded.has(stream.id)) this.mute(stream, out);
    out.push({ type: 'forceMuteChanged', session, active: true, excludedStreamIds: [...excluded] });
    return out;
  }
  disableForceMute(session: SessionRecord): SessionEvent[] {
    (session as Session).forceMute = NOT_MUTED;
    return [{ type: 'forceMuteChanged', session, active: false, excludedStreamIds: [] }];
  }

  /** A signal to everyone (`to` undefined), one connection or a list; ERR_NOT_FOUND for an unknown recipient. */
  signal(
    session: SessionRecord,
    from: string | null,
    signal: { to?: string | readonly string[]; signalType?: string; data: string },
  ): SessionEvent[] {
    let to: ConnectionRecord[] | null = null;
    if (signal.to !== undefined) {
      const ids = typeof signal.to === 'string' ? [signal.to] : [...new Set(signal.to)];
      to = [];
      for (const id of ids) {
        const recipient = session.connections.get(id);
        if (recipient === undefined) throw notFound('connection');
        to.push(recipient);
      }
    }
    return [{ type: 'signalSent', session, from, to, signalType: signal.signalType ?? '', data: signal.data }];
  }

  snapshot(session: SessionRecord): SessionSnapshot {
    return {
      appId: session.appId,
      sessionId: session.sessionId,
      createdAt: session.createdAt,
      mediaMode: session.mediaMode,
      connections: [...session.connections.values()].map((c) => c.info),
      streams: [...session.streams.values()].map(streamInfo),
      layoutClassLists: Object.fromEntries([...session.streams.values()].map((s) => [s.id, [...s.layoutClassList]])),
      forceMute: { active: session.forceMute.active, excludedStreamIds: [...session.forceMute.excludedStreamIds] },
    };
  }

  /** The session's state as data (session-export.ts), to rebuild it on another node. */
  exportSession(session: SessionRecord): SessionExport {
    const own = session as Session;
    const connections = [...own.connections.values()];
    return {
      v: 1,
      appId: own.appId,
      sessionId: own.sessionId,
      createdAt: own.createdAt,
      forceMute: { active: own.forceMute.active, excludedStreamIds: [...own.forceMute.excludedStreamIds] },
      connections: connections.map((c) => ({
        id: c.id,
        client: c.client,
        creationTime: c.info.creationTime,
        resumeSecret: c.resumeSecret.toString('base64url'),
        suspended: c.peer === SUSPENDED,
      })),
      streams: [...own.streams.values()].map((s) => ({ ...streamInfo(s), layoutClassList: [...s.layoutClassList] })),
      subscriptions: connections.flatMap((c) =>
        [...(c.subscriptions ?? [])].map((sub) => ({ id: sub.id, streamId: sub.stream.id, subscriberId: c.id })),
      ),
    };
  }

  /**
   * Rebuilds an exported session here with its IDs, telling nobody (its members know it already). Each
   * connection gets the peer `peerOf` gives (undefined: suspended, its socket away). What would clash with
   * what is here (the session itself, a connection, subscription ID) is not adopted. Returns the connections.
   */
  adoptSession(exported: SessionExport, peerOf: (c: ExportedConnection) => Peer | undefined): ConnectionRecord[] {
    const { appId, sessionId } = exported;
    const key = keyOf(appId, sessionId);
    if (this.sessions.has(key)) return [];
    const muted = exported.forceMute;
    const session: Session = {
      key,
      appId,
      sessionId,
      createdAt: exported.createdAt,
      mediaMode: mediaModeOf(sessionId),
      connections: new Map(),
      streams: new Map(),
      forceMute: muted.active
        ? Object.freeze({ active: true, excludedStreamIds: Object.freeze([...muted.excludedStreamIds]) })
        : NOT_MUTED,
    };
    for (const c of exported.connections) {
      if (this.connections.has(c.id) || c.client.appId !== appId || c.client.sessionId !== sessionId) continue;
      const connection: Connection = {
        id: c.id,
        client: c.client,
        peer: peerOf(c) ?? SUSPENDED,
        session,
        info: { id: c.id, creationTime: c.creationTime, data: c.client.data },
        resumeSecret: Buffer.from(c.resumeSecret, 'base64url'),
        streams: undefined,
        subscriptions: undefined,
      };
      session.connections.set(c.id, connection);
      this.connections.set(c.id, connection);
    }
    this.adoptStreams(session, exported);
    this.sessions.set(key, session);
    return [...session.connections.values()];
  }

  private adoptStreams(session: Session, exported: SessionExport): void {
    for (const s of exported.streams) {
      const owner = session.connections.get(s.connectionId);
      if (owner === undefined || session.streams.has(s.id)) continue;
      const { connectionId: _, ...fields } = s;
      const stream: Stream = { ...fields, connection: owner, subscriptions: new Set() };
      session.streams.set(s.id, stream);
      (owner.streams ??= new Set()).add(stream);
      this.streamCount++;
    }
    for (const sub of exported.subscriptions) {
      const stream = session.streams.get(sub.streamId) as Stream | undefined;
      const subscriber = session.connections.get(sub.subscriberId);
      if (stream === undefined || subscriber === undefined || this.subscriptions.has(sub.id)) continue;
      const subscription: Subscription = { id: sub.id, stream, subscriber };
      this.subscriptions.set(sub.id, subscription);
      stream.subscriptions.add(subscription);
      (subscriber.subscriptions ??= new Set()).add(subscription);
    }
  }

  /** Forgets sessions with no connection created before `now() - ttlMs` (API-created, never joined). */
  sweepIdleSessions(ttlMs: Milliseconds): void {
    const oldest = this.now() - ttlMs;
    for (const [key, session] of this.sessions) {
      if (session.connections.size === 0 && session.createdAt < oldest) this.sessions.delete(key);
    }
  }
  stats(): { sessions: number; connections: number; streams: number } {
    return { sessions: this.sessions.size, connections: this.connections.size, streams: this.streamCount };
  }
}
