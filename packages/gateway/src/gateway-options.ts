import {
  checkOptionNames,
  functionOption,
  invalidOption,
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
import type { NodeMediaOptions } from './session/memory-session-service.js';
import { checkAnnouncedIp } from './media/announced-ip.js';
import { checkGatewaySetting, checkSettingPairs, gatewaySetting, numberDefault } from './gateway-settings.js';
import {
  checkIcePair,
  checkIceServerUrls,
  checkTurnSecret,
  createIceServersFor,
  type IceServersFor,
} from './ice/ice-servers.js';
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
  /** Each connection's `iceServers` (from the gateway's iceServers, turnSecret, turnCredentialTtl): give it to the service. */
  readonly iceServers: IceServersFor;
  /** This node's routed media (rtcPorts, announcedIp, the /metrics counts): give it to the service's session core. */
  readonly media: NodeMediaOptions;
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
   * Routed media: a subscriber that has sent no RTCP (receiver reports, NACK, PLI) for this long — its
   * process stopped, its socket unread, its network gone — gets no packets until it sends RTCP again,
   * then a keyframe (docs/protocol.md "Routed media"). 0: never. Default 5000. Applies to the default
   * session service, and reaches a `sessions` factory in its `context.media`.
   */
  readonly mediaStallMs?: number;
  /**
   * Routed media behind 1:1 NAT (a cloud VM): the public IPv4 or IPv6 address clients reach this gateway
   * at, put in its ICE candidates instead of the machine's own addresses (it binds every interface). Default:
   * none. Applies to the default session service, and reaches a `sessions` factory in its `context.media`.
   */
  readonly announcedIp?: string;
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
  /**
   * STUN and TURN server URLs handed to every client in `connected`/`resumed` (`iceServers`, docs/protocol.md
   * "ICE servers"): `stun:HOST[:PORT]`, `stuns:…`, `turn:HOST[:PORT][?transport=udp|tcp]`, `turns:…`; at most 16.
   * TURN URLs need `turnSecret`. Default none: clients get `[]` (fine on one network; across NATs add TURN).
   */
  readonly iceServers?: readonly string[];
  /**
   * The TURN server's shared secret (coturn `use-auth-secret` + `static-auth-secret`), 16–512 visible ASCII
   * characters: each connection gets its own TURN credential derived from it, never the secret. Never logged.
   */
  readonly turnSecret?: string;
  /**
   * Longest life of a TURN credential, seconds (60–2592000). Default 86400; a credential never outlives its
   * token's `exp`, and each `resumed` gives a fresh one.
   */
  readonly turnCredentialTtl?: Seconds;
  /** Wall clock in ms, for token times and session times (tests move it). Default `Date.now`. Limits use a monotonic clock. */
  readonly now?: Clock;
  /**
   * Routed streams that get their own `stagepass_media_stream_packets_total` series (6 each: kind ×
   * outcome) at once, from their publish until they end; a stream beyond it is counted in the
   * node's totals only. 0: no per-stream series. Default 1000. Applies to the default session service.
   */
  readonly maxStreamMetrics?: number;
  /** Also export Node's default process metrics on /metrics. Default false. */
  readonly processMetrics?: boolean;
  /**
   * Development only: extra HTTP routes asked before the 404 (`stagepass serve --dev` gives the demo page and
   * `POST /dev/token` of `@stagepass/demo`). Default: none, so those paths are 404.
   */
  readonly dev?: DevRoutes;
}

export interface GatewayCloseOptions {
  /** How long connected clients get to close after the 1012 (service restart), ms; then their sockets are destroyed. Default 5000. */
  readonly drainMs?: Milliseconds;
}

