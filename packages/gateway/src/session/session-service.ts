import type {
  Capabilities,
  ClientRequest,
  ConnectionDestroyedReason,
  ConnectionInfo,
  EpochMilliseconds,
  ForceMuteState,
  MediaMode,
  Role,
  StreamInfo,
  UnixSeconds,
} from '@stagepass/protocol';
import type { Revocation } from '../registry/app-registry.js';
import type { Outbound } from './outbound.js';

/**
 * The transport's side of one client on this node: how the session bus reaches it. The bus
 * serialises each event once and hands the same {@link Outbound} to every recipient; the transport
 * queues it on the socket (flushing once per event-loop turn) and enforces its own outbound limits.
 */
export interface Peer {
  /** Queues one serialised ServerMessage. Must not throw. */
  send(message: Outbound): void;
  /**
   * Closes the client's socket with a close code and reason; the core has already removed the
   * connection, or moved it to another socket (a `resume` while this one was still held).
   */
  close(code: number, reason: string): void;
}

/** What admission established about a client, from its verified token and the app's settings. */
export interface AdmittedClient {
  readonly appId: string;
  readonly sessionId: string;
  readonly role: Role;
  readonly capabilities: Capabilities;
  /** Connection data, or null. */
  readonly data: string | null;
  readonly tokenId: string;
  readonly issuedAt: UnixSeconds;
  readonly expireTime: UnixSeconds;
  /** Close the connection at expireTime (the app's ejectAtExpiry). */
  readonly ejectAtExpiry: boolean;
  /** Most connections allowed in the session (from the app, else the gateway default). */
  readonly maxConnectionsPerSession: number;
  /** The token's initial layout classes for the streams it publishes (OpenTok); default none. */
  readonly initialLayoutClassList?: readonly string[];
}

/** A `resume` as the transport read it (the app and session from the upgrade URL). */
export interface ResumeRequest {
  readonly appId: string;
  readonly sessionId: string;
  readonly connectionId: string;
  /** base64url, as the client sent it. */
  readonly resumeSecret: string;
}

/** A session as the app's backend sees it (REST). */
export interface SessionSnapshot {
  readonly appId: string;
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
  readonly mediaMode: MediaMode;
  readonly connections: readonly ConnectionInfo[];
  readonly streams: readonly StreamInfo[];
  /** Each stream's layout classes, by stream ID (OpenTok's `layoutClassList`; not on the wire protocol). */
  readonly layoutClassLists: Readonly<Record<string, readonly string[]>>;
  readonly forceMute: ForceMuteState;
}

/** One stream's new layout classes (OpenTok's `PUT …/stream`). */
export interface LayoutClassListChange {
  readonly streamId: string;
  readonly layoutClassList: readonly string[];
}

export interface BackendSignal {
  /** A connection ID; absent = everyone. */
  readonly to?: string;
  readonly signalType?: string;
  readonly data: string;
}

/** What the core reports to metrics and logs; every method optional. */
export interface SessionEvents {
  onCapabilityDenied?(capability: string, role: Role, requestType: string): void;
  /** Routed media: the engine failed a negotiation (a malformed SDP, no VP8/Opus offered); for the log. */
  onMediaError?(err: unknown, where: 'upload' | 'download'): void;
}

/**
 * Sessions and their fan-out, independent of the WebSocket transport. Sessions are namespaced by
 * app: the same session ID under two apps is two sessions, and no operation of one app ever sees
 * another's. The in-memory implementation serves one gateway node; cluster mode implements the
 * same interface over Redis.
 *
 * Ordering contract (what every implementation must keep, whether its work is local or remote):
 * - the requests of one connection (`handle`) take effect in the order they were called, and
 *   `leave` after everything that connection asked before it;
 * - every connection of a session sees the session's events in one and the same order (one
 *   sequence per session, whatever node produced an event), and its own replies (`ack`, `error`)
 *   in that sequence at the point its request took effect;
 * - a connection's `connected` is the first message it gets, and it gets every event that follows
 *   its join;
 * - a returned promise settles after the operation's events are in the session's sequence.
 * The in-memory implementation does all the work synchronously inside each call and returns an
 * already settled promise, which keeps all of this: no two operations can interleave.
 */
