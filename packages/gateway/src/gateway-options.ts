import {
  booleanOption,
  checkOptionNames,
  functionOption,
  invalidOption,
  wholeNumberOption,
  type Clock,
  type Milliseconds,
  type Seconds,
} from '@stagepass/protocol';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RateLimit } from './connection/rate-limit.js';
import type { AppRegistry, ReplayGuard } from './registry/app-registry.js';
import { createRestHandler } from './rest/create-rest-handler.js';
import { createOpenTokRestHandler } from './rest/opentok/create-opentok-rest-handler.js';
import type { SessionEvents, SessionService } from './session/session-service.js';
import { DEFAULT_MAX_STREAMS_PER_CONNECTION, DEFAULT_MAX_STREAMS_PER_SESSION } from './session/session-state.js';
import type { DevRoutes, RequestHandler } from './transport/http-handler.js';

/** What the gateway hands the REST API handler (the shape of `createRestHandler`'s options). */
export interface RestHandlerDeps {
  readonly registry: AppRegistry;
  readonly sessions: SessionService;
  readonly replay: ReplayGuard;
  readonly logger: Logger;
  readonly now: Clock;
  /** The gateway's clockTolerance: seconds of skew forgiven on app JWTs' `iat` and `exp` too. */
  readonly clockTolerance: Seconds;
}

/** What a `sessions` factory is given besides the events. */
export interface SessionServiceContext {
  /** The gateway's Prometheus registry (its /metrics). */
  readonly metrics: Registry;
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
   * The sessions, or a factory given the gateway's events (capability denials feed /metrics) and
   * its Prometheus registry (a cluster backend adds its own metrics there).
   * Default: `createMemorySessionService({ events, now })`.
   */
  readonly sessions?: SessionService | ((events: SessionEvents, context: SessionServiceContext) => SessionService);
  /** Builds the handler of the REST API for app backends, under /v1/apps/. Default `createRestHandler`. */
  readonly rest?: RestHandlerFactory;
  /**
   * Builds the handler of the OpenTok-compatible REST routes (`/session/create`, `/v2/project/…`), or
   * false to serve none (404). Default `createOpenTokRestHandler`.
   */
  readonly opentokRest?: RestHandlerFactory | false;
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
  readonly pingIntervalMs?: Milliseconds;
  /**
   * Terminate a socket silent (no message, ping or pong) this long, ms; the others see networkDisconnected.
   * Default 30000. Checked at each ping sweep, so a silent socket goes after idleTimeoutMs to idleTimeoutMs + pingIntervalMs.
   */
  readonly idleTimeoutMs?: Milliseconds;
  /** Unsent bytes allowed to pile up for one client before it is closed 4022 `ERR_SLOW_CONSUMER`. Default 1048576 (1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Time from the upgrade to the `connect` message, ms. Default 10000; past it, close 4017 `ERR_ADMISSION_TIMEOUT` (checked every tenth of this time, at most every second, so a socket goes after 1–1.1 times it). */
  readonly admissionTimeoutMs?: Milliseconds;
  /**
   * How long a connection whose socket dropped (not a close anybody chose) waits, suspended, for its client to
   * `resume` it, ms (docs/protocol.md "Resume"). The others see nothing meanwhile; past it they see
   * networkDisconnected. Default 30000; 0 turns resume off (a drop ends the connection at once).
   */
  readonly resumeWindowMs?: Milliseconds;
  /** Connections in one session unless the app sets its own maxConnectionsPerSession. Default 1000. */
  readonly maxConnectionsPerSession?: number;
  /**
   * Streams one connection may have at once; another `publish` is refused `ERR_TOO_MANY_STREAMS` (the
   * connection stays). Default 8. Applies to the default session service; one given as `sessions` keeps its own.
   */
  readonly maxStreamsPerConnection?: number;
  /** Streams one session may have at once (each is in every joiner's `connected`); likewise. Default 250. */
  readonly maxStreamsPerSession?: number;
  /**
   * Routed media: the UDP ports the gateway's PeerConnections use, `[first, last]` (e.g. `[40000, 40999]`:
   * the range to open in a firewall; docs/protocol.md "Routed media"). Default: any port the OS gives.
   * Applies to the default session service.
   */
  readonly rtcPorts?: readonly [number, number];
  /**
   * Open TCP connections from one IP address: plain HTTP (keep-alive included) and WebSocket alike. One more
   * gets HTTP 429 `ERR_TOO_MANY_CONNECTIONS` as it is accepted, and is closed. Default 200.
   */
  readonly maxSocketsPerIp?: number;
  /**
   * HTTP requests on one connection still waiting for their response (pipelined without reading the
   * answers); one more and the connection is destroyed. Default 8.
   */
  readonly maxRequestsInFlight?: number;
  /**
   * Plain HTTP requests per IP address (REST, probes, /metrics; not WebSocket upgrades): a token bucket of
   * `burst` (default 200) refilled at `perSecond` (default 100). Over it: 429 `ERR_RATE_LIMITED` with
   * `retry-after`, and the connection is closed.
   */
  readonly httpRateLimit?: Partial<RateLimit>;
  /** Time for a request's headers to arrive, ms; past it, 408 and the connection is closed. Default 10000. */
  readonly headersTimeoutMs?: Milliseconds;
  /** Time for a whole request (bodies are at most 64 KiB), ms; past it, 408 and closed. Default 30000. */
  readonly requestTimeoutMs?: Milliseconds;
  /** /metrics collects at most once per this many ms; scrapes meanwhile get the same text. 0: every scrape. Default 1000. */
  readonly metricsCacheMs?: Milliseconds;
  /**
   * Seconds of clock skew forgiven on token times (session tokens and REST app JWTs), 0–300. Default 30.
   * Apps that eject at expiry close a connection at its token's `exp` plus this (when admission starts refusing it).
   */
  readonly clockTolerance?: Seconds;
  /** Wall clock in ms, for token times and session times (tests move it). Default `Date.now`. Limits use a monotonic clock. */
  readonly now?: Clock;
  /** Also export Node's default process metrics on /metrics. Default false. */
  readonly processMetrics?: boolean;
  /**
   * Development only: extra HTTP routes asked before the 404 (`stagepass serve --dev` gives the demo page and
   * `POST /dev/token` of `@stagepass/demo`). Default: none, so those paths are 404.
   */
  readonly dev?: DevRoutes;
}

