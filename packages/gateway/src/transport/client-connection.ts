import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import {
  ERROR_CODES, MessageError, PROTOCOL_VERSION, isStagepassError, parseClientMessage,
  type ClientMessage, type ErrorCode, type ErrorMessage,
} from '@stagepass/protocol';
import type { Logger } from 'pino';
import type { RawData } from 'ws';
import type { Admission } from '../admission/admit-client.js';
import { countClose, type GatewayMetrics, type HotCounts } from '../observability/gateway-metrics.js';
import type { AdmittedClient, Peer, SessionService } from '../session/session-service.js';
import type { GatewaySocket } from './gateway-socket.js';
import { takeToken, type RateLimit, type RateState } from './rate-limit.js';
import { textFrameOnce } from './text-frame.js';
import { corkForThisTurn, type Batched } from './write-batching.js';

/** What every connection of one gateway shares: one object, referenced once per connection. */
export interface TransportContext {
  readonly sessions: SessionService;
  readonly admission: Admission;
  readonly metrics: GatewayMetrics;
  readonly hot: HotCounts;
  readonly logger: Logger;
  readonly rateLimit: RateLimit;
  readonly maxBufferedBytes: number;
  readonly admissionTimeoutMs: number;
  /** Every open socket, admitted or not. */
  readonly connections: Set<ClientConnection>;
  /** Open sockets per remote address. */
  readonly socketsPerIp: Map<string, number>;
  /** Told after each socket closed (shutdown waits for the last one). */
  readonly onClosed: () => void;
}

// Connection states, as small integers: compared on every message.
const ADMITTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** `closeCode` of a socket the gateway terminated without a close frame (as ws reports it). */
export const TERMINATED = 1006;
/** How long a slow reader has to take its close frame before its socket is destroyed. */
const SLOW_CONSUMER_GRACE_MS = 1000;
/** ws's readyState of an open socket. */
const WS_OPEN = 1;

