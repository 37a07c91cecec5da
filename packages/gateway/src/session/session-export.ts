import { StagepassError, type EpochMilliseconds, type StreamInfo } from '@stagepass/protocol';
import type { AdmittedClient } from './session-service.js';

/**
 * A session's state as plain data, to rebuild it elsewhere (cluster mode: a surviving node takes over a
 * session whose owner died, docs/cluster.md "Node death"). Everything a {@link SessionState} holds of one
 * session but the sockets: connections (with their resume secrets), streams, subscriptions, force mute.
 * Signals and sockets are not state.
 */
export interface SessionExport {
  /** The format's version; a reader refuses any other. */
  readonly v: 1;
  readonly appId: string;
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
  readonly forceMute: { readonly active: boolean; readonly excludedStreamIds: readonly string[] };
  readonly connections: readonly ExportedConnection[];
  readonly streams: readonly ExportedStream[];
  readonly subscriptions: readonly ExportedSubscription[];
}

export interface ExportedConnection {
  readonly id: string;
  readonly client: AdmittedClient;
  readonly creationTime: EpochMilliseconds;
  /** base64url. */
  readonly resumeSecret: string;
  /** Its socket was away (waiting for a resume) when the export was made. */
  readonly suspended: boolean;
  /** Which node and socket key held it (cluster mode); the session core leaves it empty. */
  readonly holder?: { readonly node: string; readonly key: string };
}

/** A stream as clients see it (`StreamInfo`), with its layout classes. */
export interface ExportedStream extends StreamInfo {
  readonly layoutClassList: readonly string[];
}

export interface ExportedSubscription {
  readonly id: string;
  readonly streamId: string;
  readonly subscriberId: string;
}

function bad(what: string): StagepassError {
  return new StagepassError('ERR_INVALID_OPTION', `A stored session state is malformed (${what}): it is not used.`);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isString = (x: unknown): x is string => typeof x === 'string';
const isArrayOf = <T>(x: unknown, item: (y: unknown) => y is T): x is T[] => Array.isArray(x) && x.every(item);

function isConnection(x: unknown): x is ExportedConnection {
  if (!isObject(x) || !isString(x.id) || !isString(x.resumeSecret) || typeof x.suspended !== 'boolean') return false;
  const client = x.client;
  if (typeof x.creationTime !== 'number' || !isObject(client) || !isObject(client.capabilities)) return false;
  if (!isString(client.appId) || !isString(client.sessionId) || !isString(client.role)) return false;
  const times = [client.issuedAt, client.expireTime, client.maxConnectionsPerSession];
  if (!times.every((t) => typeof t === 'number') || typeof client.ejectAtExpiry !== 'boolean') return false;
  return x.holder === undefined || (isObject(x.holder) && isString(x.holder.node) && isString(x.holder.key));
}

function isStream(x: unknown): x is ExportedStream {
  return (
    isObject(x) &&
    isString(x.id) &&
    isString(x.connectionId) &&
    isString(x.name) &&
    typeof x.hasAudio === 'boolean' &&
    typeof x.hasVideo === 'boolean' &&
    (x.videoType === 'camera' || x.videoType === 'screen') &&
    typeof x.creationTime === 'number' &&
    isArrayOf(x.layoutClassList, isString)
  );
}

function isSubscription(x: unknown): x is ExportedSubscription {
  return isObject(x) && isString(x.id) && isString(x.streamId) && isString(x.subscriberId);
}

/**
 * Reads an export written by {@link SessionExport}'s writer (JSON), checking its shape: what crosses a
 * network is validated where it comes in. Throws ERR_INVALID_OPTION for anything else.
 */
export function parseSessionExport(text: string): SessionExport {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!isObject(x) || x.v !== 1) throw bad('unknown version');
  if (!isString(x.appId) || !isString(x.sessionId) || typeof x.createdAt !== 'number') throw bad('session');
  const forceMute = x.forceMute;
  if (
    !isObject(forceMute) ||
    typeof forceMute.active !== 'boolean' ||
    !isArrayOf(forceMute.excludedStreamIds, isString)
  )
    throw bad('forceMute');
  if (!isArrayOf(x.connections, isConnection)) throw bad('connections');
  if (!isArrayOf(x.streams, isStream)) throw bad('streams');
  if (!isArrayOf(x.subscriptions, isSubscription)) throw bad('subscriptions');
  return x as unknown as SessionExport;
}
