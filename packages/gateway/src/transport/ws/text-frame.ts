/**
 * Server-to-client WebSocket text frames (RFC 6455 §5.2: FIN, opcode 1, unmasked). Built once per
 * fan-out: the session bus hands the same Outbound to every recipient, and `outbound.frame(textFrame)`
 * keeps the first Buffer, which is then written as it is to each socket, instead of each socket
 * framing (and ws allocating for) its own copy.
 */

/** The frame header's length for a payload of `length` bytes: 2, 4 or 10. */
function headerLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** One complete text frame carrying `text` (UTF-8). */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const offset = headerLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = 0x81; // FIN + text
  if (offset === 2) {
    frame[1] = length;
  } else if (offset === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, offset, 'utf8');
  return frame;
}