export interface GatewayCloseOptions {
  /** How long connected clients get to close after the 1001, ms; then their sockets are destroyed. Default 5000. */
  readonly drainMs?: Milliseconds;
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
  resumeWindowMs: 30_000,
  maxConnectionsPerSession: 1000,
  maxStreamsPerConnection: DEFAULT_MAX_STREAMS_PER_CONNECTION,
  maxStreamsPerSession: DEFAULT_MAX_STREAMS_PER_SESSION,
  maxSocketsPerIp: 200,
  maxRequestsInFlight: 8,
  httpRateLimit: Object.freeze({ perSecond: 100, burst: 200 }),
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  metricsCacheMs: 1000,
  clockTolerance: 30,
  drainMs: 5000,
});

/** ws waits this long for a client's answer to a close frame before destroying the socket. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS: Milliseconds = 5000;
/** A `connect` with a maximal token (8 KiB) must fit in one message. */
const MIN_PAYLOAD_BYTES = 16 * 1024;
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const MAX_TIMER_MS: Milliseconds = 2 ** 31 - 1;

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'registry',
  'host',
  'port',
  'sessions',
  'rest',
  'opentokRest',
  'logger',
  'maxPayloadBytes',
  'rateLimit',
  'pingIntervalMs',
  'idleTimeoutMs',
  'maxBufferedBytes',
  'admissionTimeoutMs',
  'resumeWindowMs',
  'maxConnectionsPerSession',
  'maxStreamsPerConnection',
  'maxStreamsPerSession',
  'rtcPorts',
  'maxSocketsPerIp',
  'maxRequestsInFlight',
  'httpRateLimit',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'metricsCacheMs',
  'clockTolerance',
  'now',
  'processMetrics',
  'dev',
]);
const RATE_LIMIT_NAMES: ReadonlySet<string> = new Set(['perSecond', 'burst']);

/** Messages read `createGateway: option rule.` */
const SCOPE = { scope: 'createGateway' } as const;

