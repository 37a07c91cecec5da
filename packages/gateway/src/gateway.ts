import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StagepassError } from '@stagepass/protocol';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer, type ServerOptions } from 'ws';
import { createAdmission } from './admission/admit-client.js';
import { createGatewayMetrics, createHotCounts } from './observability/gateway-metrics.js';
import type { AppRegistry, ReplayGuard } from './registry/app-registry.js';
import { createRestHandler } from './rest/create-rest-handler.js';
import { createMemorySessionService } from './session/memory-session-service.js';
import type { SessionEvents, SessionService } from './session/session-service.js';
import { createUpgradeHandler } from './transport/accept-upgrade.js';
import type { ClientConnection, TransportContext } from './transport/client-connection.js';
import { GatewaySocket } from './transport/gateway-socket.js';
import { createHttpHandler, type RequestHandler } from './transport/http-handler.js';
import type { RateLimit } from './transport/rate-limit.js';

/** What the gateway hands the REST API handler (the shape of `createRestHandler`'s options). */
export interface RestHandlerDeps {
  readonly registry: AppRegistry;
  readonly sessions: SessionService;
  readonly replay: ReplayGuard;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Builds the handler of everything under `/v1/apps/`; `createRestHandler` is one. */
export type RestHandlerFactory = (deps: RestHandlerDeps) => RequestHandler;

/**
 * Options of {@link createGateway}. Every limit has the default documented in docs/protocol.md
 * ("Limits"); each is checked once, here, and a bad one throws StagepassError `ERR_INVALID_OPTION`
 * with `details.option` naming it.
 */
export interface GatewayOptions {
  /** Apps, keys, settings, revocations, and the single-use claims of tokens. Required. */
  readonly registry: AppRegistry & ReplayGuard;
  /** Address to listen on. Default `127.0.0.1`; `0.0.0.0` or `::` to accept other hosts. */
  readonly host?: string;
  /** Port. Default 4280; 0 picks a free one (tests). */
  readonly port?: number;
  /**
   * The sessions, or a factory given the gateway's events (capability denials feed /metrics).
   * Default: `createMemorySessionService({ events, now })`.
   */
  readonly sessions?: SessionService | ((events: SessionEvents) => SessionService);
  /** Builds the handler of the REST API for app backends, under /v1/apps/. Default `createRestHandler`. */
  readonly rest?: RestHandlerFactory;
  /** A pino logger. Default: silent (a library logs only when asked). Never given a token, secret or connection data. */
  readonly logger?: Logger;
  /** Largest WebSocket message, bytes. Default 65536 (64 KiB); larger closes 1009 `ERR_MESSAGE_TOO_LARGE`. */
  readonly maxPayloadBytes?: number;
  /**
   * Messages per connection: a token bucket of `burst` (default 100) refilled at `perSecond` (default 50).
   * Over it, requests get `ERR_RATE_LIMITED`; after 2 s over it (or 200 refused messages), close 1008.
   */
  readonly rateLimit?: Partial<RateLimit>;
  /** Ping every socket this often, ms. Default 15000. */
  readonly pingIntervalMs?: number;
  /**
   * Terminate a socket silent (no message, ping or pong) this long, ms; the others see networkDisconnected.
   * Default 30000. Checked at each ping sweep, so a silent socket goes after idleTimeoutMs to idleTimeoutMs + pingIntervalMs.
   */
  readonly idleTimeoutMs?: number;
  /** Unsent bytes allowed to pile up for one client before it is closed 4022 `ERR_SLOW_CONSUMER`. Default 1048576 (1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Time from the upgrade to the `connect` message, ms. Default 10000; past it, close 4017 `ERR_ADMISSION_TIMEOUT` (checked every tenth of this time, at most every second, so a socket goes after 1–1.1 times it). */
  readonly admissionTimeoutMs?: number;
  /** Connections in one session unless the app sets its own maxConnectionsPerSession. Default 1000. */
  readonly maxConnectionsPerSession?: number;
  /** Open sockets from one IP address; more get HTTP 429 before the upgrade. Default 200. */
  readonly maxSocketsPerIp?: number;
  /** Seconds of clock skew forgiven on token times, 0–300. Default 30. */
  readonly clockTolerance?: number;
  /** Wall clock in ms, for token times and session times (tests move it). Default `Date.now`. Limits use a monotonic clock. */
  readonly now?: () => number;
  /** Also export Node's default process metrics on /metrics. Default false. */
  readonly processMetrics?: boolean;
}

export interface GatewayAddress {
  readonly host: string;
  readonly port: number;
}

export interface GatewayCloseOptions {
  /** How long connected clients get to close after the 1001, ms; then their sockets are destroyed. Default 5000. */
  readonly drainMs?: number;
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** Starts listening; resolves with the bound address (the real port when `port` was 0). Idempotent. */
  listen(): Promise<GatewayAddress>;
  /**
   * Graceful shutdown: stops admitting (readyz 503, upgrades 503), closes every client with 1001
   * `ERR_SERVER_SHUTTING_DOWN`, waits up to `drainMs` for the sockets to close (then destroys the
   * rest), and closes the HTTP server. Idempotent: every call returns the same promise.
   */
  close(options?: GatewayCloseOptions): Promise<void>;
  /** The bound address while listening. */
  address(): GatewayAddress | undefined;
  /** True from the start of `close()`. */
  readonly draining: boolean;
  readonly sessions: SessionService;
  readonly registry: AppRegistry & ReplayGuard;
  /** This gateway's Prometheus registry (never prom-client's global one). */
  readonly metrics: Registry;
  /** The Node HTTP server, e.g. to put TLS or another listener in front. */
  readonly server: Server;
}

export const GATEWAY_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 4280,
  maxPayloadBytes: 64 * 1024,
  rateLimit: Object.freeze({ perSecond: 50, burst: 100 }),
  pingIntervalMs: 15_000,
  idleTimeoutMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  admissionTimeoutMs: 10_000,
  maxConnectionsPerSession: 1000,
  maxSocketsPerIp: 200,
  clockTolerance: 30,
  drainMs: 5000,
});

