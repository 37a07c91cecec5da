import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { takeToken, type RateLimit, type RateState } from '../connection/rate-limit.js';
import { sendError, type RequestHandler } from './http-handler.js';

/** Why the guard refused a connection or a request (the `reason` label of stagepass_http_refusals_total). */
export type HttpRefusal = 'sockets_per_ip' | 'requests_in_flight' | 'rate';

export interface HttpGuardOptions {
  /** Open TCP connections from one address (plain HTTP, keep-alive and WebSocket alike). */
  readonly maxSocketsPerIp: number;
  /** Requests on one connection whose response has not been written yet (pipelining). */
  readonly maxRequestsInFlight: number;
  /** Plain HTTP requests per address (upgrades are bounded by the socket cap and the admission time). */
  readonly httpRateLimit: RateLimit;
  readonly onRefused: (reason: HttpRefusal, ip: string) => void;
}

/** One remote address: its open connections and its request bucket (the RateState fields). */
class Address implements RateState {
  sockets = 0;
  tokens: number;
  refillAt: number;
  overSince = 0;
  lastRefusedAt = 0;
  refused = 0;
  constructor(
    readonly ip: string,
    burst: number,
    t: number,
  ) {
    this.tokens = burst;
    this.refillAt = t;
  }
}

// Kept on the socket itself: one property per connection, nothing to look up per request.
const ADDRESS = Symbol('stagepass.address');
const IN_FLIGHT = Symbol('stagepass.requestsInFlight');
interface GuardedSocket extends Socket {
  /** Its address, or null when it was refused at accept (its 429 is on its way out). */
  [ADDRESS]?: Address | null;
  [IN_FLIGHT]?: number;
}

/** How often addresses with no connection and a full bucket are forgotten. */
const FORGET_EVERY_MS = 10_000;

function ignore(): void {}

function destroyAfterFinish(this: Socket): void {
  this.destroy();
}

/**
 * One source must not deny service to everyone over plain HTTP (docs/protocol.md "Limits"): every
 * TCP connection counts against the per-address cap from the moment it is accepted (so keep-alive
 * HTTP connections count, and a WebSocket keeps its place through the upgrade); a connection with
 * too many requests in flight (pipelined without reading the answers) is destroyed; and plain HTTP
 * requests are rate-limited per address (429 `ERR_RATE_LIMITED`, then the connection is closed).
 * The accounting is per connection and per request, never per byte.
 */
export class HttpGuard {
  private readonly addresses = new Map<string, Address>();
  private readonly forgetter: NodeJS.Timeout;
  /** A counted socket closed (`this` is the socket: one listener function for every socket). */
  private readonly release: (this: GuardedSocket) => void;

  constructor(private readonly options: HttpGuardOptions) {
    const addresses = this.addresses;
    const isFull = (address: Address, t: number) => this.isFull(address, t);
    this.release = function socketClosed(this: GuardedSocket): void {
      const address = this[ADDRESS];
      if (address == null) return;
      address.sockets--;
      if (address.sockets === 0 && isFull(address, performance.now())) addresses.delete(address.ip);
    };
    this.forgetter = setInterval(() => this.forgetIdle(), FORGET_EVERY_MS);
    this.forgetter.unref();
  }

  /** The server's `connection` listener: counts the socket, or answers 429 and closes it. */
  readonly accept = (raw: Duplex): void => {
    const socket = raw as GuardedSocket;
    const ip = socket.remoteAddress ?? '';
    let address = this.addresses.get(ip);
    if (address === undefined) {
      address = new Address(ip, this.options.httpRateLimit.burst, performance.now());
      this.addresses.set(ip, address);
    }
    if (address.sockets >= this.options.maxSocketsPerIp) {
      socket[ADDRESS] = null;
      this.refuseSocket(socket);
      this.options.onRefused('sockets_per_ip', ip);
      return;
    }
    address.sockets++;
    socket[ADDRESS] = address;
    socket[IN_FLIGHT] = 0;
    socket.once('close', this.release);
  };

  /** False for a socket refused at accept: its request or upgrade is ignored (the socket is closing). */
  counted(socket: Duplex): boolean {
    return (socket as GuardedSocket)[ADDRESS] != null;
  }

  /** Wraps the plain HTTP handler with the in-flight bound and the per-address rate. */
  guard(handler: RequestHandler): RequestHandler {
    const { maxRequestsInFlight, httpRateLimit, onRefused } = this.options;
    const finished = this.finished;
    return function guardedHttp(req: IncomingMessage, res: ServerResponse): void {
      const socket = req.socket as GuardedSocket;
      const address = socket[ADDRESS];
      // Refused at accept (no answer but the 429 already written), or destroyed for pipelining: the
      // requests parsed from the same bytes still arrive, and are dropped.
      if (address == null || socket.destroyed) return;
      const inFlight = (socket[IN_FLIGHT] ?? 0) + 1;
      if (inFlight > maxRequestsInFlight) {
        onRefused('requests_in_flight', address.ip);
        socket.destroy();
        return;
      }
      socket[IN_FLIGHT] = inFlight;
      res.once('close', finished);
      if (takeToken(address, httpRateLimit, performance.now()) !== 'allow') {
        onRefused('rate', address.ip);
        res.setHeader('connection', 'close');
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(1 / httpRateLimit.perSecond))));
        sendError(
          res,
          'ERR_RATE_LIMITED',
          `Too many HTTP requests from this address: at most ${httpRateLimit.perSecond} per second (bursts of ${httpRateLimit.burst}).`,
        );
        return;
      }
      handler(req, res);
    };
  }

  /** Stops forgetting idle addresses (the gateway closed). */
  stop(): void {
    clearInterval(this.forgetter);
  }

  /** A response was written (or its connection closed): one request fewer in flight on its socket. */
  private readonly finished = function requestFinished(this: ServerResponse): void {
    const socket = this.req.socket as GuardedSocket;
    const inFlight = socket[IN_FLIGHT];
    if (inFlight !== undefined && inFlight > 0) socket[IN_FLIGHT] = inFlight - 1;
  };

  private refuseSocket(socket: GuardedSocket): void {
    socket.on('error', ignore);
    const body = JSON.stringify({
      code: 'ERR_TOO_MANY_CONNECTIONS',
      message: `At most ${this.options.maxSocketsPerIp} connections from one address.`,
    });
    socket.once('finish', destroyAfterFinish);
    socket.end(
      'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private forgetIdle(): void {
    const t = performance.now();
    for (const [ip, address] of this.addresses) {
      if (address.sockets === 0 && this.isFull(address, t)) this.addresses.delete(ip);
    }
  }

  private isFull(address: Address, t: number): boolean {
    const { perSecond, burst } = this.options.httpRateLimit;
    return address.tokens + ((t - address.refillAt) * perSecond) / 1000 >= burst;
  }
}
