/**
 * One serialised ServerMessage on its way to every recipient of one fan-out on this node. The bus
 * makes one per event and hands the same object to each recipient's {@link Peer}; the transport
 * encodes it once (a WebSocket frame) and writes that same encoding to every socket.
 *
 * @example
 * ```ts
 * const message = new Outbound(JSON.stringify({ type: 'signal', from: null, signalType: '', data: 'hi' }));
 * for (const peer of peers) peer.send(message);   // each peer: socket.write(message.frame(textFrame))
 * ```
 */
export class Outbound {
  private encoded: Buffer | undefined = undefined;

  constructor(readonly text: string) {}

  /**
   * The text as `encode` turns it into bytes, built at the first call and the same Buffer at every
   * later one: a fan-out to 100 sockets frames its message once. Every caller of one Outbound must
   * pass the same `encode` (a node has one transport).
   */
  frame(encode: (text: string) => Buffer): Buffer {
    return (this.encoded ??= encode(this.text));
  }
}
