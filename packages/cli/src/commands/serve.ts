import type { GatewayOptions } from '@stagepass/gateway';
import type { Milliseconds } from '@stagepass/protocol';
import type { CommandIo, StopSignal } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { UsageError } from '../usage-error.js';
import { isStagepassError, StagepassError } from '@stagepass/protocol';
import { useLogColors } from '../log-colors.js';
import { encryptedNotice, MASTER_KEY_ENV, openAppRegistry, registryLabel, registryTarget } from './app-database.js';
import { tokenCommand } from './app-view.js';
import { checkRedisUrl, prepareCluster } from './serve-cluster.js';
import { checkDevHost, DEV_APP_NAME, prepareDevMode } from './serve-dev.js';
import { readRtcPorts } from './serve-settings.js';

/** `stagepass serve` options, as parsed from the command line. */
export interface ServeOptions {
  readonly host: string;
  /** As typed: 0–65535. */
  readonly port: string;
  readonly db: string;
  /** Cluster mode: the Redis URL the nodes share (serve-cluster.ts); undefined for one node. */
  readonly redis?: string | undefined;
  /** This node's ID in the cluster (`--node-id`); undefined: a random one at each start. */
  readonly nodeId?: string | undefined;
  readonly logLevel: string;
  /** Pretty logs: 'auto' (when stdout is a terminal), 'true' or 'false'. */
  readonly pretty: string;
  readonly drainMs: Milliseconds;
  /** `FIRST-LAST` as typed: the UDP ports of routed media (default any). */
  readonly rtcPorts?: string;
  /** Also serve the demo page at `/` and `POST /dev/token` (serve-dev.ts). */
  readonly dev?: boolean;
  /** Let `dev` listen on a non-loopback host. */
  readonly devAllowRemote?: boolean;
  /** Take an existing empty (0-byte) database file as a new registry (`--init`); refused without it. */
  readonly init: boolean;
  /** The gateway's limits (serve-settings.ts), checked; each absent one keeps the gateway's default. */
  readonly gateway?: ServeGatewayOptions;
}

/** The options of `createGateway` that `serve` takes from its settings (the rest it builds itself). */
export type ServeGatewayOptions = Omit<
  GatewayOptions,
  'registry' | 'host' | 'port' | 'sessions' | 'rest' | 'logger' | 'now' | 'dev'
>;

/** The gateway `serve` started, listening until `stop`. */
export interface ServeResult {
  /** The address it listens on (the port is the one picked when `--port 0`). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, the base of the REST API and of `/v1/connect`. */
  readonly url: string;
  /** The development app made on a first start with no apps: its secret is shown this once. */
  readonly devApp: DevApp | undefined;
  /** With `--dev`: the demo page's URL. */
  readonly demoUrl: string | undefined;
  /** How the user runs the CLI (`npx stagepass` under `npm start`), for the banner's command lines. */
  readonly programName: string;
  /** Stops admitting, closes the clients (1012 service restart), waits up to `drainMs` for them, closes the registry. */
  stop(signal: StopSignal): Promise<ServeStopResult>;
}

/** The development app of a first start. */
export interface DevApp {
  readonly appId: string;
  readonly kid: string;
  readonly secret: string;
}

/** How the gateway stopped. */
export interface ServeStopResult {
  readonly host: string;
  readonly port: number;
  /** The signal that stopped it. */
  readonly stoppedBy: StopSignal;
}

export const HOST_ENV = 'STAGEPASS_HOST';
export const PORT_ENV = 'STAGEPASS_PORT';

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError('--port: must be a port number, 0–65535', '--port');
  return Number(text);
}

/** `--rtc-ports FIRST-LAST` (e.g. 40000-40999): the UDP ports of routed media. */
export function parseRtcPorts(text: string): readonly [number, number] {
  const ports = readRtcPorts(text);
  if (ports === undefined)
    throw new UsageError(
      '--rtc-ports: must be FIRST-LAST, two ports from 1024 to 65535, e.g. 40000-40999',
      '--rtc-ports',
    );
  return ports;
}

/** A failed listen (ERR_LISTEN_FAILED names host and port) with what to do: exit 1, not a usage error. */
function explainListenError(err: unknown): unknown {
  if (!isStagepassError(err) || err.code !== 'ERR_LISTEN_FAILED') return err;
  const advice = `pick another with --port (or ${PORT_ENV}; 0 picks a free one), or stop what listens there`;
  const hostAdvice = `give an address of this machine with --host (or ${HOST_ENV})`;
  const what = err.details.reason === 'EADDRNOTAVAIL' ? hostAdvice : advice;
  return new StagepassError('ERR_LISTEN_FAILED', `${err.message}; ${what}`, { details: err.details, cause: err });
}

/** The banner of a first start: the development app's credentials, shown this once. */
function devAppBanner({ appId, kid, secret }: DevApp, url: string, program: string): string {
  return [
    '',
    'No apps were registered, so a development app was created. Its secret is shown this once:',
    `  App ID   ${appId}`,
    `  Secret   ${secret}`,
    '',
    'Mint a token for it:',
    `  ${tokenCommand(program, appId, kid, secret)}`,
    `Clients connect to ${url.replace(/^http/, 'ws')}/v1/connect?appId=…&sessionId=… (docs/protocol.md).`,
    `Manage apps with \`${program} app …\` (same --db).`,
    '',
  ].join('\n');
}

