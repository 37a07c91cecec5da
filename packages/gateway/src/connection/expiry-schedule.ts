import type { EpochMilliseconds } from '@stagepass/protocol';

/** Something to expire at a wall-clock time: the fields live on it (no entry object, no closure). */
export interface Expiring {
  /** When it expires, on the schedule's clock. */
  expiresAtMs: EpochMilliseconds;
  /** Its place in the schedule; -1 while not scheduled. Owned by the schedule. */
  expiryIndex: number;
  /** Called once, at or after expiresAtMs (unless cancelled first). */
  expire(): void;
}

export interface ExpirySchedule {
  /** Schedules (or moves) `item` to expire at `atMs`. */
  schedule(item: Expiring, atMs: EpochMilliseconds): void;
  /** Unschedules `item`; nothing when it is not scheduled. */
  cancel(item: Expiring): void;
  /** How many are scheduled. */
  readonly size: number;
  /** Cancels everything (shutdown). */
  stop(): void;
}

/** setTimeout's longest delay; token lifetimes (30 days) exceed it, so long waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Expiries of one node (eject at token expiry): a binary heap ordered by time and ONE timer, armed
 * for the earliest, instead of a timer per connection. Schedule and cancel are O(log n); an item
 * carries its own heap index, so a connection that closes early is taken out at once (nothing of
 * it stays referenced until its token would have expired).
 *
 * @example
 * ```ts
 * const ejects = createExpirySchedule(Date.now);
 * ejects.schedule(connection, client.expireTime * 1000);   // connection.expire() then
 * ```
 */
export function createExpirySchedule(now: () => EpochMilliseconds): ExpirySchedule {
  const heap: Expiring[] = [];
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const before = (a: Expiring, b: Expiring) => a.expiresAtMs < b.expiresAtMs;
  function place(item: Expiring, index: number): void {
    heap[index] = item;
    item.expiryIndex = index;
  }
  function up(index: number): void {
    const item = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(item, heap[parent]!)) break;
      place(heap[parent]!, index);
      index = parent;
    }
    place(item, index);
  }
  function down(index: number): void {
    const item = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, item)) break;
      place(heap[child]!, index);
      index = child;
    }
    place(item, index);
  }
  function remove(item: Expiring): void {
    const index = item.expiryIndex;
    if (index < 0 || heap[index] !== item) return;
    item.expiryIndex = -1;
    const last = heap.pop()!;
    if (last === item) return;
    place(last, index);
    up(index);
    down(last.expiryIndex);
  }

  function arm(): void {
    const first = heap[0];
    const at = first === undefined ? Infinity : first.expiresAtMs;
    if (at === armedFor) return;
    clearTimeout(timer);
    timer = undefined;
    armedFor = at;
    if (first === undefined) return;
    timer = setTimeout(fire, Math.max(0, Math.min(at - now(), MAX_TIMER_MS)));
    timer.unref();
  }
  function fire(): void {
    timer = undefined;
    armedFor = Infinity;
    const t = now();
    // Expire everything due; an expire() may schedule or cancel others: the heap stays consistent.
    while (heap.length > 0 && heap[0]!.expiresAtMs <= t) {
      const due = heap[0]!;
      remove(due);
      due.expire();
    }
    arm();
  }

  return {
    schedule(item, atMs) {
      remove(item);
      item.expiresAtMs = atMs;
      place(item, heap.length);
      up(heap.length - 1);
      arm();
    },
    cancel(item) {
      if (item.expiryIndex < 0) return;
      remove(item);
      arm();
    },
    get size() {
      return heap.length;
    },
    stop() {
      for (const item of heap) item.expiryIndex = -1;
      heap.length = 0;
      arm();
    },
  };
}