/** ws waits this long for a client's answer to a close frame before destroying the socket. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 5000;
/** A `connect` with a maximal token (8 KiB) must fit in one message. */
const MIN_PAYLOAD_BYTES = 16 * 1024;
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

const OPTION_NAMES = new Set([
  'registry', 'host', 'port', 'sessions', 'rest', 'logger', 'maxPayloadBytes', 'rateLimit', 'pingIntervalMs', 'idleTimeoutMs',
  'maxBufferedBytes', 'admissionTimeoutMs', 'maxConnectionsPerSession', 'maxSocketsPerIp', 'clockTolerance', 'now', 'processMetrics',
]);

function invalid(option: string, rule: string): StagepassError {
  return new StagepassError('ERR_INVALID_OPTION', `createGateway: ${option} ${rule}.`, { option });
}

function integerOption(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null
    && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

interface ResolvedOptions {
  readonly registry: AppRegistry & ReplayGuard;
  readonly host: string;
  readonly port: number;
  readonly sessions: GatewayOptions['sessions'];
  readonly rest: RestHandlerFactory;
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  readonly rateLimit: RateLimit;
  readonly pingIntervalMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly admissionTimeoutMs: number;
  readonly maxConnectionsPerSession: number;
  readonly maxSocketsPerIp: number;
  readonly clockTolerance: number;
  readonly now: () => number;
  readonly processMetrics: boolean;
}

/** Defaults, then the caller's values, then one precise message for the first bad field. */
function resolveOptions(options: GatewayOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object with at least registry');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw invalid(key.slice(0, 64), 'is not an option');
  }
  const o = options as GatewayOptions & Record<string, unknown>;
  if (!hasMethods(o.registry, ['getApp', 'getAppVersion', 'isRevoked', 'claim'])) {
    throw invalid('registry', 'must be an AppRegistry & ReplayGuard (e.g. createSqliteAppRegistry)');
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.length === 0)) throw invalid('host', 'must be a host name or address');
  if (o.sessions !== undefined && typeof o.sessions !== 'function' && !hasMethods(o.sessions, ['join', 'leave', 'handle', 'stats', 'closeAll'])) {
    throw invalid('sessions', 'must be a SessionService or a function returning one');
  }
  if (o.rest !== undefined && typeof o.rest !== 'function') throw invalid('rest', 'must be a function (e.g. createRestHandler)');
  if (o.logger !== undefined && !hasMethods(o.logger, ['info', 'warn', 'error', 'debug'])) throw invalid('logger', 'must be a pino logger');
  if (o.now !== undefined && typeof o.now !== 'function') throw invalid('now', 'must be a function returning milliseconds');
  if (o.processMetrics !== undefined && typeof o.processMetrics !== 'boolean') throw invalid('processMetrics', 'must be a boolean');
  const rate = o.rateLimit ?? {};
  if (typeof rate !== 'object' || rate === null) throw invalid('rateLimit', 'must be an object { perSecond, burst }');
  for (const key of Object.keys(rate)) {
    if (key !== 'perSecond' && key !== 'burst') throw invalid(`rateLimit.${key.slice(0, 64)}`, 'is not an option');
  }
  const perSecond = rate.perSecond ?? GATEWAY_DEFAULTS.rateLimit.perSecond;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0 || perSecond > 1e6) {
    throw invalid('rateLimit.perSecond', 'must be a number of messages per second above 0 (at most 1000000)');
  }
  const burst = integerOption(rate.burst, 'rateLimit.burst', GATEWAY_DEFAULTS.rateLimit.burst, 1, 1e6);
  const pingIntervalMs = integerOption(o.pingIntervalMs, 'pingIntervalMs', GATEWAY_DEFAULTS.pingIntervalMs, 10, MAX_TIMER_MS);
  const idleTimeoutMs = integerOption(o.idleTimeoutMs, 'idleTimeoutMs', GATEWAY_DEFAULTS.idleTimeoutMs, 10, MAX_TIMER_MS);
  // Sockets are checked once per ping interval: the idle time must leave room for at least one ping.
  if (idleTimeoutMs <= pingIntervalMs) throw invalid('idleTimeoutMs', `must be longer than pingIntervalMs (${pingIntervalMs})`);
  return {
    registry: o.registry,
    host: o.host ?? GATEWAY_DEFAULTS.host,
    port: integerOption(o.port, 'port', GATEWAY_DEFAULTS.port, 0, 65535),
    sessions: o.sessions,
    rest: o.rest ?? createRestHandler,
    logger: o.logger ?? pino({ level: 'silent' }),
    maxPayloadBytes: integerOption(o.maxPayloadBytes, 'maxPayloadBytes', GATEWAY_DEFAULTS.maxPayloadBytes, MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES),
    rateLimit: { perSecond, burst },
    pingIntervalMs,
    idleTimeoutMs,
    maxBufferedBytes: integerOption(o.maxBufferedBytes, 'maxBufferedBytes', GATEWAY_DEFAULTS.maxBufferedBytes, 1024, 2 ** 30),
    admissionTimeoutMs: integerOption(o.admissionTimeoutMs, 'admissionTimeoutMs', GATEWAY_DEFAULTS.admissionTimeoutMs, 1, MAX_TIMER_MS),
    maxConnectionsPerSession: integerOption(o.maxConnectionsPerSession, 'maxConnectionsPerSession', GATEWAY_DEFAULTS.maxConnectionsPerSession, 1, 1e6),
    maxSocketsPerIp: integerOption(o.maxSocketsPerIp, 'maxSocketsPerIp', GATEWAY_DEFAULTS.maxSocketsPerIp, 1, 1e7),
    clockTolerance: integerOption(o.clockTolerance, 'clockTolerance', GATEWAY_DEFAULTS.clockTolerance, 0, 300),
    now: o.now ?? Date.now,
    processMetrics: o.processMetrics ?? false,
  };
}

