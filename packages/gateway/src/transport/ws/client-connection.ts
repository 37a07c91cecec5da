import type { Duplex } from 'node:stream';
import { ERROR_CODES } from '@stagepass/protocol';
import type { RawData } from 'ws';
import { ClientProtocol, CLOSING, type ProtocolContext } from '../../connection/client-protocol.js';
import type { Outbound } from '../../session/outbound.js';
import { corkForThisTurn, type Batched } from '../write-batching.js';
import type { GatewaySocket } from './gateway-socket.js';
import { textFrame } from './text-frame.js';

/** What the ws transport adds to the connections' shared context. */
export interface TransportContext extends ProtocolContext {
  readonly maxBufferedBytes: number;
}

/** ws's readyState of an open socket. */
const WS_OPEN = 1;

/** Close codes ws uses for a client's protocol violations, by ws's error code. */
export function wsCloseCodeOf(err: Error): number {
  const code = (err as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH') return 1009;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  if (code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return 1008;
  return 1002;
}

/** A message's text (ws hands a Buffer, or fragments, or an ArrayBuffer). */
export function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * One client socket over ws: the {@link ClientProtocol} with its socket. The socket hands it every
 * event directly ({@link GatewaySocket.emit}); it writes frames to the socket itself.
 */
export class ClientConnection extends ClientProtocol implements Batched {
  declare readonly ctx: TransportContext;
  corked = false;

  constructor(
    ctx: TransportContext,
    readonly ws: GatewaySocket,
    readonly socket: Duplex,
    ip: string,
    appId: string,
    sessionId: string,
    origin: string | undefined,
  ) {
    super(ctx, ip, appId, sessionId, origin);
  }

  /**
   * Queues one serialised message. Writes are corked for the rest of the event-loop turn, and the
   * frame is built once per fan-out (the same {@link Outbound} reaches every recipient, and its
   * frame is built by the first). A client whose unsent backlog would pass maxBufferedBytes is
   * dropped (4022) instead: the sender and the other recipients never wait for it.
   */
  send(message: Outbound): void {
    // ws's own state too: once it has sent or received a close frame, no data frame may follow.
    if (this.state >= CLOSING || this.ws.readyState !== WS_OPEN) return;
    const frame = message.frame(textFrame);
    const buffered = this.socket.writableLength;
    // A single message larger than the cap (a `connected` of a full session) still goes to a reader
    // that keeps up; only a backlog counts against it.
    if (buffered > 0 && buffered + frame.length > this.ctx.maxBufferedBytes) {
      this.drop(ERROR_CODES.ERR_SLOW_CONSUMER.closeCode, 'ERR_SLOW_CONSUMER');
      return;
    }
    // Every message, `connected` too, leaves in the turn's one write per socket (sending `connected`
    // at once measured 0.4 % of an admission: not worth a second path, docs/benchmarks.md).
    corkForThisTurn(this);
    // The frame goes to the socket directly: ws's sender writes each frame at once when it has no
    // compression and no Blob (the gateway uses neither), so frames keep their order either way.
    this.socket.write(frame);
    this.ctx.hot.messagesOut++;
  }

  /** A frame arrived (GatewaySocket.emit 'message'). */
  message(data: RawData, isBinary: boolean): void {
    // Before `connect` and once open, the text is read; a binary frame is refused as such.
    this.receive(isBinary ? null : textOf(data));
  }

  /** A ping arrived (GatewaySocket.emit 'ping'; ws does not answer pings itself: autoPong is off). */
  ping(data: Buffer): void {
    // Answered only within the rate: a ping flood gets no pongs, then a 1008.
    if (this.controlFrame() && this.ws.readyState === WS_OPEN) this.ws.pong(data);
  }

  /** ws refused a frame and has already sent its close (GatewaySocket.emit 'error'). */
  wsError(err: Error): void {
    this.protocolError(wsCloseCodeOf(err), (err as { code?: unknown }).code);
  }

  protected closeSocket(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  protected destroySocket(): void {
    this.ws.terminate();
  }

  protected pingSocket(): void {
    this.ws.ping();
  }
}
