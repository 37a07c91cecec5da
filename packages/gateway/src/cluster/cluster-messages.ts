import type { ClientRequest, ConnectionDestroyedReason, ErrorCode, ErrorDetails } from '@stagepass/protocol';
import type { Revocation } from '../registry/app-registry.js';
import type { AdmittedClient, ResumeRequest } from '../session/session-service.js';

/**
 * What nodes tell each other on their channels (docs/cluster.md). One PUBLISH carries one or more
 * records separated by {@link RECORD_SEPARATOR} (JSON escapes every control character, so it never
 * occurs inside one). A record is one of:
 * - `D<key>,<key>…\n<text>`: a serialised ServerMessage for the sockets with these keys on the receiving node;
 * - `X<key> <code> <reason>`: close that socket (the owner already removed its connection);
 * - a JSON {@link ControlMessage}.
 */
export const RECORD_SEPARATOR = '\u001e';

/** The session operations a node asks a session's owner for (the REST ones). */
export type RemoteOperation =
  | 'createSession'
  | 'getSession'
  | 'forceDisconnect'
  | 'forceUnpublish'
  | 'forceMuteStream'
  | 'forceMuteAll'
  | 'disableForceMute'
  | 'setLayoutClassLists'
  | 'signal';

/**
 * A refusal as it travels: a StagepassError's code, message and details; or `MOVED` (another node owns
 * the session: `details.owner`), or `RELEASED` (the owner is draining and released its lease: claim it).
 */
export interface RemoteRefusal {
  readonly code: ErrorCode | 'MOVED' | 'RELEASED';
  readonly message: string;
  readonly details?: ErrorDetails;
}

/**
 * The JSON records. `r`: the request's number at its sender `from`, echoed in the reply; `key`: the
 * socket's key at the node holding it; `c`: a connection ID.
 */
export type ControlMessage =
  | {
      readonly k: 'join';
      readonly r: number;
      readonly from: string;
      readonly key: string;
      readonly client: AdmittedClient;
    }
  | {
      readonly k: 'resume';
      readonly r: number;
      readonly from: string;
      readonly key: string;
      readonly request: ResumeRequest;
    }
  | { readonly k: 'handle'; readonly c: string; readonly key: string; readonly q: ClientRequest }
  | { readonly k: 'suspend'; readonly c: string; readonly key: string }
  | { readonly k: 'leave'; readonly c: string; readonly key: string; readonly why: ConnectionDestroyedReason }
  | {
      readonly k: 'op';
      readonly r: number;
      readonly from: string;
      readonly op: RemoteOperation;
      readonly args: readonly unknown[];
    }
  | {
      readonly k: 'revoke';
      readonly r: number;
      readonly from: string;
      readonly appId: string;
      readonly revocation: Revocation;
    }
  | { readonly k: 'reply'; readonly r: number; readonly ok: true; readonly value: unknown }
  | { readonly k: 'reply'; readonly r: number; readonly ok: false; readonly refusal: RemoteRefusal }
  | { readonly k: 'dead'; readonly node: string }
  /** Reconciliation: every socket key `from` holds in sessions the receiver owns (joins still waiting included). */
  | { readonly k: 'sync'; readonly from: string; readonly keys: readonly string[] }
  /** The owner's answer: the listed keys it holds no connection for (their sockets must close). */
  | { readonly k: 'synced'; readonly from: string; readonly missing: readonly string[] }
  /** From the new owner of a session whose owner died: it rebuilt the session; the receiver's sockets in it are its now. */
  | { readonly k: 'adopted'; readonly from: string; readonly appId: string; readonly sessionId: string };

/** The delivery record of one message for some sockets of one node. */
export function deliveryRecord(keys: readonly string[], text: string): string {
  return `D${keys.join(',')}\n${text}`;
}

export function closeRecord(key: string, code: number, reason: string): string {
  return `X${key} ${code} ${reason}`;
}

/** A close record's parts. */
export function readCloseRecord(record: string): { key: string; code: number; reason: string } {
  const space = record.indexOf(' ');
  const second = record.indexOf(' ', space + 1);
  return {
    key: record.slice(1, space),
    code: Number(record.slice(space + 1, second)),
    reason: record.slice(second + 1),
  };
}