function invalid(option: string, rule: string) {
  return invalidOption(option, rule, SCOPE.scope);
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/** {@link GatewayOptions} with every default filled in and every value checked. */
export interface ResolvedOptions {
  readonly registry: AppRegistry & ReplayGuard;
  readonly host: string;
  readonly port: number;
  readonly sessions: GatewayOptions['sessions'];
  readonly rest: RestHandlerFactory;
  readonly opentokRest: RestHandlerFactory | false;
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  readonly rateLimit: RateLimit;
  readonly pingIntervalMs: Milliseconds;
  readonly idleTimeoutMs: Milliseconds;
  readonly maxBufferedBytes: number;
  readonly admissionTimeoutMs: Milliseconds;
  readonly resumeWindowMs: Milliseconds;
  readonly maxConnectionsPerSession: number;
  readonly maxStreamsPerConnection: number;
  readonly maxStreamsPerSession: number;
  readonly rtcPorts: readonly [number, number] | undefined;
  readonly maxSocketsPerIp: number;
  readonly maxRequestsInFlight: number;
  readonly httpRateLimit: RateLimit;
  readonly headersTimeoutMs: Milliseconds;
  readonly requestTimeoutMs: Milliseconds;
  readonly metricsCacheMs: Milliseconds;
  readonly clockTolerance: Seconds;
  readonly now: Clock;
  readonly processMetrics: boolean;
  readonly dev: DevRoutes | undefined;
}

/** Defaults, then the caller's values, then one precise message for the first bad field. */
/** The options that are whole numbers with a default in GATEWAY_DEFAULTS. */
type WholeNumberOption = {
  [K in keyof GatewayOptions & keyof typeof GATEWAY_DEFAULTS]: (typeof GATEWAY_DEFAULTS)[K] extends number ? K : never;
}[keyof GatewayOptions & keyof typeof GATEWAY_DEFAULTS];

/** The parts given as objects or functions (registry, sessions, rest, logger, host). */
function checkParts(o: GatewayOptions): void {
  if (!hasMethods(o.registry, ['getApp', 'getAppVersion', 'isRevoked', 'claim'])) {
    throw invalid('registry', 'must be an AppRegistry & ReplayGuard (e.g. createSqliteAppRegistry)');
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.length === 0))
    throw invalid('host', 'must be a host name or address');
  if (
    o.sessions !== undefined &&
    typeof o.sessions !== 'function' &&
    !hasMethods(o.sessions, ['join', 'leave', 'handle', 'stats', 'closeAll'])
  ) {
    throw invalid('sessions', 'must be a SessionService or a function returning one');
  }
  if (o.rest !== undefined && typeof o.rest !== 'function')
    throw invalid('rest', 'must be a function (e.g. createRestHandler)');
  if (o.opentokRest !== undefined && o.opentokRest !== false && typeof o.opentokRest !== 'function')
    throw invalid('opentokRest', 'must be a function (e.g. createOpenTokRestHandler) or false');
  if (o.logger !== undefined && !hasMethods(o.logger, ['info', 'warn', 'error', 'debug']))
    throw invalid('logger', 'must be a pino logger');
}

export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  checkOptionNames(options, OPTION_NAMES, { ...SCOPE, what: 'at least registry' });
  const o = options as unknown as GatewayOptions;
  checkParts(o);
  const whole = (name: WholeNumberOption, min: number, max: number): number =>
    wholeNumberOption(o[name], name, GATEWAY_DEFAULTS[name], min, max, SCOPE);
  const now = functionOption<Clock>(o.now, 'now', Date.now, 'must be a function returning milliseconds', SCOPE);
  const processMetrics = booleanOption(o.processMetrics, 'processMetrics', false, SCOPE);
  if (o.dev !== undefined && typeof o.dev !== 'function')
    throw invalid('dev', 'must be a function (req, res) => boolean (e.g. createDevRoutes of @stagepass/demo)');
  const rateLimit = rateLimitOption(o.rateLimit, 'rateLimit', GATEWAY_DEFAULTS.rateLimit, 'messages');
  const httpRateLimit = rateLimitOption(o.httpRateLimit, 'httpRateLimit', GATEWAY_DEFAULTS.httpRateLimit, 'requests');
  const pingIntervalMs = whole('pingIntervalMs', 10, MAX_TIMER_MS);
  const idleTimeoutMs = whole('idleTimeoutMs', 10, MAX_TIMER_MS);
  // Sockets are checked once per ping interval: the idle time must leave room for at least one ping.
  if (idleTimeoutMs <= pingIntervalMs)
    throw invalid('idleTimeoutMs', `must be longer than pingIntervalMs (${pingIntervalMs})`);
  return {
    registry: o.registry,
    host: o.host ?? GATEWAY_DEFAULTS.host,
    port: whole('port', 0, 65535),
    sessions: o.sessions,
    rest: o.rest ?? createRestHandler,
    opentokRest: o.opentokRest ?? createOpenTokRestHandler,
    logger: o.logger ?? pino({ level: 'silent' }),
    maxPayloadBytes: whole('maxPayloadBytes', MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES),
    rateLimit,
    pingIntervalMs,
    idleTimeoutMs,
    maxBufferedBytes: whole('maxBufferedBytes', 1024, 2 ** 30),
    admissionTimeoutMs: whole('admissionTimeoutMs', 1, MAX_TIMER_MS),
    resumeWindowMs: whole('resumeWindowMs', 0, MAX_TIMER_MS),
    maxConnectionsPerSession: whole('maxConnectionsPerSession', 1, 1e6),
    maxStreamsPerConnection: whole('maxStreamsPerConnection', 1, 1e6),
    maxStreamsPerSession: whole('maxStreamsPerSession', 1, 1e6),
    rtcPorts: rtcPortsOption(o.rtcPorts),
    maxSocketsPerIp: whole('maxSocketsPerIp', 1, 1e7),
    ...httpOptions(o),
    httpRateLimit,
    clockTolerance: whole('clockTolerance', 0, 300),
    now,
    processMetrics,
    dev: o.dev,
  };
}

