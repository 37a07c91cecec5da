/**
 * The `stagepass serve` command: its flags and how they become the gateway's options. Every setting's
 * flag comes from the one table of serve-settings.ts; resolve-serve-settings.ts merges flags, `STAGEPASS_*`
 * variables, the config file and the defaults.
 */
import type { GatewayOptions } from '@stagepass/gateway';
import type { CommandIo } from '../cli-io.js';
import { defineCommand, type Command, type CommandOutput, type OptionSpec, type ParsedArgs } from '../command-spec.js';
import { MASTER_KEY_ENV } from './app-database.js';
import { HELP_FLAG, JSON_FLAG } from './common-flags.js';
import { renderPrintConfig } from './print-config.js';
import { resolveServeSettings, type ServeSettings } from './resolve-serve-settings.js';
import { renderServe, serve, type ServeOptions, type ServeResult } from './serve.js';
import { SERVE_SETTINGS, settingHelp } from './serve-settings.js';

/** The variable that names the config file when `--config` is not given. */
export const CONFIG_ENV = 'STAGEPASS_CONFIG';

/** `stagepass serve` as parsed: the settings' flags as typed (checked later, with the other sources). */
export interface ServeCommandOptions {
  /** By setting key: the text of each setting flag given (`true` for a boolean one). */
  readonly flags: Readonly<Record<string, string | true>>;
  readonly config: string | undefined;
  readonly printConfig: boolean;
  readonly dev: boolean;
  readonly devAllowRemote: boolean;
  readonly init: boolean;
}

/** What `serve` did: printed the settings, or started the gateway. */
type ServeCommandResult =
  | { readonly kind: 'config'; readonly settings: ServeSettings }
  | { readonly kind: 'serving'; readonly result: ServeResult };

const SETTING_FLAGS: Readonly<Record<string, OptionSpec>> = Object.fromEntries(
  SERVE_SETTINGS.map((s): [string, OptionSpec] => [
    s.flag.slice(2),
    s.type === 'boolean'
      ? { type: 'boolean', description: settingHelp(s) }
      : { type: 'string', value: s.placeholder, description: settingHelp(s) },
  ]),
);

function readFlags(args: ParsedArgs): Record<string, string | true> {
  const flags: Record<string, string | true> = {};
  for (const s of SERVE_SETTINGS) {
    const name = s.flag.slice(2);
    const value = s.type === 'boolean' ? (args.flag(name) ? true : undefined) : args.string(name);
    if (value !== undefined) flags[s.key] = value;
  }
  return flags;
}

/** The gateway's options among the settings (`rateLimit.burst` → `rateLimit: { burst }`); host and port aside. */
function gatewayOptions(settings: ServeSettings): Partial<GatewayOptions> {
  const options: Record<string, unknown> = {};
  for (const { setting, value } of settings.settings) {
    if (setting.target !== 'gateway' || setting.key === 'host' || setting.key === 'port' || value === undefined)
      continue;
    const [first, second] = setting.key.split('.') as [string, string | undefined];
    if (second === undefined) options[first] = setting.toOption === undefined ? value : setting.toOption(value);
    else options[first] = { ...(options[first] as Record<string, unknown> | undefined), [second]: value };
  }
  return options as Partial<GatewayOptions>;
}

/**
 * What `serve` starts with, from the effective settings: host, port, database and logs for serve itself,
 * the drain time for `gateway.close`, every other setting as an option of `createGateway` (nested keys
 * as nested options: `rateLimit.burst` → `rateLimit: { burst }`).
 *
 * @example
 * ```ts
 * toServeOptions(await resolveServeSettings(inputs), options).gateway?.maxPayloadBytes; // 65536
 * ```
 */
export function toServeOptions(settings: ServeSettings, o: ServeCommandOptions): ServeOptions {
  const text = (key: string): string => String(settings.value(key));
  return {
    host: text('host'),
    port: text('port'),
    db: text('db'),
    logLevel: text('logLevel'),
    pretty: text('pretty'),
    drainMs: settings.value('drainMs') as number,
    ...(settings.value('rtcPorts') === undefined ? {} : { rtcPorts: text('rtcPorts') }),
    ...(settings.value('redis') === undefined ? {} : { redis: text('redis') }),
    ...(settings.value('nodeId') === undefined ? {} : { nodeId: text('nodeId') }),
    dev: o.dev,
    devAllowRemote: o.devAllowRemote,
    init: o.init,
    gateway: gatewayOptions(settings),
  };
}

