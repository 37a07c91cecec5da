/**
 * The one table of `stagepass serve` settings. Each row is given once, by its config-file key; its
 * `--flag`, its `STAGEPASS_*` variable, its help line and its row in docs/configuration.md are derived
 * from it (serve-settings.test.ts holds the docs equal to it). The gateway's rows come from
 * `GATEWAY_SETTINGS` of @stagepass/gateway; the CLI's own rows (the database, the logs) are below.
 *
 * To add a setting (e.g. `redis`): one entry in CLI_SETTINGS, its row in docs/configuration.md, and its
 * use in serve.ts; flag, variable, config key, help, `--print-config` and validation follow. The variable is
 * derived from the key (`redis` → `STAGEPASS_REDIS`); `envFirst` adds another name read before it
 * (`STAGEPASS_REDIS_URL`), and `display: displayUrl` keeps a URL's password out of every output.
 */
import {
  ANNOUNCED_IP_RULE,
  checkAnnouncedIp,
  GATEWAY_SETTINGS,
  ICE_SERVERS_RULE,
  checkGatewaySetting,
  checkIceServerUrls,
  checkTurnSecret,
  settingRule,
  TURN_SECRET_RULE,
  type SettingUnit,
} from '@stagepass/gateway';
import { invalidOption } from '@stagepass/protocol';
import { DATABASE_URL_ENV, DEFAULT_DB_PATH, registryTarget } from './app-database.js';
import { NODE_ID_RULE, REDIS_URL_ENV, isNodeId } from './serve-cluster.js';

/** The kinds of value a setting takes. */
export type SettingType = 'integer' | 'number' | 'boolean' | 'string';
/** A setting's value once parsed and checked. */
export type SettingValue = number | boolean | string;

/** A row of the table as it is declared. */
export interface SettingDeclaration {
  /** The config-file key; a `.` nests it (`rateLimit.burst` is `rateLimit: { burst: … }`). camelCase. */
  readonly key: string;
  readonly type: SettingType;
  /** Undefined: unset unless given (e.g. an optional URL). */
  readonly default: SettingValue | undefined;
  readonly unit?: SettingUnit | undefined;
  /** For a number: the smallest value (a `number` must be above it) and the largest. */
  readonly min?: number;
  readonly max?: number;
  /** For a string: the values allowed. */
  readonly choices?: readonly string[];
  /** What it does, one line (no final period). */
  readonly summary: string;
  /** Placeholder in help (`MS`, `PATH`); derived from the unit or the key when absent. */
  readonly placeholder?: string;
  /** Never printed (`--print-config` says whether it is set). */
  readonly secret?: boolean;
  /**
   * How a value is shown in `--print-config` and in "(got …)": for `db`, a URL without its
   * password. Absent: as is. Returns undefined when what it shows is not the value itself (then a config
   * file made by `--print-config --json` leaves it out).
   */
  readonly display?: (value: string) => { readonly text: string; readonly exact: boolean };
  /** Variables read before the setting's own (`STAGEPASS_DATABASE_URL` before `STAGEPASS_DB`), first set wins. */
  readonly envFirst?: readonly string[];
  /** Where the value goes: an option of `createGateway` (`gateway`), of `gateway.close` (`close`), or of serve itself. */
  readonly target: 'gateway' | 'close' | 'serve';
  /** The checked value as the option takes it, when not as is (`iceServers`: the text's list of URLs). */
  readonly toOption?: (value: SettingValue) => unknown;
  /** What a good value is, as an `ERR_INVALID_OPTION` rule. */
  readonly rule: string;
  /** The value checked; throws StagepassError `ERR_INVALID_OPTION` with `option` and `rule` for a bad one. */
  readonly check: (value: unknown) => SettingValue;
}

/** A row with its derived names. */
export interface ServeSetting extends SettingDeclaration {
  /** `--max-payload-bytes`: the key in kebab case, `.` as `-`. */
  readonly flag: string;
  /** `STAGEPASS_MAX_PAYLOAD_BYTES`: the setting's own variable. */
  readonly env: string;
  /** Every variable of the setting, first set wins: `envFirst`, then `env`. */
  readonly envNames: readonly string[];
  readonly placeholder: string;
}

/** The log levels of pino, for `logLevel`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function stringSetting(
  key: string,
  summary: string,
  more: Partial<SettingDeclaration> & { readonly default: string | undefined },
): SettingDeclaration {
  const choices = more.choices;
  const rule = choices === undefined ? 'must be a non-empty string' : `must be one of ${choices.join(', ')}`;
  return {
    key,
    type: 'string',
    summary,
    target: 'serve',
    rule,
    check: (value) => {
      const ok = typeof value === 'string' && value !== '' && (choices === undefined || choices.includes(value));
      if (!ok) throw invalidOption(key, rule);
      return value;
    },
    ...more,
  };
}

/** `scheme://`: `db` is a URL, not a file path. */
const URL_SHAPED = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * A setting that may hold a URL with a password (`db`; a Redis URL too), as shown: the URL without its
 * password (`postgres://app@db:5432/stagepass (password not shown)`), anything else as is.
 */