export interface SessionService {
  /**
   * Adds an admitted client to its session (creating the session if needed), sends it `connected`
   * and everyone else `connectionCreated`. Resolves with the new connection's ID; rejects with
   * StagepassError ERR_SESSION_FULL when the session is full.
   */
  join(client: AdmittedClient, peer: Peer): Promise<string>;
  /**
   * Its socket dropped (not a close anybody chose): the connection stays in its session, unseen by the
   * others, and what is sent to it is dropped until `resume` or `leave` (docs/protocol.md "Resume").
   * False when there is no such live connection or it is already suspended. The window is the caller's
   * (the node that held the socket).
   */
  suspend(connectionId: string): boolean;
  /**
   * Gives a connection a new socket, proved by its resume secret: it gets `resumed` (the session as it
   * is now), nobody else anything; a socket still held for it is closed. Resolves with the client
   * admitted at its join; rejects StagepassError ERR_RESUME_REFUSED (gone, not of this app and
   * session, or the wrong secret: one answer for all). With the right secret of a connection that
   * the session side ended while it was suspended (force-disconnect, revocation), the refusal's
   * `details` carry that close (`closeCode`, `closeReason`: 4100 forceDisconnected, 4014
   * ERR_TOKEN_REVOKED), for the transport to close with.
   */
  resume(request: ResumeRequest, peer: Peer): Promise<AdmittedClient>;
  /**
   * Removes a connection (its streams and subscriptions too) and tells the others. Idempotent; for a
   * connection already gone, forgets why it ended (its resume window passed).
   */
  leave(connectionId: string, reason: ConnectionDestroyedReason): void;
  /**
   * Handles one validated request from a connection: enforces the role's capabilities and the
   * session boundary, then acts; replies with `ack` (when the request has an id) or `error`.
   * Returns nothing: the reply reaches the connection's peer, in order (see the contract above).
   */
  handle(connectionId: string, request: ClientRequest): void;

  // The app backend's operations (REST). Unknown session/connection/stream → ERR_NOT_FOUND (rejected).
  createSession(appId: string, sessionId?: string): Promise<SessionSnapshot>;
  getSession(appId: string, sessionId: string): Promise<SessionSnapshot | undefined>;
  forceDisconnect(appId: string, sessionId: string, connectionId: string): Promise<void>;
  forceUnpublish(appId: string, sessionId: string, streamId: string): Promise<void>;
  forceMuteStream(appId: string, sessionId: string, streamId: string): Promise<void>;
  forceMuteAll(appId: string, sessionId: string, excludedStreamIds: readonly string[]): Promise<void>;
  disableForceMute(appId: string, sessionId: string): Promise<void>;
  signal(appId: string, sessionId: string, signal: BackendSignal): Promise<void>;
  /** Sets streams' layout classes, all or none (ERR_NOT_FOUND when one stream is not in the session). */
  setLayoutClassLists(appId: string, sessionId: string, changes: readonly LayoutClassListChange[]): Promise<void>;
  /**
   * Closes (4014 ERR_TOKEN_REVOKED) every connection of the app that `revocation` reaches (see
   * {@link revocationReaches}); the others see reason forceDisconnected. Resolves with the count.
   */
  disconnectRevoked(appId: string, revocation: Revocation): Promise<number>;

  /**
   * Why this service cannot serve now (cluster mode: Redis unreachable), or undefined; /readyz answers
   * 503 while it says something. Optional: the in-memory service is always available.
   */
  unavailable?(): string | undefined;
  /** Counts, for /metrics and /readyz (this node's, read synchronously). */
  stats(): { sessions: number; connections: number; streams: number };
  /** Closes every connection (shutdown): each peer gets close(code, reason). */
  closeAll(code: number, reason: string): void;
}
