import {
  CLOSE_CODES, ERROR_CODES, PROTOCOL_VERSION, REQUEST_CAPABILITY, StagepassError,
  type AckMessage, type ClientRequest, type ConnectionDestroyedReason, type ConnectionInfo,
  type ErrorMessage, type ServerMessage, type StreamDestroyedReason, type StreamInfo, type VideoType,
} from '@stagepass/protocol';
import { randomId } from '@stagepass/token';
import type {
  AdmittedClient, BackendSignal, Peer, SessionEvents, SessionService, SessionSnapshot,
} from './session-service.js';
import { connectedText } from './connected-text.js';

export interface MemorySessionServiceOptions {
  readonly events?: SessionEvents;
  /** The clock, in milliseconds (tests move it). Default Date.now. */
  readonly now?: () => number;
  /** How long a session created through the API waits for its first connection. Default 24 h. */
  readonly idleSessionTtlMs?: number;
}

interface Connection {
  readonly id: string;
  readonly client: AdmittedClient;
  readonly peer: Peer;
  readonly session: Session;
  readonly info: ConnectionInfo;
  /** Its published streams; created at its first publish (most connections never publish). */
  streams: Set<Stream> | undefined;
  /** Subscriptions this connection holds as a subscriber; created at its first subscribe. */
  subscriptions: Set<Subscription> | undefined;
  ejectTimer: NodeJS.Timeout | undefined;
}

interface Stream {
  readonly id: string;
  readonly connection: Connection;
  readonly name: string;
  hasAudio: boolean;
  hasVideo: boolean;
  readonly videoType: VideoType;
  readonly creationTime: number;
  readonly subscriptions: Set<Subscription>;
}

interface Subscription {
  readonly id: string;
  readonly stream: Stream;
  readonly subscriber: Connection;
}

interface Session {
  /** Its key in the service's map of sessions. */
  readonly key: string;
  readonly appId: string;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly connections: Map<string, Connection>;
  readonly streams: Map<string, Stream>;
  forceMute: { active: boolean; excludedStreamIds: readonly string[] };
}

/** A session's force-mute state while none is on (replaced, never changed in place: shared). */
const NOT_MUTED: Session['forceMute'] = Object.freeze({ active: false, excludedStreamIds: Object.freeze([]) });

/** setTimeout's longest delay; token lifetimes (30 days) exceed it, so long waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** 96 random bits, 16 URL-safe characters, from a pooled CSPRNG buffer (not a syscall per ID). */
function newId(): string {
  return randomId(12);
}

function notFound(what: string): StagepassError {
  return new StagepassError('ERR_NOT_FOUND', `No ${what} with that ID in this session.`);
}

function streamInfo(stream: Stream): StreamInfo {
  return {
    id: stream.id, connectionId: stream.connection.id, name: stream.name, hasAudio: stream.hasAudio,
    hasVideo: stream.hasVideo, videoType: stream.videoType, creationTime: stream.creationTime,
  };
}

/**
 * Sessions of one gateway node, in memory. Every operation is synchronous, so two requests can
 * never interleave: a session's state changes one event at a time, and every client sees events
 * in one order. Each event is serialised once and the same text handed to every recipient.
 */
