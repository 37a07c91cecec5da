import type { AckMessage, AckResult, Capability, ErrorMessage, StagepassError } from '@stagepass/protocol';

/**
 * Replies to requests (docs/protocol.md "Requests and replies"): the session core's, and a cluster node's own
 * ERR_UNAVAILABLE refusals, are made here and only here, with `type` then `id` first: {@link replyIdOf} reads a
 * serialised reply's `id` off its start. A cluster node relaying another node's replies to its sockets uses it
 * to know which requests are answered (cluster/redis-session-service.ts), without parsing every message it
 * delivers.
 */

/** The `ack` of request `id`. */
export function ackReply(id: number, result: AckResult): AckMessage {
  return { type: 'ack', id, result };
}

/** The `error` refusing request `id` (null: the request had none), with the capability the role lacks if that is why. */
export function errorReply(id: number | null, err: StagepassError, capability?: Capability): ErrorMessage {
  return capability === undefined
    ? { type: 'error', id, code: err.code, message: err.message }
    : { type: 'error', id, code: err.code, message: err.message, capability };
}

const REPLY_START = /^\{"type":"(?:ack|error)","id":(\d+)/;

/** The `id` of a serialised `ack` or `error` made by {@link ackReply} or {@link errorReply}; else undefined. */
export function replyIdOf(text: string): number | undefined {
  const match = REPLY_START.exec(text);
  return match === null ? undefined : Number(match[1]);
}
