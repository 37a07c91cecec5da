import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { UsageError } from '../usage-error.js';
import { MASTER_KEY_ENV } from './app-database.js';
import { tokenCommand } from './app-view.js';

/** `stagepass serve` options, as parsed from the command line. */
export interface ServeOptions {
  readonly host: string;
  /** As typed: 0–65535. */
  readonly port: string;
  readonly db: string;
  readonly logLevel: string;
  /** Pretty logs: 'auto' (when stdout is a terminal), 'true' or 'false'. */
  readonly pretty: string;
  readonly drainMs: number;
}

export interface ServeResult {
  readonly host: string;
  readonly port: number;
  /** How the gateway stopped. */
  readonly stoppedBy: string;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = '4280';
export const HOST_ENV = 'STAGEPASS_HOST';
export const PORT_ENV = 'STAGEPASS_PORT';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError('--port: must be a port number, 0–65535', '--port');
  return Number(text);
}

/** The banner of a first start: the development app's credentials, shown this once. */
function devAppBanner(appId: string, kid: string, secret: string, url: string): string {
  return [
    '',
    'No apps were registered, so a development app was created. Its secret is shown this once:',
    `  App ID   ${appId}`,
    `  Secret   ${secret}`,
    '',
    'Mint a token for it:',
    `  npx ${tokenCommand(appId, kid, secret)}`,
    `Clients connect to ${url.replace(/^http/, 'ws')}/v1/connect?appId=…&sessionId=… (docs/protocol.md).`,
    'Manage apps with `npx stagepass app …` (same --db).',
    '',
  ].join('\n');
}

/**
 * Runs the gateway until SIGINT or SIGTERM, then drains it: the main job (`npm start`). On a first
 * start with an empty registry it creates a development app and prints its App ID and secret once.
 * Logs go to stdout (pino JSON; readable lines on a terminal).
 */
export async function serve(options: ServeOptions, io: CommandIo): Promise<ServeResult> {
  const port = parsePort(options.port);
  // Loaded on use: the token commands must start fast.
  const [{ createGateway, createSqliteAppRegistry, parseMasterKey }, { pino }] = await Promise.all([
    import('@stagepass/gateway'), import('pino'),
  ]);
  const pretty = options.pretty === 'auto' ? process.stdout.isTTY === true : options.pretty === 'true';
  const logger = pino(
    { level: options.logLevel, base: { service: 'stagepass-gateway' } },
    pretty ? (await import('pino-pretty')).default({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }) : undefined,
  );
  const keyText = io.env[MASTER_KEY_ENV];
  const masterKey = keyText === undefined || keyText === '' ? undefined : parseMasterKey(keyText);
  const registry = createSqliteAppRegistry({ path: options.db, ...(masterKey === undefined ? {} : { masterKey }) });
  let devApp: { appId: string; kid: string; secret: string } | undefined;
  if (registry.listApps().length === 0) {
    const { app, secret } = registry.createApp({ name: 'Development app' });
    devApp = { appId: app.appId, kid: app.keys[0]!.kid, secret };
  }
  logger.info({ db: options.db, encrypted: masterKey !== undefined, apps: registry.listApps().length }, 'app registry open');
  const gateway = createGateway({ registry, host: options.host, port, logger });
  let address;
  try {
    address = await gateway.listen();
  } catch (err) {
    registry.close();
    throw err;
  }
  const url = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  if (devApp !== undefined) process.stdout.write(`${devAppBanner(devApp.appId, devApp.kid, devApp.secret, url)}\n`);

  const stoppedBy = await new Promise<string>((resolve) => {
    const stop = (signal: string) => {
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      // A second signal while draining ends the process at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  logger.info({ signal: stoppedBy, drainMs: options.drainMs }, 'draining');
  await gateway.close({ drainMs: options.drainMs });
  registry.close();
  logger.info('stopped');
  logger.flush?.();
  return { host: address.host, port: address.port, stoppedBy };
}

/** After a clean stop: nothing more to say (the logs said it). */
export function renderServe(result: ServeResult): CommandOutput {
  return { ok: true, json: { ...result }, text: '', warnings: [] };
}
