import type { ServerMessage } from '@stagepass/protocol';
import { Outbound } from './outbound.js';
import type { ConnectionRecord, SessionRecord } from './session-events.js';

/**
 * Delivers serialised messages to the connections of this node. Each call serialises its message
 * once, into one {@link Outbound}, and hands that same object to every recipient's peer, so the
 * transport frames it once per fan-out. In-process today: a cluster's bus publishes the text on the
 * session's channel and each node hands it to its own connections, in the order received.
 */
export interface SessionBus {
  /** To every connection of the session but `except`; nothing is serialised when nobody is left to tell. */
  toSession(session: SessionRecord, message: ServerMessage, except?: ConnectionRecord): void;
  /** To each of a list of connections, in order. */
  toConnections(recipients: readonly ConnectionRecord[], message: ServerMessage): void;
  toConnection(recipient: ConnectionRecord, message: ServerMessage): void;
  /** An already serialised message (`connected`) to one connection. */
  sendText(recipient: ConnectionRecord, text: string): void;
  /** Closes a connection's socket (the state has already removed it). */
  close(recipient: ConnectionRecord, code: number, reason: string): void;
}

/**
 * The in-process bus.
 *
 * @example
 * ```ts
 * const bus = createLocalBus();
 * bus.toSession(session, { type: 'forceMuteChanged', active: false, excludedStreamIds: [] });
 * ```
 */
export function createLocalBus(): SessionBus {
  return {
    toSession(session, message, except) {
      const members = session.connections;
      const size = members.size;
      if (size === 0 || (size === 1 && except !== undefined && members.has(except.id))) return;
      const outbound = new Outbound(JSON.stringify(message));
      for (const connection of members.values()) {
        if (connection !== except) connection.peer.send(outbound);
      }
    },
    toConnections(recipients, message) {
      if (recipients.length === 0) return;
      const outbound = new Outbound(JSON.stringify(message));
      for (const connection of recipients) connection.peer.send(outbound);
    },
    toConnection(recipient, message) {
      recipient.peer.send(new Outbound(JSON.stringify(message)));
    },
    sendText(recipient, text) {
      recipient.peer.send(new Outbound(text));
    },
    close(recipient, code, reason) {
      recipient.peer.close(code, reason);
    },
  };
}
