// A deliberately lean WebSocket client over raw `net` sockets, for the load process.
//
// The `ws` library as a client costs about as much CPU per connection as a server does, so with it
// the load process saturates its core first and the benchmark measures the client. This one writes
// a pre-built HTTP upgrade request, checks only that the answer is `101`, writes pre-masked frames,
// and parses just the frame headers of what the server sends (no UTF-8 validation, no per-message
// allocation unless the caller asks for the payload). It does not verify Sec-WebSocket-Accept.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export const HOST = '127.0.0.1';

export const OP_TEXT = 0x1;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_101 = Buffer.from('HTTP/1.1 101');

/** The bytes of one upgrade request to `path` (with its query), with a fresh Sec-WebSocket-Key. */
export function upgradeRequest(port, path) {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\n` +
      `Host: ${HOST}:${port}\r\n` +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n' +
      '\r\n',
    'latin1',
  );
}

/** Length of the header (with the 4-byte mask key) of a masked client frame with this payload length. */
export function maskedHeaderLength(length) {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + 4;
}

/**
 * Writes one masked, final client frame into `out` at `offset` (the payload already at
 * `offset + maskedHeaderLength(length)`, unmasked); masks it in place. Returns the offset after it.
 * Client frames must be masked (RFC 6455 §5.3); the key comes from Math.random, which is enough
 * for a benchmark.
 */
export function maskInPlace(out, offset, opcode, length) {
  out[offset] = 0x80 | opcode;
  let p = offset + 2;
  if (length < 126) {
    out[offset + 1] = 0x80 | length;
  } else if (length < 65536) {
    out[offset + 1] = 0x80 | 126;
    out.writeUInt16BE(length, offset + 2);
    p = offset + 4;
  } else {
    out[offset + 1] = 0x80 | 127;
    out.writeUInt32BE(0, offset + 2);
    out.writeUInt32BE(length, offset + 6);
    p = offset + 10;
  }
  const key = (Math.random() * 0x100000000) >>> 0 || 1;
  out.writeUInt32BE(key, p);
  const m0 = out[p];
  const m1 = out[p + 1];
  const m2 = out[p + 2];
  const m3 = out[p + 3];
  const start = p + 4;
  const end = start + length;
  let i = start;
  for (; i + 3 < end; i += 4) {
    out[i] ^= m0;
    out[i + 1] ^= m1;
    out[i + 2] ^= m2;
    out[i + 3] ^= m3;
  }
  for (let k = 0; i < end; i++, k++) out[i] ^= out[p + k];
  return end;
}

/** One masked client frame holding `payload` (a Buffer or a latin1/ASCII string). */
export function maskedFrame(opcode, payload) {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = maskedHeaderLength(bytes.length);
  const out = Buffer.allocUnsafe(header + bytes.length);
  bytes.copy(out, header);
  maskInPlace(out, 0, opcode, bytes.length);
  return out;
}

const CLOSE_1000 = Buffer.from([0x03, 0xe8]);

/**
 * Every socket reads into this one buffer (net's `onread` option): no Buffer allocated and no stream
 * event per read. Safe because each read is parsed synchronously in its callback; an incomplete
 * frame left at the end is copied out before the next read.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

// Socket states.
const CONNECTING = 0;
const UPGRADING = 1;
const OPEN = 2;
const CLOSING = 3;
const CLOSED = 4;

/**
 * One raw WebSocket connection. `handler` gets:
 * - `onOpen(client)` once the server answered 101;
 * - `onText(client, buffer, start, end)` for each text frame (the payload is buffer[start, end),
 *   valid only during the call);
 * - `onServerClose(client, code, reason)` when the server sent a close frame;
 * - `onEnd(client, error)` once the socket is gone (error: a string, or undefined for a clean end).
 * Pings are answered with pongs. Frames from the server must be final and unmasked (they are).
 */
export class RawClient {
  constructor(port, request, handler) {
    this.handler = handler;
    this.state = CONNECTING;
    this.pending = null; // bytes of an incomplete HTTP head or frame
    this.error = undefined;
    this.tag = undefined; // free for the caller
    const socket = connect({
      port,
      host: HOST,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => this.data(buf.subarray(0, n)) },
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.state = UPGRADING;
      socket.write(request);
    });
    socket.on('error', (err) => {
      if (this.state < CLOSING && this.error === undefined) this.error = err.code ?? err.message;
    });
    socket.on('close', () => {
      const before = this.state;
      this.state = CLOSED;
      if (before < CLOSING && this.error === undefined) this.error = 'socket closed by the server';
      this.handler.onEnd(this, this.error);
    });
  }

  get open() {
    return this.state === OPEN;
  }

  /** Writes bytes already framed and masked. */
  write(bytes) {
    if (this.state === OPEN) this.socket.write(bytes);
  }

  /** Sends a close frame (1000) and lets the server end the TCP connection (it answers and closes). */
  close() {
    if (this.state >= CLOSING) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSING;
    if (wasOpen) this.socket.write(maskedFrame(OP_CLOSE, CLOSE_1000));
    else this.socket.destroy();
  }

  /** Drops the TCP connection at once. */
  destroy() {
    if (this.state >= CLOSING && this.socket.destroyed) return;
    this.state = CLOSING;
    this.socket.destroy();
  }

  fail(why) {
    if (this.error === undefined) this.error = why;
    this.state = CLOSING;
    this.socket.destroy();
  }

  data(chunk) {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let off = 0;
    if (this.state === UPGRADING) {
      const headEnd = buf.indexOf(CRLFCRLF);
      if (headEnd === -1) {
        if (buf.length > 8192) this.fail('HTTP answer head too large');
        else this.pending = Buffer.from(buf);
        return;
      }
      if (buf.compare(STATUS_101, 0, STATUS_101.length, 0, STATUS_101.length) !== 0) {
        this.fail(`upgrade refused: ${buf.toString('latin1', 0, Math.min(headEnd, buf.indexOf('\r\n'))).trim()}`);
        return;
      }
      this.state = OPEN;
      off = headEnd + 4;
      this.handler.onOpen(this);
    }
    const n = buf.length;
    while (n - off >= 2 && this.state !== CLOSED) {
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (n - off < 4) break;
        length = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (length === 127) {
        if (n - off < 10) break;
        length = buf.readUInt32BE(off + 2) * 0x100000000 + buf.readUInt32BE(off + 6);
        header = 10;
      }
      if ((b1 & 0x80) !== 0 || (b0 & 0x80) === 0) {
        this.fail('the server sent a masked or fragmented frame');
        return;
      }
      const start = off + header;
      const end = start + length;
      if (end > n) break;
      const opcode = b0 & 0x0f;
      if (opcode === OP_TEXT) {
        this.handler.onText(this, buf, start, end);
      } else if (opcode === OP_PING) {
        if (this.state === OPEN) this.socket.write(maskedFrame(OP_PONG, buf.subarray(start, end)));
      } else if (opcode === OP_CLOSE) {
        const code = length >= 2 ? buf.readUInt16BE(start) : 1005;
        const reason = length > 2 ? buf.toString('utf8', start + 2, end) : '';
        const wasClosing = this.state >= CLOSING;
        this.state = CLOSING;
        if (!wasClosing) this.handler.onServerClose(this, code, reason);
        this.socket.end();
      } else if (opcode !== OP_PONG) {
        this.fail(`the server sent a frame with opcode ${opcode}`);
        return;
      }
      off = end;
    }
    // A copy: `buf` may be the shared read buffer, overwritten by the next read.
    if (off < n && this.state !== CLOSED) this.pending = Buffer.from(buf.subarray(off));
  }
}

/** Starts `count` admissions with at most `concurrency` in flight; resolves when all are done. */
export function bounded(count, concurrency, start) {
  return new Promise((resolve) => {
    let started = 0;
    let finished = 0;
    const next = () => {
      finished++;
      if (started < count) start(started++, next);
      else if (finished === count) resolve();
    };
    if (count === 0) {
      resolve();
      return;
    }
    for (let i = 0; i < Math.min(concurrency, count); i++) start(started++, next);
  });
}

/** Soft limit on open file descriptors of this process (Linux), or undefined when unknown. */
export async function openFileLimit() {
  try {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile('/proc/self/limits', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s+/)[3];
    return soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return undefined;
  }
}
