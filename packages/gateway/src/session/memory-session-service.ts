import { StagepassError, type ClientRequest, type EpochMilliseconds, type Milliseconds } from '@stagepass/protocol';
import { authorize } from './authorize.js';
import { deliverEvents, type EventTargets } from './deliver-events.js';
import { createLocalBus } from './local-bus.js';
import { createRelayMediaRouter, type MediaRouter } from './media-router.js';
import type { SessionBus } from './local-bus.js';
import type { ConnectionRecord, SessionEvent } from './session-events.js';
import { createSessionState, notFound } from './session-state.js';
import type { SessionEvents, SessionService } from './session-service.js';

export interface MemorySessionServiceOptions {
  readonly events?: SessionEvents;
  /** The clock (tests move it). Default Date.now. */
  readonly now?: () => EpochMilliseconds;
  /** How long a session created through the API waits for its first connection. Default 24 h. */
  readonly idleSessionTtlMs?: Milliseconds;
  /** Where media goes, given this node's bus. Default: {@link createRelayMediaRouter} (peer to peer). */
  readonly mediaRouter?: (bus: SessionBus) => MediaRouter;
}

/** An ack's result: the ID a publish or subscribe created; {} otherwise. */
type AckResult = Readonly<Record<string, unknown>>;
const EMPTY_RESULT: AckResult = Object.freeze({});

/**
 * Sessions of one gateway node, in memory: the {@link createSessionState} state, {@link authorize}
 * in front of it, its domain events delivered through the in-process {@link createLocalBus} bus and
 * told to the media router. Every operation does its work synchronously inside the call (an async
 * one returns an already settled promise), so two operations never interleave: a session changes
 * one event at a time, and every client sees events in one order (the ordering contract of
 * {@link SessionService}).
 *
 * @example
 * ```ts
 * const sessions = createMemorySessionService({ events: { onMessagesOut: (n) => sent.inc(n) } });
 * const connectionId = await sessions.join(admittedClient, peer);
 * ```
 */