function displayUrl(value: string): { readonly text: string; readonly exact: boolean } {
  if (!URL_SHAPED.test(value)) return { text: value, exact: true };
  try {
    const url = new URL(value);
    if (url.password === '') return { text: value, exact: true };
    url.password = '';
    return { text: `${url.href} (password not shown)`, exact: false };
  } catch {
    return { text: 'a URL that cannot be read', exact: false };
  }
}

const DB_RULE = 'must be a SQLite file path or a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)';

/** The registry: a SQLite file, or a PostgreSQL URL (app-database.ts reads it); another URL is refused. */
const DB_SETTING: SettingDeclaration = {
  ...stringSetting('db', 'The app registry: a SQLite file, or a postgres:// URL', {
    default: DEFAULT_DB_PATH,
    placeholder: 'PATH|URL',
  }),
  rule: DB_RULE,
  display: displayUrl,
  envFirst: [DATABASE_URL_ENV],
  check: (value) => {
    if (typeof value !== 'string' || value === '') throw invalidOption('db', DB_RULE);
    try {
      registryTarget(value);
    } catch {
      const scheme = /^[^:]*/.exec(value)![0].toLowerCase();
      const why = ['postgres', 'postgresql'].includes(scheme)
        ? 'this URL cannot be read'
        : `this build cannot serve a ${scheme}:// URL`;
      throw invalidOption('db', `${DB_RULE}; ${why}`);
    }
    return value;
  },
};

const RTC_PORTS_RULE = 'must be FIRST-LAST, two ports from 1024 to 65535, the first below the last (e.g. 40000-40999)';

/** The UDP ports of routed media, `FIRST-LAST` (the gateway's `rtcPorts`); unset: any port the system gives. */
const RTC_PORTS_SETTING: SettingDeclaration = {
  ...stringSetting('rtcPorts', 'UDP ports of routed media, FIRST-LAST (the range to open; unset: any)', {
    default: undefined,
    placeholder: 'FIRST-LAST',
  }),
  rule: RTC_PORTS_RULE,
  check: (value) => {
    if (typeof value !== 'string' || readRtcPorts(value) === undefined) throw invalidOption('rtcPorts', RTC_PORTS_RULE);
    return value;
  },
};

/** `40000-40999` → `[40000, 40999]`; undefined when it is not two ports from 1024 to 65535, the first below the last. */
export function readRtcPorts(text: string): readonly [number, number] | undefined {
  const m = /^(\d{4,5})-(\d{4,5})$/.exec(text);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return first >= 1024 && last <= 65535 && first < last ? [first, last] : undefined;
}

/** Routed media behind 1:1 NAT: the public address in the gateway's ICE candidates (the gateway's `announcedIp`). */
const ANNOUNCED_IP_SETTING: SettingDeclaration = {
  ...stringSetting(
    'announcedIp',
    "Routed media behind NAT: the public IP in the gateway's ICE candidates (unset: its own)",
    {
      default: undefined,
      placeholder: 'IP',
    },
  ),
  target: 'gateway',
  rule: ANNOUNCED_IP_RULE,
  check: (value) => checkAnnouncedIp(value === undefined ? '' : value)!,
};

const REDIS_RULE = 'must be a redis:// or rediss:// URL naming a host (redis://HOST:6379)';

