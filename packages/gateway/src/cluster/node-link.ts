import type { Outbound } from '../session/outbound.js';
import type { Peer } from '../session/session-service.js';
import { RECORD_SEPARATOR, closeRecord, deliveryRecord } from './cluster-messages.js';

/** Largest PUBLISH a link sends, characters: a burst is split rather than sent as one huge message. */
const MAX_BATCH_CHARS = 256 * 1024;

/**
 * Everything this node sends to one other node, in the order it was sent: deliveries, closes,
 * requests and replies. Records queued in one event-loop turn go out together at its end, in as few
 * PUBLISHes as {@link MAX_BATCH_CHARS} allows, and a fan-out of one {@link Outbound} to many sockets of
 * that node is one record naming them all. One Redis connection publishes every link's batches, and
 * Redis hands a subscriber messages in the order they were published: the receiving node sees this
 * node's records in exactly this order.
 */
export class NodeLink {
  private records: string[] = [];
  private groupOutbound: Outbound | undefined = undefined;
  private groupKeys: string[] = [];
  private scheduled = false;

  constructor(
    readonly nodeId: string,
    private readonly channel: string,
    private readonly publish: (channel: string, text: string) => void,
  ) {}

  /** One message for one socket of that node; consecutive sends of the same Outbound share one record. */
  deliver(key: string, outbound: Outbound): void {
    if (this.groupOutbound !== outbound) {
      this.endGroup();
      this.groupOutbound = outbound;
    }
    this.groupKeys.push(key);
    this.schedule();
  }

  close(key: string, code: number, reason: string): void {
    this.push(closeRecord(key, code, reason));
  }

  /** A control record (JSON), after everything sent before it. */
  push(record: string): void {
    this.endGroup();
    this.records.push(record);
    this.schedule();
  }

  private endGroup(): void {
    if (this.groupOutbound === undefined) return;
    this.records.push(deliveryRecord(this.groupKeys, this.groupOutbound.text));
    this.groupOutbound = undefined;
    this.groupKeys = [];
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Publishes what is queued (at the end of the turn; directly before a shutdown). */
  flush(): void {
    this.scheduled = false;
    this.endGroup();
    const records = this.records;
    if (records.length === 0) return;
    this.records = [];
    let batch: string[] = [];
    let size = 0;
    for (const record of records) {
      if (size > 0 && size + record.length > MAX_BATCH_CHARS) {
        this.publish(this.channel, batch.join(RECORD_SEPARATOR));
        batch = [];
        size = 0;
      }
      batch.push(record);
      size += record.length + 1;
    }
    this.publish(this.channel, batch.join(RECORD_SEPARATOR));
  }
}

/**
 * How a session's owner reaches a socket held by another node: what the core sends it goes into that
 * node's {@link NodeLink}. The core cannot tell it from a local socket.
 */
export class RemotePeer implements Peer {
  /** `onClose`: told when the core closes it (the owner's bookkeeping lets go of the socket). */
  constructor(
    readonly link: NodeLink,
    readonly key: string,
    private readonly onClose?: () => void,
  ) {}

  send(message: Outbound): void {
    this.link.deliver(this.key, message);
  }

  close(code: number, reason: string): void {
    this.link.close(this.key, code, reason);
    this.onClose?.();
  }
}
