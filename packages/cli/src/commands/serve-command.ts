/**
 * The `stagepass serve` command: its flags and how they become the gateway's options.
 */
import { defineCommand, type Command } from '../command-spec.js';
import { DEFAULT_DB_PATH, MASTER_KEY_ENV } from './app-database.js';
import { DB_FLAG, HELP_FLAG, JSON_FLAG } from './common-flags.js';
import { REDIS_FLAG } from './serve-cluster.js';
import { DEFAULT_HOST, DEFAULT_PORT, HOST_ENV, LOG_LEVELS, PORT_ENV, renderServe, serve } from './serve.js';

/** `stagepass serve`: the gateway, until SIGINT/SIGTERM (the main job: `npm start`). */
export const serveCommand: Command = defineCommand({
  path: ['serve'],
  summary: 'Run the gateway (HTTP + WebSocket) until interrupted',
  usage: [
    'stagepass serve [--host HOST] [--port PORT] [--db PATH|URL] [--redis URL] [--log-level LEVEL] [--pretty auto|true|false] [--drain-ms MS] [--dev [--dev-allow-remote]] [--init] [--json]',
  ],
  description: [
    'Admits clients by App ID + token on ws://HOST:PORT/v1/connect (docs/protocol.md), serves the REST API for',
    'app backends under /v1/apps/, and /healthz, /readyz, /metrics. Apps live in the SQLite file or the postgres:// database --db names;',
    `secrets are encrypted at rest when ${MASTER_KEY_ENV} is set. On a first start with no apps it creates a`,
    'development app and prints its App ID and secret once. SIGINT/SIGTERM: stop admitting, close clients (1001),',
    'exit within the drain time. --dev (what npm start runs) also serves the demo page at / and POST /dev/token,',
    'which mints tokens for the development app: loopback hosts only, unless --dev-allow-remote.',
    '--json: once it listens, one JSON line on stdout for tools: host, port, url (and devApp: appId, kid, secret',
    'on a first start); the log lines around it are JSON too and each has a "level".',
  ],
  positionals: [],
  options: {
    host: {
      type: 'string',
      value: 'HOST',
      env: HOST_ENV,
      description: `Address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)`,
    },
    port: {
      type: 'string',
      value: 'PORT',
      env: PORT_ENV,
      description: `Port (default ${DEFAULT_PORT}; 0 picks a free one)`,
    },
    db: DB_FLAG,
    redis: REDIS_FLAG,
    'log-level': { type: 'string', value: 'LEVEL', choices: LOG_LEVELS, description: 'Log level (default info)' },
    pretty: {
      type: 'string',
      value: 'WHEN',
      choices: ['auto', 'true', 'false'],
      description: 'Readable log lines instead of JSON (default auto: on a terminal)',
    },
    'drain-ms': {
      type: 'string',
      value: 'MS',
      integer: true,
      description: 'Time clients get to close on shutdown, ms (default 5000)',
    },
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
  toOptions: (args) => ({
    host: args.string('host') ?? DEFAULT_HOST,
    port: args.string('port') ?? DEFAULT_PORT,
    db: args.string('db') ?? DEFAULT_DB_PATH,
    redis: args.string('redis'),
    logLevel: args.string('log-level') ?? 'info',
    pretty: args.string('pretty') ?? 'auto',
    drainMs: args.integer('drain-ms') ?? 5000,
    dev: args.flag('dev'),
    devAllowRemote: args.flag('dev-allow-remote'),
    init: args.flag('init'),
  }),
  run: serve,
  render: renderServe,
});
