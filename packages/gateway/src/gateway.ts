import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { ERROR_CODES, StagepassError } from '@stagepass/protocol';
import { createAdmission } from './admission/admit-client.js';
import type { ClientProtocol } from './connection/client-protocol.js';
import { startConnectionSweeps } from './connection/connection-sweeps.js';
import { createExpirySchedule } from './connection/expiry-schedule.js';
import { createResumeWindows } from './connection/resume-windows.js';
import {
  CLOSE_HANDSHAKE_TIMEOUT_MS,
  resolveCloseOptions,
  resolveOptions,
  type GatewayCloseOptions,
  type GatewayOptions,
  type ResolvedOptions,
  type RestHandlerDeps,
} from './gateway-options.js';
import { closeServer, drainSockets, type DrainHook } from './gateway-shutdown.js';
import {
  createGatewayMetrics,
  createHotCounts,
  type GatewayMetrics,
  type HotCounts,
} from './observability/gateway-metrics.js';
import { createMemorySessionService, type NodeMediaOptions } from './session/memory-session-service.js';
import type { SessionEvents, SessionService } from './session/session-service.js';
import { HttpGuard } from './transport/http-guard.js';
import { createHttpHandler } from './transport/http-handler.js';
import { watchRegistryFile, type RegistryFileWatch } from './registry/registry-file-watch.js';
import { createUpgradeHandler, createWsServer, type TransportContext } from './transport/ws/index.js';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { AppRegistry, ReplayGuard } from './registry/app-registry.js';

export { GATEWAY_DEFAULTS } from './gateway-options.js';
export type {
  GatewayCloseOptions,
  GatewayOptions,
  RestHandlerDeps,
  RestHandlerFactory,
  SessionServiceContext,
} from './gateway-options.js';

export interface GatewayAddress {
  readonly host: string;
  readonly port: number;
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** Starts listening; resolves with the bound address (the real port when `port` was 0). Idempotent. */
  listen(): Promise<GatewayAddress>;
  /**
   * Graceful shutdown (drain): stops admitting (readyz 503, upgrades 503), closes every client with 1012
   * (service restart) `ERR_SERVER_SHUTTING_DOWN`, which tells it to reconnect (to another node, or to
   * this one once it is back; in cluster mode the members on other nodes of the sessions this node
   * owns are closed so too), waits up to `drainMs` for the sockets to close (then destroys the
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

/** The session service the options ask for, created with the gateway's events (capability denials feed /metrics). */
function createSessions(o: ResolvedOptions, metrics: () => GatewayMetrics, hot: HotCounts): SessionService {
  const events: SessionEvents = {
    onCapabilityDenied(capability) {
      metrics().capabilityDenials.inc({ capability });
    },
    onMediaError(err, where) {
      // The engine's message only: an SDP may carry addresses, never logged whole.
      o.logger.warn(
        { where, error: err instanceof Error ? err.message : String(err) },
        'a routed media negotiation failed',
      );
    },
  };
  // The same routed media for the default service and for a factory's (cluster mode's) session core.
  const media: NodeMediaOptions = {
    mediaCounts: hot.media,
    streamMediaCounts: hot.streamMedia,
    mediaStallMs: o.mediaStallMs,
    ...(o.rtcPorts === undefined ? {} : { rtcPorts: o.rtcPorts }),
    ...(o.announcedIp === undefined ? {} : { announcedIp: o.announcedIp }),
  };
  if (o.sessions === undefined)
    return createMemorySessionService({
      events,
      now: o.now,
      maxStreamsPerConnection: o.maxStreamsPerConnection,
      maxStreamsPerSession: o.maxStreamsPerSession,
      ...media,
      iceServers: o.iceServersFor,
    });
  return typeof o.sessions === 'function'
    ? o.sessions(events, { metrics: metrics().registry, iceServers: o.iceServersFor, media })
    : o.sessions;
}

/** What every connection of this gateway shares. */
function createTransportContext(
  o: ResolvedOptions,
  sessions: SessionService,
  metrics: GatewayMetrics,
  hot: HotCounts,
  drain: DrainHook,
  connections: Set<ClientProtocol>,
): TransportContext {
  const { logger } = o;
  return {
    sessions,
    admission: createAdmission({
      registry: o.registry,
      replay: o.registry,
      clockTolerance: o.clockTolerance,
      now: o.now,
      maxConnectionsPerSession: o.maxConnectionsPerSession,
      onKeyError: (appId, err) =>
        logger.error(
          { appId, code: (err as StagepassError).code, option: (err as StagepassError).details?.option },
          'an app key in the registry cannot be loaded',
        ),
    }),
    metrics,
    hot,
    logger,
    rateLimit: o.rateLimit,
    maxBufferedBytes: o.maxBufferedBytes,
    admissionTimeoutMs: o.admissionTimeoutMs,
    // Ejects at exp + the clock tolerance: when admission starts refusing the token (ERR_TOKEN_EXPIRED),
    // not before (a token admitted within the tolerance is not closed at once). The schedule reads a
    // clock set back by the tolerance, so it is handed `exp` itself.
    ejects: createExpirySchedule(() => o.now() - o.clockTolerance * 1000),
    resumes: createResumeWindows(sessions, o.resumeWindowMs, () => performance.now()),
    connections,
    onClosed: () => drain.onDrained?.(),
  };
}

/** What the REST handler is given: the registry, the sessions, the clock and its tolerance. */
function restDeps(o: ResolvedOptions, sessions: SessionService): RestHandlerDeps {
  const { registry, logger, now, clockTolerance } = o;
  return { registry, sessions, replay: registry, logger, now, clockTolerance };
}

const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use (another gateway, or another program, listens there)',
  EACCES: 'the port is not allowed for this user (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
};