/** Cluster mode: the Redis the nodes share (docs/cluster.md); unset: one node, sessions in memory. */
const REDIS_SETTING: SettingDeclaration = {
  ...stringSetting('redis', 'Cluster mode: share live sessions with the nodes on this redis:// or rediss:// URL', {
    default: undefined,
    placeholder: 'URL',
  }),
  rule: REDIS_RULE,
  display: displayUrl,
  envFirst: [REDIS_URL_ENV],
  check: (value) => {
    let url: URL | undefined;
    try {
      url = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || !['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '')
      throw invalidOption('redis', REDIS_RULE);
    return value as string;
  },
};

/** This node's name in the cluster (part of its Redis channel names); unset: a random one at each start. */
const NODE_ID_SETTING: SettingDeclaration = {
  ...stringSetting('nodeId', "Cluster mode: this node's ID (unset: a random one at each start)", {
    default: undefined,
    placeholder: 'ID',
  }),
  rule: NODE_ID_RULE,
  check: (value) => {
    if (typeof value !== 'string' || !isNodeId(value)) throw invalidOption('nodeId', NODE_ID_RULE);
    return value;
  },
};

/** `stun:a, turn:b` as its URLs. */
function urlList(text: string): string[] {
  return text.split(',').map((url) => url.trim());
}

/**
 * `iceServers`: comma-separated URLs on the command line and in a variable, a list or that text in a file;
 * checked by the gateway's own rule, kept as the comma-separated text (`--print-config` shows it).
 */
const ICE_SERVERS_SETTING: SettingDeclaration = {
  key: 'iceServers',
  type: 'string',
  default: undefined,
  summary: 'STUN/TURN URLs handed to clients, comma-separated (turn: URLs need turnSecret)',
  placeholder: 'URLS',
  target: 'gateway',
  rule: ICE_SERVERS_RULE,
  check: (value) => {
    const urls = typeof value === 'string' && value !== '' ? urlList(value) : value;
    return checkIceServerUrls(urls).join(',');
  },
  toOption: (value) => urlList(String(value)),
};

/** `turnSecret`: never printed; checked by the gateway's rule. */
const TURN_SECRET_SETTING: SettingDeclaration = {
  key: 'turnSecret',
  type: 'string',
  default: undefined,
  summary: "The TURN server's static-auth-secret; each client gets its own time-limited credential from it",
  placeholder: 'SECRET',
  secret: true,
  target: 'gateway',
  rule: TURN_SECRET_RULE,
  check: (value) => checkTurnSecret(value ?? '')!,
};

/** Settings of `serve` itself, not of the gateway. */
const CLI_SETTINGS: readonly SettingDeclaration[] = [
  DB_SETTING,
  stringSetting('logLevel', 'Log level', { default: 'info', choices: LOG_LEVELS, placeholder: 'LEVEL' }),
  stringSetting('pretty', 'Readable log lines instead of JSON (auto: on a terminal)', {
    default: 'auto',
    choices: ['auto', 'true', 'false'],
    placeholder: 'WHEN',
  }),
  RTC_PORTS_SETTING,
  ANNOUNCED_IP_SETTING,
  REDIS_SETTING,
  NODE_ID_SETTING,
  ICE_SERVERS_SETTING,
  TURN_SECRET_SETTING,
];

function gatewayDeclarations(): SettingDeclaration[] {
  return GATEWAY_SETTINGS.map((s) => ({
    key: s.key,
    type: s.type,
    default: s.default,
    ...('unit' in s ? { unit: s.unit, min: s.min, max: s.max } : {}),
    summary: s.summary,
    target: s.key === 'drainMs' ? 'close' : 'gateway',
    rule: settingRule(s),
    check: (value: unknown) => checkGatewaySetting(s.key, value),
  }));
}

const PLACEHOLDER: Partial<Record<SettingUnit, string>> = { milliseconds: 'MS', seconds: 'SECONDS', bytes: 'BYTES' };

function derive(d: SettingDeclaration): ServeSetting {
  const words = d.key
    .replace(/\./g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  const placeholder =
    d.placeholder ??
    (d.unit !== undefined ? (PLACEHOLDER[d.unit] ?? (d.type === 'number' ? 'RATE' : 'N')) : words.toUpperCase());
  const env = `STAGEPASS_${words.replace(/-/g, '_').toUpperCase()}`;
  return { ...d, flag: `--${words}`, env, envNames: [...(d.envFirst ?? []), env], placeholder };
}

/**
 * Every setting of `stagepass serve`, in help order: where it listens, the database and logs, then the
 * gateway's limits in the order of docs/protocol.md's "Limits", then the drain time.
 *
 * @example
 * ```ts
 * SERVE_SETTINGS.find((s) => s.key === 'rateLimit.burst')?.env; // 'STAGEPASS_RATE_LIMIT_BURST'
 * ```
 */
export const SERVE_SETTINGS: readonly ServeSetting[] = (() => {
  const gateway = gatewayDeclarations();
  const [host, port, ...limits] = gateway;
  return [host!, port!, ...CLI_SETTINGS, ...limits].map(derive);
})();

/** The unit and range of a setting, for help and docs: `bytes, 16384–16777216`, `one of auto, true, false`. */
export function settingRange(setting: SettingDeclaration): string {
  if (setting.choices !== undefined) return `one of ${setting.choices.join(', ')}`;
  if (setting.type === 'boolean') return 'true or false';
  if (setting.type === 'string') return '';
  const { min, max } = setting;
  const unit = setting.unit === undefined ? '' : `${setting.unit}, `;
  return setting.type === 'number' ? `${unit}above ${min} up to ${max}` : `${unit}${min}–${max}`;
}

/** A setting's default as help and docs say it: `65536`, `false`, `(unset)`. */
export function settingDefault(setting: SettingDeclaration): string {
  return setting.default === undefined ? '(unset)' : String(setting.default);
}

/** The help line of a setting: summary, unit and range, default and variable. */
export function settingHelp(setting: ServeSetting): string {
  const range = settingRange(setting);
  const variables = setting.envNames.map((name) => `$${name}`).join(' or ');
  return `${setting.summary}${range === '' ? '' : `; ${range}`} (default ${settingDefault(setting)}; ${variables})`;
}