/** Close codes ws uses for a client's protocol violations, by ws's error code. */
function wsCloseCodeOf(err: Error): number {
  const code = (err as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH') return 1009;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  if (code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return 1008;
  return 1002;
}

/** A client's own clean close: normal, going away, no status (what browsers send), or an application code. */
function isClientClose(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1005 || (code >= 3000 && code <= 4999);
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * One client socket, from the upgrade to its close: admission, then requests into the session
 * core, and the core's {@link Peer}. Everything lives in fields of this one object; its socket
 * hands it every event directly ({@link GatewaySocket.emit}), and there is no timer per connection
 * (admission deadlines and keep-alive are sweeps over all sockets).
 */
export class ClientConnection implements Peer, RateState, Batched {
  state = ADMITTING;
  /** The session core's ID, once admitted. */
  connectionId: string | undefined = undefined;
  /** The Origin header, kept only until admission. */
  origin: string | undefined;
  /** When the admission time runs out, monotonic ms (checked by the admission sweep). */
  readonly admissionDue: number;
  /** Last frame of any kind (message, ping, pong), monotonic ms. */
  lastSeen: number;
  corked = false;
  /** While admission is pending: the frames that arrived meanwhile, as (data, isBinary) pairs. */
  pendingFrames: (RawData | boolean)[] | undefined = undefined;
  /** The close code the gateway ended this socket with (TERMINATED when destroyed); 0 while it did not. */
  closeCode = 0;
  // RateState
  tokens: number;
  refillAt: number;
  overSince = 0;
  lastRefusedAt = 0;
  refused = 0;

  constructor(
    readonly ctx: TransportContext,
    readonly ws: GatewaySocket,
    readonly socket: Duplex,
    readonly ip: string,
    readonly appId: string,
    readonly sessionId: string,
    origin: string | undefined,
  ) {
    const t = performance.now();
    this.origin = origin;
    this.admissionDue = t + ctx.admissionTimeoutMs;
    this.lastSeen = t;
    this.tokens = ctx.rateLimit.burst;
    this.refillAt = t;
  }

  // ------------------------------------------------------------------ Peer (called by the session core)

  /**
   * Queues one serialised message. Writes are corked for the rest of the event-loop turn, and the
   * frame is built once per fan-out. A client whose unsent backlog would pass maxBufferedBytes is
   * dropped (4022) instead: the sender and the other recipients never wait for it.
   */
  send(text: string): void {
    // ws's own state too: once it has sent or received a close frame, no data frame may follow.
    if (this.state >= CLOSING || this.ws.readyState !== WS_OPEN) return;
    const frame = textFrameOnce(text);
    const buffered = this.socket.writableLength;
    // A single message larger than the cap (a `connected` of a full session) still goes to a reader
    // that keeps up; only a backlog counts against it.
    if (buffered > 0 && buffered + frame.length > this.ctx.maxBufferedBytes) {
      this.drop(ERROR_CODES.ERR_SLOW_CONSUMER.closeCode, 'ERR_SLOW_CONSUMER');
      return;
    }
    // `connected`, the only message sent while admitting, leaves at once; later messages are
    // batched per turn.
    if (this.state !== ADMITTING) corkForThisTurn(this);
    // The frame goes to the socket directly: ws's sender writes each frame at once when it has no
    // compression and no Blob (the gateway uses neither), so frames keep their order either way.
    this.socket.write(frame);
    this.ctx.hot.messagesOut++;
  }

  /** The core removed this connection (moderation, revocation, expiry, shutdown): close the socket. */
  close(code: number, reason: string): void {
    if (this.state >= CLOSING) return;
    this.end(code, reason);
  }

  // ------------------------------------------------------------------ from the socket

  /** A frame arrived. */
  receive(data: RawData, isBinary: boolean): void {
    const t = performance.now();
    this.lastSeen = t;
    if (this.state === OPEN) this.request(data, isBinary, t);
    else if (this.pendingFrames !== undefined) this.pendingFrames.push(data, isBinary);
    else if (this.state === ADMITTING) this.admit(data, isBinary);
  }

  /** A ping or pong arrived. */
  alive(): void {
    this.lastSeen = performance.now();
  }

  /** ws refused a frame (too large, bad UTF-8, protocol error) and has already sent its close. */
  protocolError(err: Error): void {
    if (this.state >= CLOSING) return;
    const code = wsCloseCodeOf(err);
    if (this.state === ADMITTING) this.countRefusal(code === 1009 ? 'ERR_MESSAGE_TOO_LARGE' : 'ERR_MESSAGE_INVALID');
    this.leaveSoon();
    this.state = CLOSING;
    this.closeCode = code;
    this.ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId, close: code, wsError: (err as { code?: unknown }).code }, 'client protocol error');
  }

  /** The socket closed, whoever closed it. */
  closed(code: number): void {
    if (this.state === CLOSED) return;
    const ctx = this.ctx;
    this.state = CLOSED;
    this.origin = undefined;
    ctx.connections.delete(this);
    const left = (ctx.socketsPerIp.get(this.ip) ?? 1) - 1;
    if (left <= 0) ctx.socketsPerIp.delete(this.ip);
    else ctx.socketsPerIp.set(this.ip, left);
    const byGateway = this.closeCode !== 0;
    countClose(ctx.hot, byGateway ? this.closeCode : code);
    if (this.connectionId !== undefined) {
      // Idempotent: a connection the core or the gateway already removed is not announced twice.
      ctx.sessions.leave(this.connectionId, !byGateway && isClientClose(code) ? 'clientDisconnected' : 'networkDisconnected');
    }
    ctx.onClosed();
  }

  /** The keep-alive sweep: terminate after idleTimeoutMs without any frame, else ping. */
  sweep(t: number, idleTimeoutMs: number): void {
    if (this.state >= CLOSING) return;
    if (t - this.lastSeen >= idleTimeoutMs) {
      this.ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId }, 'client unresponsive: terminated');
      this.drop(TERMINATED, '');
    } else {
      this.ws.ping();
    }
  }

  /** The admission sweep: refuse a socket whose admission time passed without a connect message. */
  sweepAdmission(t: number): void {
    if (this.state === ADMITTING && t >= this.admissionDue) this.refuseAdmission('ERR_ADMISSION_TIMEOUT');
  }

  /** Shutdown: end a socket the session core does not hold (still being admitted). */
  shutDown(): void {
    if (this.state >= CLOSING) return;
    this.end(ERROR_CODES.ERR_SERVER_SHUTTING_DOWN.closeCode, 'ERR_SERVER_SHUTTING_DOWN');
  }

  /** Shutdown past its drain time. */
  terminate(): void {
    if (this.state === CLOSED) return;
    if (this.closeCode === 0) this.closeCode = TERMINATED;
    this.state = CLOSING;
    this.ws.terminate();
  }

  // ------------------------------------------------------------------ internals

  private admit(data: RawData, isBinary: boolean): void {
    let message: ClientMessage;
    try {
      if (isBinary) throw new MessageError('binary frame', null);
      message = parseClientMessage(textOf(data));
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.refuseAdmission('ERR_MESSAGE_INVALID');
      return;
    }
    if (message.type !== 'connect') {
      this.refuseAdmission('ERR_MESSAGE_INVALID');
      return;
    }
    if (message.v !== PROTOCOL_VERSION) {
      this.refuseAdmission('ERR_PROTOCOL_VERSION');
      return;
    }
    const ctx = this.ctx;
    // Frames that arrive while admission is pending wait for it (see receive).
    this.pendingFrames = [];
    ctx.admission.admit({ appId: this.appId, sessionId: this.sessionId, origin: this.origin, token: message.token })
      .then((client) => this.join(client), (err: unknown) => this.admissionFailed(err));
  }

  private admissionFailed(err: unknown): void {
    this.pendingFrames = undefined;
    if (isStagepassError(err)) this.refuseAdmission(err.code);
    else this.fail(err, 'admission failed');
  }

  private join(client: AdmittedClient): void {
    const frames = this.pendingFrames;
    this.pendingFrames = undefined;
    // Closed, refused (admission timeout) or shut down while admission was pending: do not join.
    if (this.state !== ADMITTING) return;
    const ctx = this.ctx;
    let id: string;
    try {
      id = ctx.sessions.join(client, this);
    } catch (err) {
      this.admissionFailed(err);
      return;
    }
    this.origin = undefined;
    this.connectionId = id;
    if (this.state !== ADMITTING) {
      // Dropped while joining (its own `connected` overflowed a slow socket): undo the join.
      ctx.sessions.leave(id, 'networkDisconnected');
      return;
    }
    this.state = OPEN;
    ctx.hot.admitted++;
    ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: id }, 'client admitted');
    for (let i = 0; i < frames!.length && this.state === OPEN; i += 2) this.request(frames![i] as RawData, frames![i + 1] as boolean, performance.now());
  }

  private request(data: RawData, isBinary: boolean, t: number): void {
    const ctx = this.ctx;
    ctx.hot.messagesIn++;
    let message: ClientMessage | undefined;
    let problem: MessageError | undefined;
    if (isBinary) {
      problem = new MessageError('Binary frames are not accepted: send each message as one JSON text frame.', null);
    } else {
      try {
        message = parseClientMessage(textOf(data));
      } catch (err) {
        if (!(err instanceof MessageError)) throw err;
        problem = err;
      }
    }
    // Every frame counts against the rate, invalid ones too: a flood of garbage is still a flood.
    const verdict = takeToken(this, ctx.rateLimit, t);
    if (verdict !== 'allow') {
      if (verdict === 'close') {
        ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId }, 'client kept flooding: closed');
        this.drop(ERROR_CODES.ERR_RATE_LIMITED.closeCode, 'ERR_RATE_LIMITED');
      } else {
        const id = message !== undefined && message.type !== 'connect' ? message.id ?? null : problem?.requestId ?? null;
        this.reply(id, 'ERR_RATE_LIMITED', `Too many messages: at most ${ctx.rateLimit.perSecond} per second (bursts of ${ctx.rateLimit.burst}).`);
      }
      return;
    }
    if (problem !== undefined) {
      this.reply(problem.requestId, 'ERR_MESSAGE_INVALID', problem.message);
      return;
    }
    if (message!.type === 'connect') {
      this.reply(null, 'ERR_MESSAGE_INVALID', 'connect is only the first message; this connection is already admitted.');
      return;
    }
    try {
      ctx.sessions.handle(this.connectionId!, message!);
    } catch (err) {
      this.fail(err, 'request failed');
    }
  }

  private reply(id: number | null, code: ErrorCode, message: string): void {
    this.send(JSON.stringify({ type: 'error', id, code, message } satisfies ErrorMessage));
  }

  private countRefusal(code: ErrorCode): void {
    this.ctx.metrics.admissions.inc({ result: code });
    this.ctx.logger.info({ code, appId: this.appId, sessionId: this.sessionId }, 'admission refused');
  }

  private refuseAdmission(code: ErrorCode): void {
    if (this.state >= CLOSING) return;
    this.countRefusal(code);
    this.origin = undefined;
    this.end(ERROR_CODES[code].closeCode, code);
  }

  /** Starts the closing handshake (ws destroys the socket if the client does not answer in time). */
  private end(code: number, reason: string): void {
    this.state = CLOSING;
    this.closeCode = code;
    this.ws.close(code, reason);
  }

  /**
   * The gateway ends a connection for breaking a limit: it leaves its session at once (the others
   * see networkDisconnected), then its socket is closed, or destroyed when `code` is TERMINATED.
   */
  private drop(code: number, reason: string): void {
    if (this.state >= CLOSING) return;
    this.leaveSoon();
    if (code === TERMINATED) {
      this.terminate();
      return;
    }
    this.end(code, reason);
    if (code === ERROR_CODES.ERR_SLOW_CONSUMER.closeCode) {
      // Its close frame waits behind the backlog; a reader this slow gets a moment, then is cut off.
      this.ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId }, 'slow consumer: closed');
      setTimeout(terminateSocket, SLOW_CONSUMER_GRACE_MS, this).unref();
    }
  }

  /**
   * Removes an admitted connection from its session after the current fan-out: it may be running
   * (a slow reader is found inside one), and the others must see events in one order.
   */
  private leaveSoon(): void {
    const id = this.connectionId;
    if (id === undefined || this.state !== OPEN) return;
    const sessions = this.ctx.sessions;
    queueMicrotask(() => sessions.leave(id, 'networkDisconnected'));
  }

  /** An unexpected error (a bug, or the registry failing): log it, close 1011 ERR_INTERNAL, keep the gateway up. */
  private fail(err: unknown, what: string): void {
    this.ctx.logger.error({ err, appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId }, what);
    if (this.state === ADMITTING) this.ctx.metrics.admissions.inc({ result: 'error' });
    this.drop(1011, 'ERR_INTERNAL');
  }
}

function terminateSocket(connection: ClientConnection): void {
  connection.terminate();
}
