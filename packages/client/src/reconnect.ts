import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  StagepassError,
  isStagepassError,
  type ConnectedMessage,
  type ConnectionInfo,
  type ResumedMessage,
  type StreamInfo,
} from '@stagepass/protocol';
import { admit, type Admission } from './admit.js';
import { ERR_NOT_CONNECTED } from './not-connected.js';
import type { WebSocketConstructor } from './web-socket-like.js';

/** What a reconnect needs to know of its session. */
export interface ReadmitOptions {
  readonly WebSocket: WebSocketConstructor;
  readonly url: string;
  readonly timeoutMs: number;
  readonly connectionId: string;
  readonly resumeSecret: string;
  /** A token for a rejoin: the provider's fresh one, or the string while it is valid (else ERR_TOKEN_EXPIRED). */
  readonly freshToken: () => Promise<string>;
  /** False once the session no longer wants to reconnect (`disconnect()` was called). */
  readonly wanted: () => boolean;
}

/** How long the SDK keeps trying an unreachable gateway before it gives up (`disconnected`). */
export const RECONNECT_GIVE_UP_MS = 60_000;
const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 2000;

const RETRIED: ReadonlySet<string> = new Set([ERR_NOT_CONNECTED, 'ERR_SERVER_SHUTTING_DOWN', 'ERR_UNAVAILABLE']);

/** Thrown when `disconnect()` stopped a reconnect. */
export const STOPPED = new StagepassError(ERR_NOT_CONNECTED, 'The session was disconnected while reconnecting.');

/**
 * After a drop: `resume` (the same connection back) until the gateway answers, retrying an
 * unreachable gateway with a growing pause; when it refuses (ERR_RESUME_REFUSED: the window passed,
 * or not ours), `connect` again with a fresh token. Rejects with the refusal that ends the session
 * (ERR_TOKEN_EXPIRED; ERR_TOKEN_REVOKED or ERR_NOT_CONNECTED with `details.closeCode` 4100 when the
 * connection was revoked or force-disconnected while away), ERR_NOT_CONNECTED after
 * {@link RECONNECT_GIVE_UP_MS} of an unreachable gateway, or {@link STOPPED}.
 */
export async function readmit(options: ReadmitOptions): Promise<Admission & { readonly resumed: boolean }> {
  const giveUpAt = Date.now() + RECONNECT_GIVE_UP_MS;
  const { WebSocket, url, timeoutMs } = options;
  const resume = {
    type: 'resume',
    v: PROTOCOL_VERSION,
    connectionId: options.connectionId,
    resumeSecret: options.resumeSecret,
  } as const;
  const resumed = await retrying(options, giveUpAt, async () => {
    try {
      return await admit(WebSocket, url, resume, timeoutMs);
    } catch (err) {
      if (isStagepassError(err) && err.code === 'ERR_RESUME_REFUSED') return null;
      throw err;
    }
  });
  if (resumed !== null) return { ...resumed, resumed: true };
  const token = await options.freshToken();
  const joined = await retrying(options, giveUpAt, () =>
    admit(WebSocket, url, { type: 'connect', v: PROTOCOL_VERSION, token }, timeoutMs),
  );
  return { ...joined, resumed: false };
}

/**
 * `attempt` again while it fails ERR_NOT_CONNECTED (the gateway unreachable), ERR_SERVER_SHUTTING_DOWN
 * (a draining node refused it: the next try may reach another node, or this one restarted) or
 * ERR_UNAVAILABLE (a cluster node without Redis, or whose session owner did not answer), until `giveUpAt`.
 */
async function retrying<T>(options: ReadmitOptions, giveUpAt: number, attempt: () => Promise<T>): Promise<T> {
  for (let pause = FIRST_RETRY_MS; ; pause = Math.min(pause * 2, LONGEST_RETRY_MS)) {
    if (!options.wanted()) throw STOPPED;
    try {
      const outcome = await attempt();
      if (!options.wanted()) {
        if (outcome !== null && typeof outcome === 'object' && 'socket' in outcome)
          (outcome as unknown as Admission).socket.close(1000);
        throw STOPPED;
      }
      return outcome;
    } catch (err) {
      if (err === STOPPED || !isStagepassError(err) || !RETRIED.has(err.code) || Date.now() >= giveUpAt) throw err;
      // Force-disconnected while away: the gateway's answer to a resume, not an unreachable gateway.
      if (err.details?.closeCode === CLOSE_CODES.forceDisconnected) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** The difference between what a session knew and a snapshot (`connected` of a rejoin, or `resumed`). */
export interface SnapshotDifference {
  readonly connectionsCreated: ConnectionInfo[];
  readonly connectionsDestroyed: ConnectionInfo[];
  readonly streamsCreated: StreamInfo[];
  readonly streamsDestroyed: StreamInfo[];
  /** Streams in both, whose hasAudio or hasVideo changed: [before, now]. */
  readonly streamsChanged: [StreamInfo, StreamInfo][];
}

/** What came and went, as a snapshot shows it against the known connections and streams. */
export function diffSnapshot(
  connections: ReadonlyMap<string, ConnectionInfo>,
  streams: ReadonlyMap<string, StreamInfo>,
  snapshot: ConnectedMessage | ResumedMessage,
): SnapshotDifference {
  const nowConnections = new Set(snapshot.connections.map((c) => c.id));
  const nowStreams = new Map(snapshot.streams.map((s) => [s.id, s]));
  const difference: SnapshotDifference = {
    connectionsCreated: snapshot.connections.filter((c) => !connections.has(c.id)),
    connectionsDestroyed: [...connections.values()].filter((c) => !nowConnections.has(c.id)),
    streamsCreated: snapshot.streams.filter((s) => !streams.has(s.id)),
    streamsDestroyed: [...streams.values()].filter((s) => !nowStreams.has(s.id)),
    streamsChanged: [],
  };
  for (const before of streams.values()) {
    const now = nowStreams.get(before.id);
    if (now !== undefined && (now.hasAudio !== before.hasAudio || now.hasVideo !== before.hasVideo))
      difference.streamsChanged.push([before, now]);
  }
  return difference;
}
