import type { Writable } from 'node:stream';

/** What a counted frame parser tells: its connection's {@link ClientProtocol.fragment}. */
interface FragmentSink {
  fragment(): void;
}

/** ws's frame parser, as far as this file reads it (`dataMessage` and `_fin` are not in ws's typed API). */
interface FrameParser {
  dataMessage(...args: unknown[]): unknown;
  /** Whether the frame being handled is the last of its message. */
  _fin: boolean;
}

const SINK = Symbol('stagepass.fragmentSink');
type Counted = FrameParser & { [SINK]?: FragmentSink };

/** One wrapper per original `dataMessage` (ws's Receiver's), shared by every socket: no closure per socket. */
const counting = new WeakMap<FrameParser['dataMessage'], FrameParser['dataMessage']>();

/**
 * ws hands over whole messages only: the frames of a fragmented message, however many (empty ones
 * included), arrive as one `message` event, so a client could send frames without limit under the
 * message rate. ws's frame parser calls `dataMessage` once per data frame, with `_fin` false on all
 * but the last; this makes each of those non-final frames tell `sink` (which counts it against the
 * rate). A final frame costs one property read. Returns false (and changes nothing) when the parser
 * does not look like ws's.
 */
export function countFragments(receiver: Writable, sink: FragmentSink): boolean {
  const parser = receiver as unknown as Counted;
  const dataMessage = parser.dataMessage;
  if (typeof dataMessage !== 'function' || typeof parser._fin !== 'boolean') return false;
  let wrapped = counting.get(dataMessage);
  if (wrapped === undefined) {
    wrapped = function countedDataMessage(this: Counted, ...args: unknown[]) {
      if (!this._fin) this[SINK]?.fragment();
      return dataMessage.apply(this, args);
    };
    counting.set(dataMessage, wrapped);
    counting.set(wrapped, wrapped);
  }
  parser[SINK] = sink;
  parser.dataMessage = wrapped;
  return true;
}
