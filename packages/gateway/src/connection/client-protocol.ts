import { performance } from 'node:perf_hooks';
import {
  ERROR_CODES,
  MessageError,
  PROTOCOL_VERSION,
  isStagepassError,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type ErrorMessage,
  type Milliseconds,
  type ResumeMessage,
} from '@stagepass/protocol';
import type { Logger } from 'pino';
import type { Admission } from '../admission/admit-client.js';
import type { GatewayMetrics, HotCounts } from '../observability/gateway-metrics.js';
import { Outbound } from '../session/outbound.js';
import type { AdmittedClient, Peer, SessionService } from '../session/session-service.js';
import type { Expiring, ExpirySchedule } from './expiry-schedule.js';
import type { ResumeWindows } from './resume-windows.js';
import { RATE_LIMIT_CLOSE_AFTER_REFUSED, takeToken, type RateLimit, type RateState } from './rate-limit.js';

/** What every connection of one gateway shares: one object, referenced once per connection. */
export interface ProtocolContext {
  readonly sessions: SessionService;
  readonly admission: Admission;
  readonly metrics: GatewayMetrics;
  readonly hot: HotCounts;
  readonly logger: Logger;
  readonly rateLimit: RateLimit;
  readonly admissionTimeoutMs: Milliseconds;
  /** This node's ejects at token expiry (its clock runs the clock tolerance behind: exp + tolerance). */
  readonly ejects: ExpirySchedule;
  /** This node's resume windows, for the sockets it held and lost. */
  readonly resumes: ResumeWindows;
  /** Every open socket, admitted or not. */
  readonly connections: Set<ClientProtocol>;
  /** Told after each socket closed (shutdown waits for the last one). */
  readonly onClosed: () => void;
}

// Connection states, as small integers: compared on every message.
/** Upgraded; its first message must be `connect`. */
export const AWAITING_CONNECT = 0;
/** `connect` received: admission and join in flight; later frames are held until it is open. */
export const ADMITTING = 1;
export const OPEN = 2;
export const CLOSING = 3;
export const CLOSED = 4;

/** `closeCode` of a socket the gateway terminated without a close frame (as ws reports it). */
export const TERMINATED = 1006;
/** How long a slow reader has to take its close frame before its socket is destroyed. */
const SLOW_CONSUMER_GRACE_MS = 1000;

/** A client's own clean close: normal, going away, no status (what browsers send), or an application code. */
function isClientClose(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1005 || (code >= 3000 && code <= 4999);
}

/**
 * One client connection's protocol, from the upgrade to its close, with no socket in it: the
 * `connect` handshake and admission, the requests into the session core, rate verdicts, error
 * replies, the close bookkeeping, and the sweeps' decisions. A transport subclass supplies the
 * socket ({@link send} as the session core's {@link Peer}, and the close, destroy and ping hooks);
 * tests use a fake one. Everything lives in fields of this one object: no closure, Map or timer
 * per connection (admission deadlines and keep-alive are sweeps, expiries one schedule per node).
 *
 * Admission is asynchronous (`await ctx.admission.admit`, then `await ctx.sessions.join`). Frames
 * that arrive meanwhile are held and handled in order once `connected` has gone out, each counted
 * against the rate then; no more are held than the rate limit lets through in one instant (a burst,
 * then its refusals), so a flood while admitting ends as a flood once admitted does (1008
 * ERR_RATE_LIMITED), and a client sees what it saw when admission was synchronous. A socket that closes, is dropped or
 * is shut down meanwhile is never joined (or its join is undone), so no connection that never was is
 * announced, and none is left behind.
 */