/** The defaults of every scalar option, from the one table of gateway-settings.ts. */
export const GATEWAY_DEFAULTS = Object.freeze({
  host: gatewaySetting('host').default as string,
  port: numberDefault('port'),
  maxPayloadBytes: numberDefault('maxPayloadBytes'),
  rateLimit: Object.freeze({
    perSecond: numberDefault('rateLimit.perSecond'),
    burst: numberDefault('rateLimit.burst'),
  }),
  pingIntervalMs: numberDefault('pingIntervalMs'),
  idleTimeoutMs: numberDefault('idleTimeoutMs'),
  maxBufferedBytes: numberDefault('maxBufferedBytes'),
  admissionTimeoutMs: numberDefault('admissionTimeoutMs'),
  resumeWindowMs: numberDefault('resumeWindowMs'),
  maxConnectionsPerSession: numberDefault('maxConnectionsPerSession'),
  maxStreamsPerConnection: numberDefault('maxStreamsPerConnection'),
  maxStreamsPerSession: numberDefault('maxStreamsPerSession'),
  mediaStallMs: numberDefault('mediaStallMs'),
  maxSocketsPerIp: numberDefault('maxSocketsPerIp'),
  maxRequestsInFlight: numberDefault('maxRequestsInFlight'),
  httpRateLimit: Object.freeze({
    perSecond: numberDefault('httpRateLimit.perSecond'),
    burst: numberDefault('httpRateLimit.burst'),
  }),
  headersTimeoutMs: numberDefault('headersTimeoutMs'),
  requestTimeoutMs: numberDefault('requestTimeoutMs'),
  metricsCacheMs: numberDefault('metricsCacheMs'),
  maxStreamMetrics: numberDefault('maxStreamMetrics'),
  clockTolerance: numberDefault('clockTolerance'),
  turnCredentialTtl: numberDefault('turnCredentialTtl'),
  drainMs: numberDefault('drainMs'),
});

/** ws waits this long for a client's answer to a close frame before destroying the socket. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS: Milliseconds = 5000;

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
  'mediaStallMs',
  'announcedIp',
  'maxSocketsPerIp',
  'maxRequestsInFlight',
  'httpRateLimit',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'metricsCacheMs',
  'maxStreamMetrics',
  'clockTolerance',
  'iceServers',
  'turnSecret',
  'turnCredentialTtl',
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
  readonly mediaStallMs: Milliseconds;
  readonly announcedIp: string | undefined;
  readonly maxSocketsPerIp: number;
  readonly maxRequestsInFlight: number;
  readonly httpRateLimit: RateLimit;
  readonly headersTimeoutMs: Milliseconds;
  readonly requestTimeoutMs: Milliseconds;
  readonly metricsCacheMs: Milliseconds;
  readonly maxStreamMetrics: number;
  readonly clockTolerance: Seconds;
  readonly turnCredentialTtl: Seconds;
  /** The ICE servers of each connection (`connected.iceServers`), from iceServers, turnSecret and turnCredentialTtl. */
  readonly iceServersFor: IceServersFor;
  readonly now: Clock;
  readonly processMetrics: boolean;
  readonly dev: DevRoutes | undefined;
}