/**
 * Starts the gateway and resolves once it listens, with a handle to stop it: the main job
 * (`npm start`; main.ts stops it on SIGINT or SIGTERM). On a first start with an empty registry it
 * creates a development app, whose App ID and secret the result holds for the banner.
 * Logs go to stdout (pino JSON; readable lines on a terminal).
 *
 * @example
 * ```ts
 * const running = await serve({ host: '127.0.0.1', port: '0', db, logLevel: 'info', pretty: 'false', drainMs: 5000, init: false }, io);
 * await running.stop('SIGTERM');
 * ```
 */
export async function serve(options: ServeOptions, io: CommandIo): Promise<ServeResult> {
  const port = parsePort(options.port);
  const rtcPorts = options.rtcPorts === undefined ? undefined : parseRtcPorts(options.rtcPorts);
  if (options.redis !== undefined) checkRedisUrl(options.redis);
  if (options.dev === true) checkDevHost(options.host, options.devAllowRemote === true);
  // Loaded on use: the token commands must start fast.
  const [{ createGateway }, { pino }] = await Promise.all([import('@stagepass/gateway'), import('pino')]);
  const pretty = options.pretty === 'auto' ? process.stdout.isTTY === true : options.pretty === 'true';
  const logger = pino(
    { level: options.logLevel, base: { service: 'stagepass-gateway' } },
    pretty
      ? (await import('pino-pretty')).default({
          colorize: useLogColors(io.env, process.stdout.isTTY === true),
          singleLine: true, // one line per event: extra fields inline, not one per line
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service',
        })
      : undefined,
  );
  // A SQLite file or a PostgreSQL URL (app-database.ts): a URL this build cannot serve is a usage error.
  const registry = await openAppRegistry(options.db, io.env, {
    mustExist: false,
    init: options.init,
    onSecretsEncrypted: (count) => logger.warn({ encrypted: count }, encryptedNotice(count)),
  });
  let devApp: DevApp | undefined;
  if (registry.listApps().length === 0) {
    const { app, secret } = await registry.createApp({ name: DEV_APP_NAME });
    devApp = { appId: app.appId, kid: app.keys[0]!.kid, secret };
  }
  logger.info(
    {
      db: registryLabel(registryTarget(options.db)),
      encrypted: io.env[MASTER_KEY_ENV] !== undefined && io.env[MASTER_KEY_ENV] !== '',
      apps: registry.listApps().length,
    },
    'app registry open',
  );
  const dev = options.dev === true ? await prepareDevMode(registry) : undefined;
  if (dev !== undefined)
    logger.info(
      { appId: dev.appId, created: dev.created || devApp !== undefined },
      'dev mode: demo page and POST /dev/token',
    );
  const cluster = options.redis === undefined ? undefined : await prepareCluster(options.redis, options.nodeId, logger);
  const gateway = createGateway({
    ...options.gateway,
    registry,
    host: options.host,
    port,
    logger,
    ...(dev && { dev: dev.routes }),
    ...(rtcPorts && { rtcPorts }),
    ...(cluster && { sessions: cluster.sessions }),
  });
  let address;
  try {
    await cluster?.start();
    address = await gateway.listen();
  } catch (err) {
    await cluster?.stop();
    await registry.close();
    throw explainListenError(err);
  }
  const { host, port: boundPort } = address;
  const stop = async (signal: StopSignal): Promise<ServeStopResult> => {
    logger.info({ signal, drainMs: options.drainMs }, 'draining');
    try {
      await gateway.close({ drainMs: options.drainMs });
    } finally {
      await cluster?.stop();
      await registry.close();
    }
    logger.info('stopped');
    logger.flush?.();
    return { host, port: boundPort, stoppedBy: signal };
  };
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  const demoUrl = dev === undefined ? undefined : `${url}/`;
  return { host, port: boundPort, url, devApp, demoUrl, programName: io.programName, stop };
}

/**
 * While it runs: the development app's banner on a first start, else nothing (the logs say where it
 * listens). main.ts then waits for SIGINT or SIGTERM and calls `running.stop`.
 */
export function renderServe(result: ServeResult): CommandOutput {
  const { url, stop, demoUrl } = result;
  const banner = result.devApp === undefined ? '' : `${devAppBanner(result.devApp, url, result.programName)}\n`;
  // The camera needs a secure context: loopback or HTTPS.
  const demo =
    demoUrl === undefined ? '' : `Demo page: ${demoUrl}  (open it in two tabs; camera needs localhost or HTTPS)\n`;
  return {
    ok: true,
    // With --json, one line a tool reads: where it listens, and a first start's development app (this once).
    json: {
      host: result.host,
      port: result.port,
      url,
      ...(demoUrl === undefined ? {} : { demoUrl }),
      ...(result.devApp === undefined ? {} : { devApp: { ...result.devApp } }),
    },
    text: `${banner}${demo}`,
    warnings: [],
    running: { stop: async (signal) => renderServeStop(await stop(signal)) },
  };
}

/** After a clean stop: nothing more to say (the logs said it). */
export function renderServeStop(result: ServeStopResult): CommandOutput {
  return { ok: true, json: { ...result }, text: '', warnings: [] };
}