export abstract class ClientProtocol implements Peer, RateState, Expiring {
  state = AWAITING_CONNECT;
  /** The session core's ID, once admitted. */
  connectionId: string | undefined = undefined;
  /** The Origin header, kept only until admission. */
  origin: string | undefined;
  /** When the admission time runs out, monotonic ms (checked by the admission sweep). */
  readonly admissionDue: number;
  /** Last frame of any kind (message, ping, pong), monotonic ms. */
  lastSeen: number;
  /** The close code the gateway ended this socket with (TERMINATED when destroyed); 0 while it did not. */
  closeCode = 0;
  /** The reason the gateway closed with ('' while it did not). */
  closeReason = '';
  /** When the socket was accepted, monotonic ms (for the duration logged at its end). */
  readonly openedAt: number;
  /** Text frames that arrived while admitting; created on the first. */
  held: string[] | undefined = undefined;
  // RateState
  tokens: number;
  refillAt: number;
  overSince = 0;
  lastRefusedAt = 0;
  refused = 0;
  // Expiring (ejectAtExpiry)
  expiresAtMs = 0;
  expiryIndex = -1;

  constructor(
    readonly ctx: ProtocolContext,
    readonly ip: string,
    readonly appId: string,
    readonly sessionId: string,
    origin: string | undefined,
  ) {
    const t = performance.now();
    this.origin = origin;
    this.admissionDue = t + ctx.admissionTimeoutMs;
    this.openedAt = t;
    this.lastSeen = t;
    this.tokens = ctx.rateLimit.burst;
    this.refillAt = t;
  }

  // ------------------------------------------------------------------ the transport's part

  /** Queues one serialised message on the socket (the session core's {@link Peer}). */
  abstract send(message: Outbound): void;
  /** Starts the closing handshake with this code and reason. */
  protected abstract closeSocket(code: number, reason: string): void;
  /** Destroys the socket without a close frame. */
  protected abstract destroySocket(): void;
  protected abstract pingSocket(): void;

  // ------------------------------------------------------------------ Peer (called by the session core)

  /**
   * The core no longer reaches the connection through this socket: it removed it (moderation,
   * revocation, shutdown) or a `resume` moved it to another socket. Close the socket; its close
   * must not end (or suspend) the connection, so this socket forgets it.
   */
  close(code: number, reason: string): void {
    if (this.state >= CLOSING) return;
    this.connectionId = undefined;
    this.end(code, reason);
  }

  // ------------------------------------------------------------------ from the socket

  /** A message arrived: its text, or null for a binary frame. */
  receive(text: string | null): void {
    const t = performance.now();
    this.lastSeen = t;
    const state = this.state;
    if (state === OPEN) this.request(text, t);
    else if (state === AWAITING_CONNECT) this.admit(text);
    else if (state === ADMITTING) this.hold(text);
  }

  /**
   * A ping or pong arrived. Each counts against the message rate (docs/protocol.md: every frame counts);
   * before `connected` it is not allowed at all (the gateway pings only admitted sockets, and a client
   * has nothing to ping yet): the socket is closed 4019 ERR_MESSAGE_INVALID. True when a ping is to be
   * answered.
   */
  controlFrame(): boolean {
    const t = performance.now();
    this.lastSeen = t;
    const state = this.state;
    if (state === OPEN) return this.countFrame(t);
    if (state <= ADMITTING) this.refuseAdmission('ERR_MESSAGE_INVALID');
    return false;
  }

  /**
   * A data frame that is not the last of its message (the first fragment, or a continuation) arrived.
   * It counts against the rate like a message, before `connect` too; the message, once whole, counts
   * once more.
   */
  fragment(): void {
    const t = performance.now();
    this.lastSeen = t;
    if (this.state <= OPEN) this.countFrame(t);
  }

  /** The transport refused a frame (too large, bad UTF-8, protocol error) and has already sent its close `code`. */
  protocolError(code: number, detail: unknown): void {
    if (this.state >= CLOSING) return;
    if (this.state <= ADMITTING) this.countRefusal(code === 1009 ? 'ERR_MESSAGE_TOO_LARGE' : 'ERR_MESSAGE_INVALID');
    this.leaveSoon();
    this.state = CLOSING;
    this.closeCode = code;
    this.ctx.logger.info(
      { appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId, close: code, wsError: detail },
      'client protocol error',
    );
  }