async function runServe(o: ServeCommandOptions, io: CommandIo): Promise<ServeCommandResult> {
  const settings = await resolveServeSettings({
    flags: o.flags,
    env: io.env,
    configPath: o.config,
    readFile: (path) => io.readFile(path),
  });
  if (o.printConfig) return { kind: 'config', settings };
  return { kind: 'serving', result: await serve(toServeOptions(settings, o), io) };
}

function renderServeCommand(result: ServeCommandResult): CommandOutput {
  return result.kind === 'config' ? renderPrintConfig(result.settings) : renderServe(result.result);
}

/** `stagepass serve`: the gateway, until SIGINT/SIGTERM (the main job: `npm start`). */
export const serveCommand: Command = defineCommand({
  path: ['serve'],
  summary: 'Run the gateway (HTTP + WebSocket) until interrupted',
  usage: [
    'stagepass serve [--config FILE] [--SETTING VALUE …] [--dev [--dev-allow-remote]] [--init] [--json]',
    '       stagepass serve --print-config [--json] [--config FILE] [--SETTING VALUE …]',
  ],
  description: [
    'Admits clients by App ID + token on ws://HOST:PORT/v1/connect (docs/protocol.md), serves the REST API for',
    'app backends under /v1/apps/, and /healthz, /readyz, /metrics. Apps live in the SQLite file or the postgres:// database --db names;',
    `secrets are encrypted at rest when ${MASTER_KEY_ENV} is set. On a first start with no apps it creates a`,
    'development app and prints its App ID and secret once. SIGINT/SIGTERM: stop admitting, close clients (1012),',
    'exit within the drain time. --dev (what npm start runs) also serves the demo page at / and POST /dev/token,',
    'which mints tokens for the development app: loopback hosts only, unless --dev-allow-remote.',
    '--json: once it listens, one JSON line on stdout for tools: host, port, url (and devApp: appId, kid, secret',
    'on a first start); the log lines around it are JSON too and each has a "level". --print-config --json: the',
    'effective settings as one JSON object (docs/configuration.md).',
    '',
    'Every setting below is also a STAGEPASS_* variable and a key of the config file (YAML or JSON, e.g.',
    'maxPayloadBytes: 65536, rateLimit: { burst: 100 }). A flag wins over the variable, the variable over the',
    'file, the file over the default. An unknown STAGEPASS_* variable or config key is refused. Units are in',
    'every name or line: …-ms milliseconds, …-bytes bytes, --clock-tolerance seconds. See docs/configuration.md.',
  ],
  positionals: [],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      env: CONFIG_ENV,
      description: 'Read settings from this YAML (.yaml, .yml) or JSON (.json) file',
    },
    'print-config': {
      type: 'boolean',
      description: 'Print every effective setting and where it came from, then exit 0 (nothing is opened)',
    },
    ...SETTING_FLAGS,
    dev: { type: 'boolean', description: 'Serve the demo page at / and POST /dev/token (development only)' },
    'dev-allow-remote': {
      type: 'boolean',
      description: 'Let --dev listen on a non-loopback --host (anyone reaching it can mint tokens)',
    },
    init: {
      type: 'boolean',
      description: 'Take an existing empty (0-byte) --db file as a new registry (refused without it: a failed copy?)',
    },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
  environment: [MASTER_KEY_ENV, ...SERVE_SETTINGS.flatMap((s) => s.envNames)],
  refuseUnknownEnvironment: true,
  toOptions: (args) => ({
    flags: readFlags(args),
    config: args.string('config'),
    printConfig: args.flag('print-config'),
    dev: args.flag('dev'),
    devAllowRemote: args.flag('dev-allow-remote'),
    init: args.flag('init'),
  }),
  run: runServe,
  render: renderServeCommand,
});
