/** A socket as the session service sees it (a {@link Peer}), recording what it is sent and how it was closed. */
import type { ServerMessage } from '@stagepass/protocol';
import type { Outbound } from '../session/outbound.js';
import type { Peer } from '../session/session-service.js';

export class RecordingPeer implements Peer {
  readonly received: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  send(message: Outbound): void {
    this.received.push(JSON.parse(message.text) as ServerMessage);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  /** Messages of one type received since the last take(). */
  take<T extends ServerMessage['type']>(type?: T): Extract<ServerMessage, { type: T }>[] {
    const taken = this.received.splice(0);
    return (type === undefined ? taken : taken.filter((m) => m.type === type)) as Extract<ServerMessage, { type: T }>[];
  }
}