  /** The socket closed, whoever closed it; `reason` is the close frame's (the client's, when it closed first). */
  closed(code: number, reason?: Buffer): void {
    if (this.state === CLOSED) return;
    this.logEnd(code, reason);
    const ctx = this.ctx;
    this.state = CLOSED;
    this.origin = undefined;
    this.held = undefined;
    ctx.ejects.cancel(this);
    ctx.connections.delete(this);
    const byGateway = this.closeCode !== 0;
    ctx.metrics.closes.inc({ code: String(byGateway ? this.closeCode : code) });
    const id = this.connectionId;
    if (id !== undefined) {
      // A drop nobody chose (or a peer gone silent) suspends it for the resume window; otherwise it
      // leaves at once. Idempotent: a connection the core already removed is not announced twice.
      const dropped = byGateway ? this.closeCode === TERMINATED : !isClientClose(code);
      if (!dropped || !ctx.resumes.suspend(id))
        ctx.sessions.leave(id, !byGateway && isClientClose(code) ? 'clientDisconnected' : 'networkDisconnected');
    }
    ctx.onClosed();
  }

  /** One line per connection's end: who closed it, code, reason, duration; never the token or its data. */
  private logEnd(code: number, reason: Buffer | undefined): void {
    // Every close passes here: build nothing for a logger that would drop the line (test fakes may lack the method).
    if (this.ctx.logger.isLevelEnabled?.('info') === false) return;
    const byGateway = this.closeCode !== 0;
    this.ctx.logger.info(
      {
        appId: this.appId,
        sessionId: this.sessionId,
        connectionId: this.connectionId,
        by: byGateway ? 'gateway' : 'client',
        code: byGateway ? this.closeCode : code,
        reason: byGateway ? this.closeReason : (reason?.toString('utf8') ?? ''),
        durationMs: Math.round(performance.now() - this.openedAt),
      },
      'connection ended',
    );
  }

  // ------------------------------------------------------------------ from the node (sweeps, schedule, shutdown)

  /** The keep-alive sweep: terminate after idleTimeoutMs without any frame, else ping. */
  sweep(t: number, idleTimeoutMs: Milliseconds): void {
    if (this.state >= CLOSING) return;
    if (t - this.lastSeen >= idleTimeoutMs) {
      this.ctx.logger.info(
        { appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId },
        'client unresponsive: terminated',
      );
      // A silent peer is a drop the gateway noticed first: an admitted one is suspended when its socket is gone.
      if (this.state === OPEN) this.terminate();
      else this.drop(TERMINATED, '');
    } else if (this.state === OPEN) {
      // Only admitted sockets are pinged: before `connected` a pong would be a frame out of place.
      this.pingSocket();
    }
  }

  /** The admission sweep: refuse a socket whose admission time passed without it being admitted. */
  sweepAdmission(t: number): void {
    if (this.state <= ADMITTING && t >= this.admissionDue) this.refuseAdmission('ERR_ADMISSION_TIMEOUT');
  }

  /** Its token expired and its app ejects at expiry: the others see tokenExpired, it is closed 4007. */
  expire(): void {
    if (this.state !== OPEN || this.connectionId === undefined) return;
    this.ctx.sessions.leave(this.connectionId, 'tokenExpired');
    this.end(ERROR_CODES.ERR_TOKEN_EXPIRED.closeCode, 'ERR_TOKEN_EXPIRED');
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
    this.destroySocket();
  }

  // ------------------------------------------------------------------ admission

  private admit(text: string | null): void {
    let message: ClientMessage;
    try {
      if (text === null) throw new MessageError('binary frame', null);
      message = parseClientMessage(text);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.refuseAdmission('ERR_MESSAGE_INVALID');
      return;
    }
    if (message.type !== 'connect' && message.type !== 'resume') {
      this.refuseAdmission('ERR_MESSAGE_INVALID');
      return;
    }
    if (message.v !== PROTOCOL_VERSION) {
      this.refuseAdmission('ERR_PROTOCOL_VERSION');
      return;
    }
    this.state = ADMITTING;
    if (message.type === 'connect') void this.join(message.token);
    else void this.resume(message);
  }