/** A failed `listen`, as ERR_LISTEN_FAILED naming the host, the port and the system's reason. */
function listenFailed(err: Error, host: string, port: number): StagepassError {
  const reason = (err as NodeJS.ErrnoException).code ?? err.message;
  const problem = LISTEN_PROBLEMS[reason] ?? `listen failed (${reason})`;
  return new StagepassError('ERR_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${problem}`, {
    details: { host, port, reason },
    cause: err,
  });
}

/** The per-address guard of the plain HTTP side; its refusals are counted, and logged at debug only. */
function createHttpGuard(
  o: ReturnType<typeof resolveOptions>,
  metrics: ReturnType<typeof createGatewayMetrics>,
): HttpGuard {
  const { logger } = o;
  return new HttpGuard({
    maxSocketsPerIp: o.maxSocketsPerIp,
    maxRequestsInFlight: o.maxRequestsInFlight,
    httpRateLimit: o.httpRateLimit,
    onRefused(reason, ip) {
      // A flood must not become a flood of log lines.
      metrics.httpRefusals.inc({ reason });
      logger.debug({ reason, ip }, 'http refused');
    },
  });
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
  const { logger } = o;
  const hot = createHotCounts(o.maxStreamMetrics);
  const drain: DrainHook = { onDrained: undefined };
  let draining = false;

  // The metrics read the session service, which is created with the metrics' events: tie the knot lazily.
  const connections = new Set<ClientProtocol>();
  const metrics = createGatewayMetrics({
    stats: () => sessions.stats(),
    sockets: () => connections.size,
    hot,
    processMetrics: o.processMetrics,
  });
  const sessions = createSessions(o, () => metrics, hot);
  const ctx = createTransportContext(o, sessions, metrics, hot, drain, connections);

  const wss = createWsServer({ maxPayloadBytes: o.maxPayloadBytes, closeTimeoutMs: CLOSE_HANDSHAKE_TIMEOUT_MS });
  const rest = o.rest(restDeps(o, sessions));
  const opentokRest = o.opentokRest === false ? undefined : o.opentokRest(restDeps(o, sessions));
  const guard = createHttpGuard(o, metrics);
  const server = createServer(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      // Node checks both times only this often (by default every 30 s, which would stretch them).
      connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(o.headersTimeoutMs / 10))),
    },
    guard.guard(
      createHttpHandler({
        metrics: metrics.registry,
        isDraining: () => draining,
        storeProblem: () => registryWatch?.problem(),
        sessionsProblem: () => sessions.unavailable?.(),
        rest,
        opentokRest,
        logger,
        metricsCacheMs: o.metricsCacheMs,
        dev: o.dev,
      }),
    ),
  );
  // Every TCP connection counts against the per-address cap from its accept (keep-alive HTTP too).
  server.on('connection', guard.accept);
  server.on('upgrade', createUpgradeHandler({ ctx, wss, guard, isDraining: () => draining }));
  let stopSweeps: (() => void) | undefined;
  let registryWatch: RegistryFileWatch | undefined;
  function address(): GatewayAddress | undefined {
    const bound = server.address() as AddressInfo | string | null;
    if (bound === null || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  let listening: Promise<GatewayAddress> | undefined;
  function listen(): Promise<GatewayAddress> {
    if (draining)
      return Promise.reject(
        new StagepassError('ERR_SERVER_SHUTTING_DOWN', 'This gateway was closed; create a new one.'),
      );
    listening ??= new Promise<GatewayAddress>((resolve, reject) => {
      const failed = (err: Error) => reject(listenFailed(err, o.host, o.port));
      server.once('error', failed);
      server.listen(o.port, o.host, () => {
        server.off('error', failed);
        stopSweeps = startConnectionSweeps(connections, o);
        registryWatch = watchRegistryFile(o.registry, logger);
        const bound = address()!;
        logger.info({ host: bound.host, port: bound.port }, 'gateway listening');
        resolve(bound);
      });
    });
    return listening;
  }

  let closing: Promise<void> | undefined;
  function close(closeOptions: GatewayCloseOptions = {}): Promise<void> {
    if (closing !== undefined) return closing;
    const { drainMs } = resolveCloseOptions(closeOptions);
    draining = true;
    logger.info({ sockets: connections.size, drainMs }, 'gateway shutting down');
    closing = (async () => {
      sessions.closeAll(ERROR_CODES.ERR_SERVER_SHUTTING_DOWN.closeCode, 'ERR_SERVER_SHUTTING_DOWN');
      // Sockets still being admitted are not in any session.
      for (const connection of connections) connection.shutDown();
      ctx.ejects.stop();
      ctx.resumes.stop();
      await drainSockets(connections, drain, drainMs, logger);
      stopSweeps?.();
      guard.stop();
      registryWatch?.stop();
      wss.close();
      if (listening !== undefined) await closeServer(server);
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
    sessions,
    registry: o.registry,
    metrics: metrics.registry,
    server,
  };
}