/**
 * Creates the Stagepass gateway: an HTTP server whose WebSocket endpoint `/v1/connect` admits clients
 * by App ID and token and then enforces their role (docs/protocol.md), with `/healthz`, `/readyz`,
 * `/metrics` and the REST API for app backends under `/v1/apps/`.
 *
 * @example
 * ```ts
 * const registry = createSqliteAppRegistry({ path: 'stagepass.db' });
 * const gateway = createGateway({ registry, logger: pino() });
 * const { host, port } = await gateway.listen();          // ws://127.0.0.1:4280/v1/connect?appId=…&sessionId=…
 * process.once('SIGTERM', () => gateway.close({ drainMs: 10_000 }));
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  const o = resolveOptions(options);
  const logger = o.logger;
  const connections = new Set<ClientConnection>();
  const hot = createHotCounts();
  let draining = false;

  // The metrics read the session service, which is created with the metrics' events: tie the knot lazily.
  let sessions: SessionService | undefined;
  const metrics = createGatewayMetrics({
    stats: () => sessions!.stats(),
    sockets: () => connections.size,
    hot,
    processMetrics: o.processMetrics,
  });
  const events: SessionEvents = {
    onCapabilityDenied(capability) {
      metrics.capabilityDenials.inc({ capability });
    },
  };
  sessions = o.sessions === undefined
    ? createMemorySessionService({ events, now: o.now })
    : typeof o.sessions === 'function' ? o.sessions(events) : o.sessions;
  const sessionService = sessions;

  let onDrained: (() => void) | undefined;
  const ctx: TransportContext = {
    sessions: sessionService,
    admission: createAdmission({
      registry: o.registry,
      replay: o.registry,
      clockTolerance: o.clockTolerance,
      now: o.now,
      maxConnectionsPerSession: o.maxConnectionsPerSession,
      onKeyError: (appId, err) => logger.error({ appId, code: (err as StagepassError).code, option: (err as StagepassError).details?.option }, 'an app key in the registry cannot be loaded'),
    }),
    metrics,
    hot,
    logger,
    rateLimit: o.rateLimit,
    maxBufferedBytes: o.maxBufferedBytes,
    admissionTimeoutMs: o.admissionTimeoutMs,
    connections,
    socketsPerIp: new Map(),
    onClosed: () => onDrained?.(),
  };

  const wss = new WebSocketServer<typeof GatewaySocket>({
    noServer: true,
    WebSocket: GatewaySocket,
    maxPayload: o.maxPayloadBytes,
    clientTracking: false,
    perMessageDeflate: false, // ClientConnection.send writes uncompressed text frames itself
    closeTimeout: CLOSE_HANDSHAKE_TIMEOUT_MS,
  } as ServerOptions<typeof GatewaySocket>);

  const rest = o.rest({ registry: o.registry, sessions: sessionService, replay: o.registry, logger, now: o.now });
  const server = createServer(createHttpHandler({ metrics: metrics.registry, isDraining: () => draining, rest, logger }));
  server.on('upgrade', createUpgradeHandler({ ctx, wss, maxSocketsPerIp: o.maxSocketsPerIp, isDraining: () => draining }));

  let sweeper: NodeJS.Timeout | undefined;
  function sweep(): void {
    const t = performance.now();
    for (const connection of connections) connection.sweep(t, o.idleTimeoutMs);
  }
  // Admission deadlines: one sweep over the sockets, every tenth of the admission time (at most
  // every second), instead of a timer per socket. A socket is refused between admissionTimeoutMs
  // and 1.1 × admissionTimeoutMs after its upgrade.
  let admissionSweeper: NodeJS.Timeout | undefined;
  const admissionSweepMs = Math.min(1000, Math.max(1, Math.floor(o.admissionTimeoutMs / 10)));
  function sweepAdmissions(): void {
    const t = performance.now();
    for (const connection of connections) connection.sweepAdmission(t);
  }

  function address(): GatewayAddress | undefined {
    const bound = server.address() as AddressInfo | string | null;
    if (bound === null || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  let listening: Promise<GatewayAddress> | undefined;
  function listen(): Promise<GatewayAddress> {
    if (draining) return Promise.reject(new StagepassError('ERR_SERVER_SHUTTING_DOWN', 'This gateway was closed; create a new one.'));
    listening ??= new Promise<GatewayAddress>((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      server.once('error', failed);
      server.listen(o.port, o.host, () => {
        server.off('error', failed);
        sweeper = setInterval(sweep, o.pingIntervalMs);
        sweeper.unref();
        admissionSweeper = setInterval(sweepAdmissions, admissionSweepMs);
        admissionSweeper.unref();
        const bound = address()!;
        logger.info({ host: bound.host, port: bound.port }, 'gateway listening');
        resolve(bound);
      });
    });
    return listening;
  }

  /** Resolves once every socket is closed; past drainMs, destroys the ones left. */
  function drainSockets(drainMs: number): Promise<void> {
    return new Promise((resolve) => {
      let forced: NodeJS.Timeout | undefined;
      const done = () => {
        if (connections.size > 0) return;
        clearTimeout(forced);
        onDrained = undefined;
        resolve();
      };
      onDrained = done;
      forced = setTimeout(() => {
        logger.warn({ sockets: connections.size }, 'drain time over: destroying the sockets left');
        for (const connection of [...connections]) connection.terminate();
        // Destroyed sockets report their close on a later turn; do not wait on them forever.
        forced = setTimeout(() => {
          connections.clear();
          done();
        }, 1000);
      }, drainMs);
      done();
    });
  }

  function closeServer(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  let closing: Promise<void> | undefined;
  function close(closeOptions: GatewayCloseOptions = {}): Promise<void> {
    if (closing !== undefined) return closing;
    if (typeof closeOptions !== 'object' || closeOptions === null) throw invalid('close options', 'must be an object');
    const drainMs = integerOption(closeOptions.drainMs, 'drainMs', GATEWAY_DEFAULTS.drainMs, 0, MAX_TIMER_MS);
    draining = true;
    logger.info({ sockets: connections.size, drainMs }, 'gateway shutting down');
    closing = (async () => {
      sessionService.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
      // Sockets still being admitted are not in any session.
      for (const connection of connections) connection.shutDown();
      await drainSockets(drainMs);
      clearInterval(sweeper);
      clearInterval(admissionSweeper);
      wss.close();
      if (listening !== undefined) await closeServer();
      logger.info('gateway closed');
    })();
    return closing;
  }

  return {
    listen,
    close,
    address,
    get draining() {
      return draining;
    },
    sessions: sessionService,
    registry: o.registry,
    metrics: metrics.registry,
    server,
  };
}