  /** Resumes a suspended connection on this socket; every outcome is handled here (never rejects). */
  private async resume(message: ResumeMessage): Promise<void> {
    const ctx = this.ctx;
    const id = message.connectionId;
    let client: AdmittedClient;
    try {
      await ctx.admission.checkApp(this.appId, this.origin);
      if (this.state !== ADMITTING) return;
      client = await ctx.sessions.resume(
        { appId: this.appId, sessionId: this.sessionId, connectionId: id, resumeSecret: message.resumeSecret },
        this,
      );
    } catch (err) {
      if (this.state !== ADMITTING) return;
      if (!isStagepassError(err)) this.fail(err, 'resume failed');
      else if (typeof err.details?.closeCode !== 'number') this.refuseAdmission(err.code);
      else {
        // Ended while away (moderation, revocation): its client learns the close it would have had.
        this.countRefusal(err.code);
        this.end(err.details.closeCode, String(err.details.closeReason));
      }
      return;
    }
    ctx.resumes.resumed(id);
    this.origin = undefined;
    this.connectionId = id;
    if (this.state !== ADMITTING) {
      // This socket went too while resuming: a drop again (or its own close).
      if (this.closeCode !== 0 || !ctx.resumes.suspend(id)) ctx.sessions.leave(id, 'networkDisconnected');
      return;
    }
    this.state = OPEN;
    ctx.metrics.admissions.inc({ result: 'resumed' });
    ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: id }, 'client resumed');
    if (client.ejectAtExpiry) ctx.ejects.schedule(this, client.expireTime * 1000);
    this.handleHeld();
  }

  /** Admits and joins; every outcome is handled here (the promise never rejects). */
  private async join(token: string): Promise<void> {
    const ctx = this.ctx;
    let client: AdmittedClient;
    let id: string;
    try {
      client = await ctx.admission.admit({ appId: this.appId, sessionId: this.sessionId, origin: this.origin, token });
      // Closed, timed out or shut down while admitting: it never joins.
      if (this.state !== ADMITTING) return;
      id = await ctx.sessions.join(client, this);
    } catch (err) {
      if (this.state !== ADMITTING) return;
      if (isStagepassError(err)) this.refuseAdmission(err.code);
      else this.fail(err, 'admission failed');
      return;
    }
    this.origin = undefined;
    this.connectionId = id;
    if (this.state !== ADMITTING) {
      // Closed or dropped while joining (e.g. its own `connected` overflowed a slow socket): undo the join.
      ctx.sessions.leave(id, 'networkDisconnected');
      return;
    }
    this.state = OPEN;
    ctx.metrics.admissions.inc({ result: 'ok' });
    ctx.logger.info({ appId: this.appId, sessionId: this.sessionId, connectionId: id }, 'client admitted');
    if (client.ejectAtExpiry) ctx.ejects.schedule(this, client.expireTime * 1000);
    this.handleHeld();
  }

  /**
   * A frame that arrived while admitting: kept for after `connected`, where it is rate-counted. As
   * many are kept as the rate limit would take in one instant (a burst, then the refusals before it
   * closes); the next one closes 1008 ERR_RATE_LIMITED, as it would have once admitted.
   */
  private hold(text: string | null): void {
    // Until `connected`, only text: the `connect`, then requests held for after it.
    if (text === null) {
      this.refuseAdmission('ERR_MESSAGE_INVALID');
      return;
    }
    const held = (this.held ??= []);
    if (held.length >= this.ctx.rateLimit.burst + RATE_LIMIT_CLOSE_AFTER_REFUSED - 1) {
      this.ctx.logger.info(
        { appId: this.appId, sessionId: this.sessionId },
        'client kept flooding while admitted: closed',
      );
      this.drop(ERROR_CODES.ERR_RATE_LIMITED.closeCode, 'ERR_RATE_LIMITED');
      return;
    }
    held.push(text);
  }

  private handleHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    for (const text of held) {
      if (this.state !== OPEN) return;
      this.request(text, performance.now());
    }
  }

  // ------------------------------------------------------------------ requests

  private request(text: string | null, t: number): void {
    const ctx = this.ctx;
    ctx.hot.messagesIn++;
    let message: ClientMessage | undefined;
    let problem: MessageError | undefined;
    if (text === null) {
      problem = new MessageError('Binary frames are not accepted: send each message as one JSON text frame.', null);
    } else {
      try {
        message = parseClientMessage(text);
      } catch (err) {
        if (!(err instanceof MessageError)) throw err;
        problem = err;
      }
    }
    // Every frame counts against the rate, invalid ones too: a flood of garbage is still a flood.
    const verdict = takeToken(this, ctx.rateLimit, t);
    if (verdict !== 'allow') {
      if (verdict === 'close') {
        ctx.logger.info(
          { appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId },
          'client kept flooding: closed',
        );
        this.drop(ERROR_CODES.ERR_RATE_LIMITED.closeCode, 'ERR_RATE_LIMITED');
      } else {
        const id =
          message !== undefined && message.type !== 'connect' && message.type !== 'resume'
            ? (message.id ?? null)
            : (problem?.requestId ?? null);
        this.reply(
          id,
          'ERR_RATE_LIMITED',
          `Too many messages: at most ${ctx.rateLimit.perSecond} per second (bursts of ${ctx.rateLimit.burst}).`,
        );
      }
      return;
    }
    if (problem !== undefined) {
      this.reply(problem.requestId, 'ERR_MESSAGE_INVALID', problem.message);
      return;
    }
    if (message!.type === 'connect' || message!.type === 'resume') {
      this.reply(
        null,
        'ERR_MESSAGE_INVALID',
        `${message!.type} is only the first message; this connection is already admitted.`,
      );
      return;
    }
    try {
      ctx.sessions.handle(this.connectionId!, message!);
    } catch (err) {
      this.fail(err, 'request failed');
    }
  }

  /** One frame that is not a whole message (ping, pong, fragment) against the rate: true when allowed. */
  private countFrame(t: number): boolean {
    const verdict = takeToken(this, this.ctx.rateLimit, t);
    if (verdict === 'allow') return true;
    if (verdict === 'close') {
      this.ctx.logger.info(
        { appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId },
        'client kept flooding (control frames or fragments): closed',
      );
      this.drop(ERROR_CODES.ERR_RATE_LIMITED.closeCode, 'ERR_RATE_LIMITED');
    }
    return false;
  }

  private reply(id: number | null, code: ErrorCode, message: string): void {
    this.send(new Outbound(JSON.stringify({ type: 'error', id, code, message } satisfies ErrorMessage)));
  }

  // ------------------------------------------------------------------ ending

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

  /** Starts the closing handshake (the transport destroys the socket if the client does not answer in time). */
  protected end(code: number, reason: string): void {
    this.state = CLOSING;
    this.closeCode = code;
    this.closeReason = reason;
    this.held = undefined;
    this.closeSocket(code, reason);
  }

  /**
   * The gateway ends a connection for breaking a limit: it leaves its session at once (the others
   * see networkDisconnected), then its socket is closed, or destroyed when `code` is TERMINATED.
   */
  protected drop(code: number, reason: string): void {
    if (this.state >= CLOSING) return;
    this.leaveSoon();
    if (code === TERMINATED) {
      this.terminate();
      return;
    }
    this.end(code, reason);
    if (code === ERROR_CODES.ERR_SLOW_CONSUMER.closeCode) {
      // Its close frame waits behind the backlog; a reader this slow gets a moment, then is cut off.
      this.ctx.logger.info(
        { appId: this.appId, sessionId: this.sessionId, connectionId: this.connectionId },
        'slow consumer: closed',
      );
      setTimeout(terminateConnection, SLOW_CONSUMER_GRACE_MS, this).unref();
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
    if (this.state <= ADMITTING) this.ctx.metrics.admissions.inc({ result: 'error' });
    this.drop(1011, 'ERR_INTERNAL');
  }
}

function terminateConnection(connection: ClientProtocol): void {
  connection.terminate();
}