export function createMemorySessionService(options: MemorySessionServiceOptions = {}): SessionService {
  const events = options.events ?? {};
  const now = options.now ?? Date.now;
  const idleSessionTtlMs = options.idleSessionTtlMs ?? 24 * 60 * 60 * 1000;
  const state = createSessionState({ now });
  const bus = createLocalBus(events);
  const router = (options.mediaRouter ?? createRelayMediaRouter)(bus);
  const targets: EventTargets = { bus, router, isLive: (connection) => state.isLive(connection) };
  const deliver = (happened: readonly SessionEvent[]) => deliverEvents(happened, targets);

  function ack(connection: ConnectionRecord, id: number | undefined, result: AckResult): void {
    if (id !== undefined) bus.toConnection(connection, { type: 'ack', id, result });
  }

  /**
   * Acts on one authorised request; returns the ack result, or null when the ack was already sent
   * ahead of the events it caused (publish, subscribe: their events name the ID the ack carries).
   * Throws a StagepassError to refuse it.
   */
  function act(connection: ConnectionRecord, request: ClientRequest): AckResult | null {
    const session = connection.session;
    switch (request.type) {
      case 'publish': {
        const { stream, events: happened } = state.publish(connection, request);
        ack(connection, request.id, { streamId: stream.id });
        deliver(happened);
        return null;
      }
      case 'unpublish':
        deliver(state.destroyStream(state.ownStream(connection, request.streamId), 'unpublished'));
        return EMPTY_RESULT;
      case 'setStreamProperty':
        deliver(state.setStreamProperty(state.ownStream(connection, request.streamId), request.property, request.value));
        return EMPTY_RESULT;
      case 'subscribe': {
        const { subscription, events: happened } = state.subscribe(connection, state.stream(session, request.streamId));
        ack(connection, request.id, { subscriptionId: subscription.id });
        deliver(happened);
        return null;
      }
      case 'unsubscribe':
        deliver(state.unsubscribe(state.ownSubscription(connection, request.subscriptionId)));
        return EMPTY_RESULT;
      case 'webrtc':
        router.negotiate(connection, state.subscriptionOf(connection, request.subscriptionId), request);
        return EMPTY_RESULT;
      case 'signal':
        deliver(state.signal(session, connection.id, request));
        return EMPTY_RESULT;
      case 'forceDisconnect':
        deliver(state.forceDisconnect(state.member(session, request.connectionId)));
        return EMPTY_RESULT;
      case 'forceUnpublish':
        deliver(state.destroyStream(state.stream(session, request.streamId), 'forceUnpublished'));
        return EMPTY_RESULT;
      case 'forceMuteStream':
        deliver(state.forceMuteStream(state.stream(session, request.streamId)));
        return EMPTY_RESULT;
      case 'forceMuteAll':
        deliver(state.forceMuteAll(session, request.excludedStreamIds ?? []));
        return EMPTY_RESULT;
      case 'disableForceMute':
        deliver(state.disableForceMute(session));
        return EMPTY_RESULT;
    }
  }

  function refuse(connection: ConnectionRecord, id: number | undefined, err: StagepassError, capability?: string): void {
    bus.toConnection(connection, capability === undefined
      ? { type: 'error', id: id ?? null, code: err.code, message: err.message }
      : { type: 'error', id: id ?? null, code: err.code, message: err.message, capability });
  }

  /** The session; a missing one reads as a missing `what` (REST: a stream's 404 names the stream). */
  function existing(appId: string, sessionId: string, what = 'session') {
    const session = state.session(appId, sessionId);
    if (session === undefined) throw notFound(what);
    return session;
  }

  const sweeper = setInterval(() => state.sweepIdleSessions(idleSessionTtlMs), 60_000);
  sweeper.unref();

  return {
    async join(client, peer) {
      const { connection, events: happened } = state.join(client, peer);
      deliver(happened);
      return connection.id;
    },

    leave(connectionId, reason) {
      const connection = state.connection(connectionId);
      if (connection !== undefined) deliver(state.leave(connection, reason));
    },

    handle(connectionId, request) {
      const connection = state.connection(connectionId);
      if (connection === undefined) return;
      const capability = authorize(connection.client, request);
      if (capability !== null) {
        events.onCapabilityDenied?.(capability, connection.client.role, request.type);
        refuse(connection, request.id, new StagepassError(
          'ERR_CAPABILITY_DENIED', `The ${connection.client.role} role may not ${request.type} (capability ${capability}).`,
        ), capability);
        return;
      }
      let result: AckResult | null;
      try {
        result = act(connection, request);
      } catch (err) {
        if (!(err instanceof StagepassError)) throw err;
        refuse(connection, request.id, err);
        return;
      }
      if (result === null || !state.isLive(connection)) return;
      ack(connection, request.id, result);
    },

    async createSession(appId, sessionId) {
      return state.snapshot(state.openSession(appId, sessionId));
    },

    async getSession(appId, sessionId) {
      const session = state.session(appId, sessionId);
      return session === undefined ? undefined : state.snapshot(session);
    },

    async forceDisconnect(appId, sessionId, connectionId) {
      const connection = state.session(appId, sessionId)?.connections.get(connectionId);
      if (connection === undefined) throw notFound('connection');
      deliver(state.forceDisconnect(connection));
    },

    async forceUnpublish(appId, sessionId, streamId) {
      deliver(state.destroyStream(state.stream(existing(appId, sessionId, 'stream'), streamId), 'forceUnpublished'));
    },

    async forceMuteStream(appId, sessionId, streamId) {
      deliver(state.forceMuteStream(state.stream(existing(appId, sessionId, 'stream'), streamId)));
    },

    async forceMuteAll(appId, sessionId, excludedStreamIds) {
      deliver(state.forceMuteAll(existing(appId, sessionId), excludedStreamIds));
    },

    async disableForceMute(appId, sessionId) {
      deliver(state.disableForceMute(existing(appId, sessionId)));
    },

    async signal(appId, sessionId, signal) {
      deliver(state.signal(existing(appId, sessionId), null, signal));
    },

    async disconnectRevoked(appId, revocation) {
      // One connection at a time, each one's events delivered before the next is removed: the
      // others see exactly what they would if each had been revoked alone.
      const reached = state.reachedBy(appId, revocation);
      let count = 0;
      for (const connection of reached) {
        if (!state.isLive(connection)) continue;
        deliver(state.revoke(connection));
        count++;
      }
      return count;
    },

    stats() {
      return state.stats();
    },

    closeAll(code, reason) {
      for (const connection of state.removeAll()) bus.close(connection, code, reason);
      clearInterval(sweeper);
    },
  };
}
