import type {
  Capabilities, ClientRequest, ConnectionDestroyedReason, ConnectionInfo, ForceMuteState, Role, StreamInfo,
} from '@stagepass/protocol';

/**
 * The transport's side of one client: how the session core reaches it. The core serialises each
 * event once and hands the same text to every recipient; the transport queues it on the socket
 * (flushing once per event-loop turn) and enforces its own outbound limits.
 */
export interface Peer {
  /** Queues one serialised ServerMessage. Must not throw. */
  send(text: string): void;
  /** Closes the client's socket with a close code and reason; the core has already removed it. */
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
  /** UNIX seconds. */
  readonly issuedAt: number;
  /** UNIX seconds. */
  readonly expireTime: number;
  /** Close the connection at expireTime (the app's ejectAtExpiry). */
  readonly ejectAtExpiry: boolean;
  /** Most connections allowed in the session (from the app, else the gateway default). */
  readonly maxConnectionsPerSession: number;
}

/** A session as the app's backend sees it (REST). */
export interface SessionSnapshot {
  readonly appId: string;
  readonly sessionId: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly connections: readonly ConnectionInfo[];
  readonly streams: readonly StreamInfo[];
  readonly forceMute: ForceMuteState;
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
  /** `count` deliveries of one event (fan-out). */
  onMessagesOut?(count: number): void;
}

/**
 * Sessions and their fan-out, independent of the WebSocket transport. Sessions are namespaced by
 * app: the same session ID under two apps is two sessions, and no operation of one app ever sees
 * another's. The in-memory implementation serves one gateway node; cluster mode implements the
 * same interface over Redis.
 */
export interface SessionService {
  /**
   * Adds an admitted client to its session (creating the session if needed), sends it `connected`
   * and everyone else `connectionCreated`. Throws StagepassError ERR_SESSION_FULL when full.
   * Returns the new connection's ID.
   */
  join(client: AdmittedClient, peer: Peer): string;
  /** Removes a connection (its streams and subscriptions too) and tells the others. Idempotent. */
  leave(connectionId: string, reason: ConnectionDestroyedReason): void;
  /**
   * Handles one validated request from a connection: enforces the role's capabilities and the
   * session boundary, then acts; replies with `ack` (when the request has an id) or `error`.
   */
  handle(connectionId: string, request: ClientRequest): void;

  // The app backend's operations (REST). Unknown session/connection/stream → ERR_NOT_FOUND.
  createSession(appId: string, sessionId?: string): SessionSnapshot;
  getSession(appId: string, sessionId: string): SessionSnapshot | undefined;
  forceDisconnect(appId: string, sessionId: string, connectionId: string): void;
  forceUnpublish(appId: string, sessionId: string, streamId: string): void;
  forceMuteStream(appId: string, sessionId: string, streamId: string): void;
  forceMuteAll(appId: string, sessionId: string, excludedStreamIds: readonly string[]): void;
  disableForceMute(appId: string, sessionId: string): void;
  signal(appId: string, sessionId: string, signal: BackendSignal): void;
  /**
   * Closes (4014 ERR_TOKEN_REVOKED) every connection of the app whose admission matches the
   * predicate, e.g. a revoked token ID; the others see reason forceDisconnected. Returns the count.
   */
  disconnectRevoked(appId: string, predicate: (client: AdmittedClient) => boolean): number;

  /** Counts, for /metrics and /readyz. */
  stats(): { sessions: number; connections: number; streams: number };
  /** Closes every connection (shutdown): each peer gets close(code, reason). */
  closeAll(code: number, reason: string): void;
}
