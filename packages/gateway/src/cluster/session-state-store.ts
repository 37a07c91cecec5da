import type { Logger } from 'pino';
import { parseSessionExport, type SessionExport } from '../session/session-export.js';
import type { ClusterCounts } from './cluster-metrics.js';
import type { ClusterCommands } from './redis-clients.js';

/** How long after a change its session's stored state is written (changes meanwhile go in the same write), ms. */
export const DEFAULT_STATE_WRITE_DELAY_MS = 50;

/** A stored state lives this long after its last write or refresh (an owner refreshes its sessions' hourly), ms. */
const STATE_TTL_MS = 24 * 60 * 60 * 1000;

/** Where the store reads the sessions this node owns and writes them. */
export interface StateStoreSource {
  /** The session's state now, with each connection's holder; undefined once this node no longer holds it. */
  exportOf(appId: string, sessionId: string): SessionExport | undefined;
  /** Redis, when it can be used now; undefined while it is away. */
  commands(): ClusterCommands | undefined;
  /** The key of a session's stored state. */
  keyOf(appId: string, sessionId: string): string;
}

/**
 * The copy in Redis of the state of each session this node owns (docs/cluster.md "Node death"), so that a
 * surviving node can rebuild a session whose owner died. The owner writes it `delayMs` after a change (one
 * `SET … PX` per changed session per write, in one pipeline; it is deleted with the session's lease); a write
 * that fails (Redis away) is done again at the next change or when Redis returns ({@link retry}). So what
 * changed in the last `delayMs` before a death, or while Redis was away, is not in the copy: the takeover
 * reconciles it with the nodes' sockets.
 */
export class SessionStateStore {
  private readonly dirty = new Map<string, { appId: string; sessionId: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: StateStoreSource,
    private readonly counts: Pick<ClusterCounts, 'stateWrites'>,
    private readonly delayMs: number = DEFAULT_STATE_WRITE_DELAY_MS,
    private readonly logger?: Logger,
  ) {}

  /** A session this node owns changed: its copy is written within `delayMs`. */
  changed(appId: string, sessionId: string): void {
    this.dirty.set(`${appId}\u0000${sessionId}`, { appId, sessionId });
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Redis answers again: what could not be written meanwhile is written now. */
  retry(): void {
    if (this.dirty.size > 0 && this.timer === undefined) void this.flush();
  }

  /** Writes every changed session's copy now. */
  async flush(): Promise<void> {
    this.timer = undefined;
    const commands = this.source.commands();
    if (commands === undefined || this.dirty.size === 0) return;
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    const pipeline = commands.pipeline();
    let writes = 0;
    for (const { appId, sessionId } of batch) {
      // Gone from this node (emptied): its copy goes with its lease (the release script deletes both).
      const exported = this.source.exportOf(appId, sessionId);
      if (exported === undefined) continue;
      pipeline.set(this.source.keyOf(appId, sessionId), JSON.stringify(exported), 'PX', STATE_TTL_MS);
      writes++;
    }
    if (writes === 0) return;
    try {
      const results = (await pipeline.exec()) ?? [];
      if (results.some(([err]) => err !== null)) throw results.find(([err]) => err !== null)![0];
      this.counts.stateWrites += writes;
    } catch (err) {
      for (const one of batch) this.dirty.set(`${one.appId}\u0000${one.sessionId}`, one);
      this.logger?.warn({ err }, 'session state could not be written to Redis; written when it answers again');
    }
  }

  /** Keeps the copies of long-lived, unchanged sessions from expiring: one `PEXPIRE` each, in one pipeline. */
  async refresh(sessions: Iterable<{ appId: string; sessionId: string }>): Promise<void> {
    const commands = this.source.commands();
    if (commands === undefined) return;
    const pipeline = commands.pipeline();
    for (const { appId, sessionId } of sessions) pipeline.pexpire(this.source.keyOf(appId, sessionId), STATE_TTL_MS);
    await pipeline.exec().catch(() => {});
  }

  /** The stored state of a session, or undefined (none, or malformed: logged). Throws when Redis fails. */
  async read(commands: ClusterCommands, appId: string, sessionId: string): Promise<SessionExport | undefined> {
    const text = await commands.get(this.source.keyOf(appId, sessionId));
    if (text === null) return undefined;
    try {
      return parseSessionExport(text);
    } catch (err) {
      this.logger?.error({ err, appId, sessionId }, 'a stored session state is malformed: not used');
      return undefined;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