/** The options that are numbers with a row in gateway-settings.ts (rates aside). */
type NumberOption = {
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

/** Defaults, then the caller's values, then one precise message for the first bad field. */
export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  checkOptionNames(options, OPTION_NAMES, { ...SCOPE, what: 'at least registry' });
  const o = options as unknown as GatewayOptions;
  checkParts(o);
  const num = (name: NumberOption): number => checkGatewaySetting(name, o[name], SCOPE.scope) as number;
  const now = functionOption<Clock>(o.now, 'now', Date.now, 'must be a function returning milliseconds', SCOPE);
  const processMetrics = checkGatewaySetting('processMetrics', o.processMetrics, SCOPE.scope) as boolean;
  if (o.dev !== undefined && typeof o.dev !== 'function')
    throw invalid('dev', 'must be a function (req, res) => boolean (e.g. createDevRoutes of @stagepass/demo)');
  const rateLimit = rateLimitOption(o.rateLimit, 'rateLimit');
  const httpRateLimit = rateLimitOption(o.httpRateLimit, 'httpRateLimit');
  const resolved = {
    registry: o.registry,
    host: checkGatewaySetting('host', o.host, SCOPE.scope) as string,
    port: num('port'),
    sessions: o.sessions,
    rest: o.rest ?? createRestHandler,
    opentokRest: o.opentokRest ?? createOpenTokRestHandler,
    logger: o.logger ?? pino({ level: 'silent' }),
    maxPayloadBytes: num('maxPayloadBytes'),
    rateLimit,
    pingIntervalMs: num('pingIntervalMs'),
    idleTimeoutMs: num('idleTimeoutMs'),
    maxBufferedBytes: num('maxBufferedBytes'),
    admissionTimeoutMs: num('admissionTimeoutMs'),
    resumeWindowMs: num('resumeWindowMs'),
    maxConnectionsPerSession: num('maxConnectionsPerSession'),
    maxStreamsPerConnection: num('maxStreamsPerConnection'),
    maxStreamsPerSession: num('maxStreamsPerSession'),
    rtcPorts: rtcPortsOption(o.rtcPorts),
    mediaStallMs: num('mediaStallMs'),
    announcedIp: checkAnnouncedIp(o.announcedIp, SCOPE.scope),
    maxSocketsPerIp: num('maxSocketsPerIp'),
    maxRequestsInFlight: num('maxRequestsInFlight'),
    httpRateLimit,
    headersTimeoutMs: num('headersTimeoutMs'),
    requestTimeoutMs: num('requestTimeoutMs'),
    metricsCacheMs: num('metricsCacheMs'),
    maxStreamMetrics: num('maxStreamMetrics'),
    clockTolerance: num('clockTolerance'),
    turnCredentialTtl: num('turnCredentialTtl'),
    iceServersFor: iceServersOption(o, num('turnCredentialTtl'), now),
    now,
    processMetrics,
    dev: o.dev,
  };
  checkSettingPairs((key) => resolved[key as NumberOption], SCOPE.scope);
  return resolved;
}

/** `rtcPorts`: two whole port numbers from 1024 to 65535, the first below the last (werift needs a range). */
function rtcPortsOption(value: unknown): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const port = (v: unknown) => Number.isInteger(v) && (v as number) >= 1024 && (v as number) <= 65535;
  if (!Array.isArray(value) || value.length !== 2 || !port(value[0]) || !port(value[1]) || value[0] >= value[1])
    throw invalid('rtcPorts', 'must be [first, last]: two ports from 1024 to 65535, the first below the last');
  return Object.freeze([value[0] as number, value[1] as number] as const);
}

/** iceServers and turnSecret checked, each alone and together, as the function that gives each connection its list. */
function iceServersOption(o: GatewayOptions, ttl: number, now: Clock): IceServersFor {
  const urls = checkIceServerUrls(o.iceServers, SCOPE.scope);
  const turnSecret = checkTurnSecret(o.turnSecret, SCOPE.scope);
  checkIcePair(urls, turnSecret, SCOPE.scope);
  return createIceServersFor({ urls, turnSecret, ttl, now });
}

/** `{ perSecond, burst }` over its defaults, checked (`rateLimit`, `httpRateLimit`). */
function rateLimitOption(value: Partial<RateLimit> | undefined, name: 'rateLimit' | 'httpRateLimit'): RateLimit {
  const rate = (value ?? {}) as Partial<RateLimit>;
  if (typeof rate !== 'object' || rate === null) throw invalid(name, 'must be an object { perSecond, burst }');
  for (const key of Object.keys(rate)) {
    if (!RATE_LIMIT_NAMES.has(key)) throw invalid(`${name}.${key.slice(0, 64)}`, 'is not an option');
  }
  return {
    perSecond: checkGatewaySetting(`${name}.perSecond`, rate.perSecond, SCOPE.scope) as number,
    burst: checkGatewaySetting(`${name}.burst`, rate.burst, SCOPE.scope) as number,
  };
}

/** The options of `gateway.close()`, checked: the drain time. */
export function resolveCloseOptions(closeOptions: GatewayCloseOptions): { drainMs: Milliseconds } {
  if (typeof closeOptions !== 'object' || closeOptions === null) throw invalid('close options', 'must be an object');
  return {
    drainMs: checkGatewaySetting('drainMs', closeOptions.drainMs, SCOPE.scope) as number,
  };
}