/** `rtcPorts`: two whole port numbers from 1024 to 65535, the first below the last (werift needs a range). */
function rtcPortsOption(value: unknown): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const port = (v: unknown) => Number.isInteger(v) && (v as number) >= 1024 && (v as number) <= 65535;
  if (!Array.isArray(value) || value.length !== 2 || !port(value[0]) || !port(value[1]) || value[0] >= value[1])
    throw invalid('rtcPorts', 'must be [first, last]: two ports from 1024 to 65535, the first below the last');
  return Object.freeze([value[0] as number, value[1] as number] as const);
}

/** `{ perSecond, burst }` over its defaults, checked (`rateLimit`, `httpRateLimit`). */
function rateLimitOption(
  value: Partial<RateLimit> | undefined,
  name: string,
  defaults: RateLimit,
  what: string,
): RateLimit {
  const rate = (value ?? {}) as Partial<RateLimit>;
  if (typeof rate !== 'object' || rate === null) throw invalid(name, 'must be an object { perSecond, burst }');
  for (const key of Object.keys(rate)) {
    if (!RATE_LIMIT_NAMES.has(key)) throw invalid(`${name}.${key.slice(0, 64)}`, 'is not an option');
  }
  const perSecond = rate.perSecond ?? defaults.perSecond;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0 || perSecond > 1e6) {
    throw invalid(`${name}.perSecond`, `must be a number of ${what} per second above 0 (at most 1000000)`);
  }
  const burst = wholeNumberOption(rate.burst, `${name}.burst`, defaults.burst, 1, 1e6, SCOPE);
  return { perSecond, burst };
}

/** The plain HTTP side's limits (the per-address rate aside). */
function httpOptions(
  o: GatewayOptions,
): Pick<ResolvedOptions, 'maxRequestsInFlight' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'metricsCacheMs'> {
  const d = GATEWAY_DEFAULTS;
  const headersTimeoutMs = wholeNumberOption(
    o.headersTimeoutMs,
    'headersTimeoutMs',
    d.headersTimeoutMs,
    10,
    MAX_TIMER_MS,
    SCOPE,
  );
  const requestTimeoutMs = wholeNumberOption(
    o.requestTimeoutMs,
    'requestTimeoutMs',
    d.requestTimeoutMs,
    10,
    MAX_TIMER_MS,
    SCOPE,
  );
  // Node refuses a headers time longer than the whole request's.
  if (headersTimeoutMs > requestTimeoutMs)
    throw invalid('headersTimeoutMs', `must be at most requestTimeoutMs (${requestTimeoutMs})`);
  return {
    maxRequestsInFlight: wholeNumberOption(
      o.maxRequestsInFlight,
      'maxRequestsInFlight',
      d.maxRequestsInFlight,
      1,
      1e6,
      SCOPE,
    ),
    headersTimeoutMs,
    requestTimeoutMs,
    metricsCacheMs: wholeNumberOption(o.metricsCacheMs, 'metricsCacheMs', d.metricsCacheMs, 0, MAX_TIMER_MS, SCOPE),
  };
}

/** The options of `gateway.close()`, checked: the drain time. */
export function resolveCloseOptions(closeOptions: GatewayCloseOptions): { drainMs: Milliseconds } {
  if (typeof closeOptions !== 'object' || closeOptions === null) throw invalid('close options', 'must be an object');
  return {
    drainMs: wholeNumberOption(closeOptions.drainMs, 'drainMs', GATEWAY_DEFAULTS.drainMs, 0, MAX_TIMER_MS, SCOPE),
  };
}
