import type { Milliseconds } from '@stagepass/protocol';
import type { SessionService } from '../session/session-service.js';
import { createExpirySchedule, type Expiring } from './expiry-schedule.js';

/**
 * The resume windows of the connections whose sockets this node held and lost (docs/protocol.md
 * "Resume"): the window timer lives on the node that held the socket, as ejects at expiry do.
 */
export interface ResumeWindows {
  /**
   * An admitted connection's socket dropped: suspend it in the core and open its window. False when
   * resume is off (`resumeWindowMs` 0) or the core no longer has it live: the caller then lets it leave.
   */
  suspend(connectionId: string): boolean;
  /** It was resumed (here): its window closes without ending it. */
  resumed(connectionId: string): void;
  /** Windows open now. */
  readonly size: number;
  /** Shutdown: forget every window (the core is closing every connection anyway). */
  stop(): void;
}

/** One open window: an entry of the node's schedule, made only when a socket drops. */
class Window implements Expiring {
  expiresAtMs = 0;
  expiryIndex = -1;
  constructor(
    readonly connectionId: string,
    private readonly passed: (window: Window) => void,
  ) {}
  expire(): void {
    this.passed(this);
  }
}

/**
 * The node's resume windows: one {@link createExpirySchedule} heap and timer for all of them, on a
 * monotonic clock. When a window passes, the connection leaves with reason networkDisconnected.
 *
 * @example
 * ```ts
 * const resumes = createResumeWindows(sessions, 30_000, () => performance.now());
 * if (!resumes.suspend(connectionId)) sessions.leave(connectionId, 'networkDisconnected');
 * ```
 */
export function createResumeWindows(
  sessions: SessionService,
  windowMs: Milliseconds,
  now: () => number,
): ResumeWindows {
  const schedule = createExpirySchedule(now);
  const open = new Map<string, Window>();
  const passed = (window: Window) => {
    if (open.get(window.connectionId) !== window) return;
    open.delete(window.connectionId);
    sessions.leave(window.connectionId, 'networkDisconnected');
  };
  return {
    suspend(connectionId) {
      if (windowMs === 0 || !sessions.suspend(connectionId)) return false;
      const window = new Window(connectionId, passed);
      const before = open.get(connectionId);
      if (before !== undefined) schedule.cancel(before);
      open.set(connectionId, window);
      schedule.schedule(window, now() + windowMs);
      return true;
    },
    resumed(connectionId) {
      const window = open.get(connectionId);
      if (window === undefined) return;
      open.delete(connectionId);
      schedule.cancel(window);
    },
    get size() {
      return open.size;
    },
    stop() {
      open.clear();
      schedule.stop();
    },
  };
}
