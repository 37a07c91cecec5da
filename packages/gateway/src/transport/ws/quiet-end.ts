import type { Writable } from 'node:stream';

/**
 * Node's `Writable.end()` on a stream that has already finished (or was destroyed) changes nothing,
 * but builds an `ERR_STREAM_ALREADY_FINISHED` / `ERR_STREAM_DESTROYED` error first — with a stack
 * trace and a formatted message — only to drop it when no callback was given. `ws` makes three
 * such calls at every clean close (on the socket's `'end'`: its frame parser and the socket; on
 * `'close'`: the parser again), about 4 µs each here: ~5 % of the gateway's CPU per admission in a
 * connect–disconnect benchmark. {@link quietEnd} gives one stream an `end` that returns at once in
 * exactly that case (no arguments, already finished or destroyed) and otherwise is the original.
 */
export function quietEnd(stream: Writable): void {
  const end = stream.end;
  if (typeof end !== 'function') return;
  stream.end = quietVersionOf(end);
}

type End = Writable['end'];

/** One wrapper per original `end` (net.Socket's, Writable's), shared by every stream: no closure per socket. */
const quietVersions = new WeakMap<End, End>();

function quietVersionOf(end: End): End {
  let quiet = quietVersions.get(end);
  if (quiet === undefined) {
    quiet = function endUnlessFinished(this: Writable, ...args: unknown[]) {
      if (args.length === 0 && (this.writableFinished || this.destroyed)) return this;
      return (end as (...a: unknown[]) => Writable).apply(this, args);
    } as End;
    quietVersions.set(end, quiet);
    // A stream given the quiet version twice keeps it (no wrapper around a wrapper).
    quietVersions.set(quiet, quiet);
  }
  return quiet;
}

/** The frame parser of a ws socket (ws's `_receiver`, not part of its typed API), if there is one. */
export function receiverOf(ws: object): Writable | undefined {
  const receiver = (ws as { _receiver?: unknown })._receiver;
  return typeof receiver === 'object' && receiver !== null && typeof (receiver as Writable).end === 'function'
    ? (receiver as Writable)
    : undefined;
}
