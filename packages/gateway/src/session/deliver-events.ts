import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  type ConnectionInfo,
  type ResumedMessage,
  type StreamInfo,
  type SubscriberInfo,
} from '@stagepass/protocol';
import type { IceServersFor } from '../ice/ice-servers.js';
import { connectedText } from './connected-text.js';
import type { SessionBus } from './local-bus.js';
import type { MediaRouter } from './media-router.js';
import type { ConnectionRecord, SessionEvent, StreamRecord } from './session-events.js';
import { streamInfo } from './session-state.js';

export interface EventTargets {
  readonly bus: SessionBus;
  readonly router: MediaRouter;
  /** Whether a connection is still in the state (a subscription's ends may have left). */
  readonly isLive: (connection: ConnectionRecord) => boolean;
  /** Each connection's `iceServers` for its `connected`/`resumed`. */
  readonly iceServers: IceServersFor;
}

function gateOf(stream: StreamRecord): { audio: boolean; video: boolean } {
  return { audio: stream.hasAudio, video: stream.hasVideo };
}

/** `connected` for a connection that just joined: the session as it was before it (docs/protocol.md). */
function connectedFor(connection: ConnectionRecord, iceServers: IceServersFor): string {
  const { session, client } = connection;
  let others: ConnectionInfo[] = [];
  if (session.connections.size > 1) {
    for (const other of session.connections.values()) if (other !== connection) others.push(other.info);
  }
  const streams: StreamInfo[] = session.streams.size === 0 ? [] : [...session.streams.values()].map(streamInfo);
  return connectedText({
    v: PROTOCOL_VERSION,
    sessionId: client.sessionId,
    mediaMode: session.mediaMode,
    connection: connection.info,
    role: client.role,
    capabilities: client.capabilities,
    expireTime: client.expireTime,
    connections: others,
    streams,
    forceMute: session.forceMute,
    resumeSecret: connection.resumeSecret.toString('base64url'),
    iceServers: iceServers(connection.info.id, client.expireTime),
  });
}

/** `resumed` for a connection back on a new socket: the session as it is now (rare: plain JSON). */
function resumedFor(
  connection: ConnectionRecord,
  subscribers: readonly SubscriberInfo[],
  iceServers: IceServersFor,
): string {
  const { session, client } = connection;
  const others: ConnectionInfo[] = [];
  for (const other of session.connections.values()) if (other !== connection) others.push(other.info);
  const message: ResumedMessage = {
    type: 'resumed',
    v: PROTOCOL_VERSION,
    sessionId: client.sessionId,
    mediaMode: session.mediaMode,
    connection: connection.info,
    role: client.role,
    capabilities: client.capabilities,
    expireTime: client.expireTime,
    connections: others,
    streams: [...session.streams.values()].map(streamInfo),
    forceMute: session.forceMute,
    resumeSecret: connection.resumeSecret.toString('base64url'),
    iceServers: iceServers(connection.info.id, client.expireTime),
    subscribers,
  };
  return JSON.stringify(message);
}

/**
 * Turns domain events into what each connection sees (docs/protocol.md "Events") and what the
 * media router must know, in the events' order. Called right after the mutation that returned
 * them, so the session's membership is the one those events were made in.
 */
export function deliverEvents(events: readonly SessionEvent[], targets: EventTargets): void {
  const { bus, router } = targets;
  for (const event of events) {
    switch (event.type) {
      case 'connectionJoined':
        bus.sendText(event.connection, connectedFor(event.connection, targets.iceServers));
        bus.toSession(
          event.connection.session,
          { type: 'connectionCreated', connection: event.connection.info },
          event.connection,
        );
        break;
      case 'connectionResumed':
        // The old socket first: nothing more goes out on it once the new one has the session.
        event.replaced?.close(CLOSE_CODES.normal, '');
        bus.sendText(event.connection, resumedFor(event.connection, event.subscribers, targets.iceServers));
        break;
      case 'connectionLeft':
        bus.toSession(event.connection.session, {
          type: 'connectionDestroyed',
          connectionId: event.connection.id,
          reason: event.reason,
        });
        if (event.close !== null) bus.close(event.connection, event.close.code, event.close.reason);
        break;
      case 'streamPublished':
        bus.toSession(event.stream.connection.session, { type: 'streamCreated', stream: streamInfo(event.stream) });
        router.setGate(event.stream, gateOf(event.stream));
        break;
      case 'streamPropertyChanged': {
        const { stream, property, oldValue, newValue, reason } = event;
        bus.toSession(stream.connection.session, {
          type: 'streamPropertyChanged',
          streamId: stream.id,
          property,
          oldValue,
          newValue,
          reason,
        });
        router.setGate(stream, gateOf(stream));
        break;
      }
      case 'streamDestroyed':
        bus.toSession(event.stream.connection.session, {
          type: 'streamDestroyed',
          streamId: event.stream.id,
          reason: event.reason,
        });
        router.setGate(event.stream, null);
        break;
      case 'subscriptionCreated': {
        const { subscription } = event;
        bus.toConnection(subscription.stream.connection, {
          type: 'subscriberCreated',
          subscriptionId: subscription.id,
          streamId: subscription.stream.id,
          connectionId: subscription.subscriber.id,
        });
        router.subscriptionCreated(subscription);
        break;
      }
      case 'subscriptionEnded': {
        const { subscription } = event;
        router.subscriptionEnded(subscription);
        const publisher = subscription.stream.connection;
        const recipients: ConnectionRecord[] = [];
        if (targets.isLive(publisher)) recipients.push(publisher);
        if (
          event.notifySubscriber &&
          subscription.subscriber !== publisher &&
          targets.isLive(subscription.subscriber)
        ) {
          recipients.push(subscription.subscriber);
        }
        bus.toConnections(recipients, {
          type: 'subscriberDestroyed',
          subscriptionId: subscription.id,
          streamId: subscription.stream.id,
        });
        break;
      }
      case 'forceMuteChanged':
        bus.toSession(event.session, {
          type: 'forceMuteChanged',
          active: event.active,
          excludedStreamIds: event.excludedStreamIds,
        });
        break;
      case 'muteForced':
        bus.toConnection(event.stream.connection, { type: 'muteForced', streamId: event.stream.id });
        break;
      case 'signalSent': {
        const message = { type: 'signal', from: event.from, signalType: event.signalType, data: event.data } as const;
        if (event.to === null) bus.toSession(event.session, message);
        else bus.toConnections(event.to, message);
        break;
      }
    }
  }
}