export function createMemorySessionService(options: MemorySessionServiceOptions = {}): SessionService {
  const events = options.events ?? {};
  const now = options.now ?? Date.now;
  const idleSessionTtlMs = options.idleSessionTtlMs ?? 24 * 60 * 60 * 1000;
  const sessions = new Map<string, Session>();
  const connections = new Map<string, Connection>();
  const subscriptions = new Map<string, Subscription>();
  let streamCount = 0;

  const keyOf = (appId: string, sessionId: string) => `${appId}\u0000${sessionId}`;

  function deliver(text: string, recipients: Iterable<Connection>): void {
    let count = 0;
    for (const connection of recipients) {
      connection.peer.send(text);
      count++;
    }
    if (count > 0) events.onMessagesOut?.(count);
  }
  function broadcast(session: Session, message: ServerMessage, except?: Connection): void {
    // Nobody to tell (a lone connection joining or leaving): skip serialising.
    const size = session.connections.size;
    if (size === 0 || (size === 1 && except !== undefined && session.connections.has(except.id))) return;
    const text = JSON.stringify(message);
    let count = 0;
    for (const connection of session.connections.values()) {
      if (connection === except) continue;
      connection.peer.send(text);
      count++;
    }
    if (count > 0) events.onMessagesOut?.(count);
  }
  function sendTo(connection: Connection, message: ServerMessage): void {
    connection.peer.send(JSON.stringify(message));
    events.onMessagesOut?.(1);
  }

  function sessionFor(appId: string, sessionId: string): Session | undefined {
    return sessions.get(keyOf(appId, sessionId));
  }
  function openSession(appId: string, sessionId: string): Session {
    const key = keyOf(appId, sessionId);
    let session = sessions.get(key);
    if (session === undefined) {
      session = {
        key, appId, sessionId, createdAt: now(), connections: new Map(), streams: new Map(),
        forceMute: NOT_MUTED,
      };
      sessions.set(key, session);
    }
    return session;
  }
  function dropIfEmpty(session: Session): void {
    if (session.connections.size === 0) sessions.delete(session.key);
  }
  function sweepIdleSessions(): void {
    const oldest = now() - idleSessionTtlMs;
    for (const [key, session] of sessions) {
      if (session.connections.size === 0 && session.createdAt < oldest) sessions.delete(key);
    }
  }

  function snapshot(session: Session): SessionSnapshot {
    return {
      appId: session.appId,
      sessionId: session.sessionId,
      createdAt: session.createdAt,
      connections: [...session.connections.values()].map((c) => c.info),
      streams: [...session.streams.values()].map(streamInfo),
      forceMute: { active: session.forceMute.active, excludedStreamIds: [...session.forceMute.excludedStreamIds] },
    };
  }

  // ------------------------------------------------------------------ state changes

  function endSubscription(subscription: Subscription, notifySubscriber: boolean): void {
    subscriptions.delete(subscription.id);
    subscription.stream.subscriptions.delete(subscription);
    subscription.subscriber.subscriptions?.delete(subscription);
    const text = JSON.stringify({ type: 'subscriberDestroyed', subscriptionId: subscription.id, streamId: subscription.stream.id } satisfies ServerMessage);
    const recipients = [subscription.stream.connection];
    if (notifySubscriber && subscription.subscriber !== subscription.stream.connection) recipients.push(subscription.subscriber);
    deliver(text, recipients.filter((c) => connections.has(c.id)));
  }

  function destroyStream(stream: Stream, reason: StreamDestroyedReason): void {
    const session = stream.connection.session;
    for (const subscription of [...stream.subscriptions]) endSubscription(subscription, true);
    session.streams.delete(stream.id);
    stream.connection.streams?.delete(stream);
    streamCount--;
    broadcast(session, { type: 'streamDestroyed', streamId: stream.id, reason });
  }

  function muteStream(stream: Stream): void {
    if (!stream.hasAudio) return;
    stream.hasAudio = false;
    broadcast(stream.connection.session, {
      type: 'streamPropertyChanged', streamId: stream.id, property: 'hasAudio', oldValue: true, newValue: false, reason: 'forceMuted',
    });
    sendTo(stream.connection, { type: 'muteForced', streamId: stream.id });
  }

  function muteAll(session: Session, excludedStreamIds: readonly string[]): void {
    const excluded = new Set(excludedStreamIds);
    session.forceMute = { active: true, excludedStreamIds: [...excluded] };
    for (const stream of session.streams.values()) if (!excluded.has(stream.id)) muteStream(stream);
    broadcast(session, { type: 'forceMuteChanged', active: true, excludedStreamIds: [...excluded] });
  }

  function unmuteAll(session: Session): void {
    session.forceMute = NOT_MUTED;
    broadcast(session, { type: 'forceMuteChanged', active: false, excludedStreamIds: [] });
  }

  function signalTo(session: Session, from: string | null, signal: { to?: string | readonly string[]; signalType?: string; data: string }): void {
    const message: ServerMessage = { type: 'signal', from, signalType: signal.signalType ?? '', data: signal.data };
    if (signal.to === undefined) {
      broadcast(session, message);
      return;
    }
    const ids = typeof signal.to === 'string' ? [signal.to] : [...new Set(signal.to)];
    const recipients = ids.map((id) => session.connections.get(id));
    if (recipients.some((c) => c === undefined)) throw notFound('connection');
    deliver(JSON.stringify(message), recipients as Connection[]);
  }

  function removeConnection(connection: Connection, reason: ConnectionDestroyedReason, notify: boolean): void {
    if (!connections.delete(connection.id)) return;
    if (connection.ejectTimer !== undefined) clearTimeout(connection.ejectTimer);
    const session = connection.session;
    if (connection.subscriptions !== undefined) {
      for (const subscription of [...connection.subscriptions]) endSubscription(subscription, false);
    }
    session.connections.delete(connection.id);
    for (const stream of connection.streams === undefined ? [] : [...connection.streams]) {
      if (notify) destroyStream(stream, 'connectionClosed');
      else {
        session.streams.delete(stream.id);
        streamCount--;
      }
    }
    if (notify) broadcast(session, { type: 'connectionDestroyed', connectionId: connection.id, reason });
    dropIfEmpty(session);
  }

  function kick(connection: Connection, code: number, reason: string, destroyedReason: ConnectionDestroyedReason): void {
    removeConnection(connection, destroyedReason, true);
    connection.peer.close(code, reason);
  }

  function scheduleEject(connection: Connection): void {
    const wait = connection.client.expireTime * 1000 - now();
    if (wait <= 0) {
      queueMicrotask(() => {
        if (connections.has(connection.id)) kick(connection, ERROR_CODES.ERR_TOKEN_EXPIRED.closeCode, 'ERR_TOKEN_EXPIRED', 'tokenExpired');
      });
      return;
    }
    connection.ejectTimer = setTimeout(() => scheduleEject(connection), Math.min(wait, MAX_TIMER_MS));
    connection.ejectTimer.unref();
  }

  // ------------------------------------------------------------------ requests

  function stream(connection: Connection, streamId: string): Stream {
    const found = connection.session.streams.get(streamId);
    if (found === undefined) throw notFound('stream');
    return found;
  }
  function ownStream(connection: Connection, streamId: string): Stream {
    const found = connection.session.streams.get(streamId);
    if (found === undefined || found.connection !== connection) throw notFound('stream of yours');
    return found;
  }
  function target(connection: Connection, connectionId: string): Connection {
    const found = connection.session.connections.get(connectionId);
    if (found === undefined) throw notFound('connection');
    return found;
  }

  /**
   * Acts on one request; returns the ack result (null when the ack was already sent, ahead of the
   * events it caused), or throws a StagepassError to refuse it.
   */
  function act(connection: Connection, request: ClientRequest): Record<string, unknown> | null {
    const session = connection.session;
    switch (request.type) {
      case 'publish': {
        const muted = session.forceMute.active && request.hasAudio;
        const created: Stream = {
          id: newId(), connection, name: request.name ?? '', hasAudio: request.hasAudio && !muted, hasVideo: request.hasVideo,
          videoType: request.videoType ?? 'camera', creationTime: now(), subscriptions: new Set(),
        };
        session.streams.set(created.id, created);
        (connection.streams ??= new Set()).add(created);
        streamCount++;
        // The ack (with the ID) reaches the publisher before its own streamCreated.
        if (request.id !== undefined) sendTo(connection, { type: 'ack', id: request.id, result: { streamId: created.id } });
        broadcast(session, { type: 'streamCreated', stream: streamInfo(created) });
        if (muted) sendTo(connection, { type: 'muteForced', streamId: created.id });
        return null;
      }
      case 'unpublish':
        destroyStream(ownStream(connection, request.streamId), 'unpublished');
        return {};
      case 'setStreamProperty': {
        const own = ownStream(connection, request.streamId);
        const oldValue = own[request.property];
        if (oldValue !== request.value) {
          own[request.property] = request.value;
          broadcast(session, {
            type: 'streamPropertyChanged', streamId: own.id, property: request.property, oldValue, newValue: request.value, reason: 'publisher',
          });
        }
        return {};
      }
      case 'subscribe': {
        const subscribed = stream(connection, request.streamId);
        const subscription: Subscription = { id: newId(), stream: subscribed, subscriber: connection };
        subscriptions.set(subscription.id, subscription);
        subscribed.subscriptions.add(subscription);
        (connection.subscriptions ??= new Set()).add(subscription);
        if (request.id !== undefined) sendTo(connection, { type: 'ack', id: request.id, result: { subscriptionId: subscription.id } });
        sendTo(subscribed.connection, {
          type: 'subscriberCreated', subscriptionId: subscription.id, streamId: subscribed.id, connectionId: connection.id,
        });
        return null;
      }
      case 'unsubscribe': {
        const subscription = subscriptions.get(request.subscriptionId);
        if (subscription === undefined || subscription.subscriber !== connection) throw notFound('subscription of yours');
        endSubscription(subscription, true);
        return {};
      }
      case 'webrtc': {
        const subscription = subscriptions.get(request.subscriptionId);
        const publisher = subscription?.stream.connection;
        if (subscription === undefined || (connection !== subscription.subscriber && connection !== publisher)) {
          throw notFound('subscription you are part of');
        }
        const other = connection === subscription.subscriber ? publisher! : subscription.subscriber;
        sendTo(other, { type: 'webrtc', subscriptionId: subscription.id, kind: request.kind, payload: request.payload, from: connection.id });
        return {};
      }
      case 'signal':
        signalTo(session, connection.id, request);
        return {};
      case 'forceDisconnect':
        kick(target(connection, request.connectionId), CLOSE_CODES.forceDisconnected, 'forceDisconnected', 'forceDisconnected');
        return {};
      case 'forceUnpublish':
        destroyStream(stream(connection, request.streamId), 'forceUnpublished');
        return {};
      case 'forceMuteStream':
        muteStream(stream(connection, request.streamId));
        return {};
      case 'forceMuteAll':
        muteAll(session, request.excludedStreamIds ?? []);
        return {};
      case 'disableForceMute':
        unmuteAll(session);
        return {};
    }
  }

  function refuse(connection: Connection, id: number | undefined, err: StagepassError, capability?: string): void {
    const message: ErrorMessage = capability === undefined
      ? { type: 'error', id: id ?? null, code: err.code, message: err.message }
      : { type: 'error', id: id ?? null, code: err.code, message: err.message, capability };
    sendTo(connection, message);
  }

  // ------------------------------------------------------------------ the service

  const sweeper = setInterval(sweepIdleSessions, 60_000);
  sweeper.unref();

  return {
    join(client, peer) {
      const session = openSession(client.appId, client.sessionId);
      if (session.connections.size >= client.maxConnectionsPerSession) {
        dropIfEmpty(session);
        throw new StagepassError('ERR_SESSION_FULL', `The session already has ${session.connections.size} connections, the most this app allows.`);
      }
      const id = newId();
      const connection: Connection = {
        id, client, peer, session,
        info: { id, creationTime: now(), data: client.data },
        streams: undefined, subscriptions: undefined, ejectTimer: undefined,
      };
      peer.send(connectedText({
        v: PROTOCOL_VERSION,
        sessionId: client.sessionId,
        connection: connection.info,
        role: client.role,
        capabilities: client.capabilities,
        expireTime: client.expireTime,
        connections: session.connections.size === 0 ? [] : [...session.connections.values()].map((c) => c.info),
        streams: session.streams.size === 0 ? [] : [...session.streams.values()].map(streamInfo),
        forceMute: session.forceMute,
      }));
      events.onMessagesOut?.(1);
      broadcast(session, { type: 'connectionCreated', connection: connection.info });
      session.connections.set(id, connection);
      connections.set(id, connection);
      if (client.ejectAtExpiry) scheduleEject(connection);
      return id;
    },

    leave(connectionId, reason) {
      const connection = connections.get(connectionId);
      if (connection !== undefined) removeConnection(connection, reason, true);
    },

    handle(connectionId, request) {
      const connection = connections.get(connectionId);
      if (connection === undefined) return;
      const capability = REQUEST_CAPABILITY[request.type];
      if (capability !== null && !connection.client.capabilities[capability]) {
        events.onCapabilityDenied?.(capability, connection.client.role, request.type);
        refuse(connection, request.id, new StagepassError(
          'ERR_CAPABILITY_DENIED', `The ${connection.client.role} role may not ${request.type} (capability ${capability}).`,
        ), capability);
        return;
      }
      let result: Record<string, unknown> | null;
      try {
        result = act(connection, request);
      } catch (err) {
        if (!(err instanceof StagepassError)) throw err;
        refuse(connection, request.id, err);
        return;
      }
      if (request.id === undefined || result === null || !connections.has(connectionId)) return;
      sendTo(connection, { type: 'ack', id: request.id, result } satisfies AckMessage);
    },

    createSession(appId, sessionId) {
      const id = sessionId ?? newId();
      return snapshot(openSession(appId, id));
    },

    getSession(appId, sessionId) {
      const session = sessionFor(appId, sessionId);
      return session === undefined ? undefined : snapshot(session);
    },

    forceDisconnect(appId, sessionId, connectionId) {
      const session = sessionFor(appId, sessionId);
      const connection = session?.connections.get(connectionId);
      if (connection === undefined) throw notFound('connection');
      kick(connection, CLOSE_CODES.forceDisconnected, 'forceDisconnected', 'forceDisconnected');
    },

    forceUnpublish(appId, sessionId, streamId) {
      const found = sessionFor(appId, sessionId)?.streams.get(streamId);
      if (found === undefined) throw notFound('stream');
      destroyStream(found, 'forceUnpublished');
    },

    forceMuteStream(appId, sessionId, streamId) {
      const found = sessionFor(appId, sessionId)?.streams.get(streamId);
      if (found === undefined) throw notFound('stream');
      muteStream(found);
    },

    forceMuteAll(appId, sessionId, excludedStreamIds) {
      const session = sessionFor(appId, sessionId);
      if (session === undefined) throw notFound('session');
      muteAll(session, excludedStreamIds);
    },

    disableForceMute(appId, sessionId) {
      const session = sessionFor(appId, sessionId);
      if (session === undefined) throw notFound('session');
      unmuteAll(session);
    },

    signal(appId, sessionId, signal: BackendSignal) {
      const session = sessionFor(appId, sessionId);
      if (session === undefined) throw notFound('session');
      signalTo(session, null, signal);
    },

    disconnectRevoked(appId, predicate) {
      let count = 0;
      for (const connection of [...connections.values()]) {
        if (connection.client.appId === appId && predicate(connection.client)) {
          kick(connection, ERROR_CODES.ERR_TOKEN_REVOKED.closeCode, 'ERR_TOKEN_REVOKED', 'forceDisconnected');
          count++;
        }
      }
      return count;
    },

    stats() {
      return { sessions: sessions.size, connections: connections.size, streams: streamCount };
    },

    closeAll(code, reason) {
      for (const connection of [...connections.values()]) {
        removeConnection(connection, 'networkDisconnected', false);
        connection.peer.close(code, reason);
      }
      clearInterval(sweeper);
    },
  };
}
