/**
 * The gateway's tunable values as one table: every scalar option of `createGateway` (and the drain time of
 * `gateway.close`), with its default, its range, its unit and one line saying what it limits. `resolveOptions`
 * checks each value against its row; `stagepass serve` derives its flags, `STAGEPASS_*` variables, config-file
 * keys, help and docs/configuration.md from the same rows, so none of them can drift from the code.
 */
import { invalidOption } from '@stagepass/protocol';
import { DEFAULT_STALL_AFTER_MS } from './media/stall-guard.js';
import { DEFAULT_MAX_STREAMS_PER_CONNECTION, DEFAULT_MAX_STREAMS_PER_SESSION } from './session/session-state.js';

/** The longest delay Node's timers take, ms (2^31 - 1). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The unit of a setting's value: said in every rule, help line and docs row. Durations are `milliseconds`
 * (options named `…Ms`) or `seconds` (`clockTolerance`), sizes `bytes`.
 */
export type SettingUnit =
  | 'bytes'
  | 'milliseconds'
  | 'seconds'
  | 'messages per second'
  | 'messages'
  | 'requests per second'
  | 'requests'
  | 'connections'
  | 'streams'
  | 'sockets';

/** One row of {@link GATEWAY_SETTINGS}. */
export type GatewaySetting =
  | {
      /** The option path: `maxPayloadBytes`, `rateLimit.burst` (a member of `rateLimit`), `drainMs` (of `close`). */
      readonly key: string;
      /** `integer`: a whole number; `number`: any finite number above `min` (a rate). */
      readonly type: 'integer' | 'number';
      readonly default: number;
      readonly min: number;
      readonly max: number;
      /** Undefined for a plain number (a port). */
      readonly unit: SettingUnit | undefined;
      /** What a value is called in its rule when not "a whole number" (`a port number`). */
      readonly noun?: string;
      /** What it limits, one line: help and docs show it. */
      readonly summary: string;
    }
  | {
      readonly key: string;
      readonly type: 'boolean';
      readonly default: boolean;
      readonly summary: string;
    }
  | {
      readonly key: string;
      readonly type: 'string';
      readonly default: string;
      readonly summary: string;
    };

/**
 * Every scalar option of the gateway, in the order of docs/protocol.md's "Limits". Cross-field rules
 * (`idleTimeoutMs` > `pingIntervalMs`, `headersTimeoutMs` ≤ `requestTimeoutMs`) are in {@link checkSettingPairs}.
 *
 * @example
 * ```ts
 * GATEWAY_SETTINGS.find((s) => s.key === 'maxPayloadBytes')?.default; // 65536
 * ```
 */
export const GATEWAY_SETTINGS: readonly GatewaySetting[] = Object.freeze([
  {
    key: 'host',
    type: 'string',
    default: '127.0.0.1',
    summary: 'Address to listen on (0.0.0.0 or :: for every interface)',
  },
  {
    key: 'port',
    type: 'integer',
    default: 4280,
    min: 0,
    max: 65535,
    unit: undefined,
    noun: 'a port number',
    summary: 'Port (0 picks a free one)',
  },
  {
    key: 'maxPayloadBytes',
    type: 'integer',
    default: 64 * 1024,
    min: 16 * 1024, // a `connect` with a maximal token (8 KiB) must fit in one message
    max: 16 * 1024 * 1024,
    unit: 'bytes',
    summary: 'Largest WebSocket message; larger closes 1009 ERR_MESSAGE_TOO_LARGE',
  },
  {
    key: 'rateLimit.perSecond',
    type: 'number',
    default: 50,
    min: 0,
    max: 1e6,
    unit: 'messages per second',
    summary: 'Frames per connection, refill rate of its token bucket',
  },
  {
    key: 'rateLimit.burst',
    type: 'integer',
    default: 100,
    min: 1,
    max: 1e6,
    unit: 'messages',
    summary: 'Frames per connection, size of its token bucket',
  },
  {
    key: 'admissionTimeoutMs',
    type: 'integer',
    default: 10_000,
    min: 1,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'Time from the upgrade to `connect`; past it, close 4017 ERR_ADMISSION_TIMEOUT',
  },
  {
    key: 'resumeWindowMs',
    type: 'integer',
    default: 30_000,
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'How long a dropped connection waits to be resumed (0: resume off)',
  },
  {
    key: 'pingIntervalMs',
    type: 'integer',
    default: 15_000,
    min: 10,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'Ping every socket this often',
  },
  {
    key: 'idleTimeoutMs',
    type: 'integer',
    default: 30_000,
    min: 10,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'Terminate a socket silent this long (must be longer than pingIntervalMs)',
  },
  {
    key: 'maxBufferedBytes',
    type: 'integer',
    default: 1024 * 1024,
    min: 1024,
    max: 2 ** 30,
    unit: 'bytes',
    summary: 'Unsent bytes per connection; past it, close 4022 ERR_SLOW_CONSUMER',
  },
  {
    key: 'maxConnectionsPerSession',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 1e6,
    unit: 'connections',
    summary: 'Connections per session, unless the app sets its own; past it, close 4015 ERR_SESSION_FULL',
  },
  {
    key: 'maxStreamsPerConnection',
    type: 'integer',
    default: DEFAULT_MAX_STREAMS_PER_CONNECTION,
    min: 1,
    max: 1e6,
    unit: 'streams',
    summary: 'Streams one connection may publish at once; more: ERR_TOO_MANY_STREAMS',
  },
  {
    key: 'maxStreamsPerSession',
    type: 'integer',
    default: DEFAULT_MAX_STREAMS_PER_SESSION,
    min: 1,
    max: 1e6,
    unit: 'streams',
    summary: 'Streams one session may have at once; more: ERR_TOO_MANY_STREAMS',
  },
  {
    key: 'mediaStallMs',
    type: 'integer',
    default: DEFAULT_STALL_AFTER_MS,
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'Routed media: stop sending to a subscriber that sent no RTCP this long, until it does (0: never)',
  },
  {
    key: 'maxSocketsPerIp',
    type: 'integer',
    default: 200,
    min: 1,
    max: 1e7,
    unit: 'sockets',
    summary: 'Open TCP connections per IP address; one more gets 429 ERR_TOO_MANY_CONNECTIONS',
  },
  {
    key: 'maxRequestsInFlight',
    type: 'integer',
    default: 8,
    min: 1,
    max: 1e6,
    unit: 'requests',
    summary: 'HTTP requests pipelined on one connection awaiting their answer; one more destroys it',
  },
  {
    key: 'httpRateLimit.perSecond',
    type: 'number',
    default: 100,
    min: 0,
    max: 1e6,
    unit: 'requests per second',
    summary: 'Plain HTTP requests per IP address, refill rate of its token bucket',
  },
  {
    key: 'httpRateLimit.burst',
    type: 'integer',
    default: 200,
    min: 1,
    max: 1e6,
    unit: 'requests',
    summary: 'Plain HTTP requests per IP address, size of its token bucket',
  },
  {
    key: 'headersTimeoutMs',
    type: 'integer',
    default: 10_000,
    min: 10,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: "Time for a request's headers; past it, 408 (at most requestTimeoutMs)",
  },
  {
    key: 'requestTimeoutMs',
    type: 'integer',
    default: 30_000,
    min: 10,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'Time for a whole HTTP request; past it, 408',
  },
  {
    key: 'metricsCacheMs',
    type: 'integer',
    default: 1000,
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: '/metrics collects at most once per this time (0: every scrape)',
  },
  {
    key: 'maxStreamMetrics',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 1e6,
    unit: 'streams',
    summary: 'Routed streams with their own /metrics series (6 each) at once; more: only in the totals (0: none)',
  },
  {
    key: 'clockTolerance',
    type: 'integer',
    default: 30,
    min: 0,
    max: 300,
    unit: 'seconds',
    summary: 'Clock skew forgiven on token times',
  },
  {
    key: 'turnCredentialTtl',
    type: 'integer',
    default: 86_400,
    min: 60,
    max: 30 * 86_400,
    unit: 'seconds',
    summary: "Longest life of a connection's TURN credential (never past its token's exp)",
  },
  { key: 'processMetrics', type: 'boolean', default: false, summary: "Also export Node's process metrics on /metrics" },
  {
    key: 'drainMs',
    type: 'integer',
    default: 5000,
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
    summary: 'On shutdown, time clients get to close after the 1012',
  },
] satisfies GatewaySetting[]);

const BY_KEY: ReadonlyMap<string, GatewaySetting> = new Map(GATEWAY_SETTINGS.map((s) => [s.key, s]));

/**
 * The row of `key`; throws for a key the table lacks (a bug, not a caller's mistake).
 *
 * @example
 * ```ts
 * gatewaySetting('drainMs').default; // 5000
 * ```
 */
export function gatewaySetting(key: string): GatewaySetting {
  const setting = BY_KEY.get(key);
  if (setting === undefined) throw new Error(`gateway-settings.ts has no setting ${key}`);
  return setting;
}

/** The default of a numeric row. */
export function numberDefault(key: string): number {
  const setting = gatewaySetting(key);
  if (typeof setting.default !== 'number') throw new Error(`gateway-settings.ts: ${key} is not a number`);
  return setting.default;
}

/**
 * What a value of this setting must be, as an `ERR_INVALID_OPTION` rule: `must be a whole number of
 * milliseconds from 0 to 2147483647`.
 */
export function settingRule(setting: GatewaySetting): string {
  switch (setting.type) {
    case 'boolean':
      return 'must be true or false';
    case 'string':
      return 'must be a non-empty string';
    case 'number':
      return `must be a number of ${setting.unit ?? 'units'} above ${setting.min} (at most ${setting.max})`;
    case 'integer': {
      const unit = setting.unit === undefined ? '' : ` of ${setting.unit}`;
      return `must be ${setting.noun ?? 'a whole number'}${unit} from ${setting.min} to ${setting.max}`;
    }
  }
}

function isValid(setting: GatewaySetting, value: unknown): boolean {
  switch (setting.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > setting.min && value <= setting.max;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= setting.min && value <= setting.max;
  }
}

/**
 * `value` checked against the row of `key`, or the row's default when undefined. A bad value throws
 * StagepassError `ERR_INVALID_OPTION` with `option` = `key` and `rule` = {@link settingRule}.
 *
 * @example
 * ```ts
 * checkGatewaySetting('maxPayloadBytes', 1000, 'createGateway');
 * // throws "createGateway: maxPayloadBytes must be a whole number of bytes from 16384 to 16777216."
 * ```
 */
export function checkGatewaySetting(key: string, value: unknown, scope?: string): number | boolean | string {
  const setting = gatewaySetting(key);
  if (value === undefined) return setting.default;
  if (!isValid(setting, value)) throw invalidOption(key, settingRule(setting), scope);
  return value as number | boolean | string;
}

/**
 * The rules between two settings, given their effective values: the first broken one throws
 * `ERR_INVALID_OPTION` naming the setting to change (`idleTimeoutMs`, `headersTimeoutMs`).
 *
 * @example
 * ```ts
 * checkSettingPairs((key) => values[key]); // throws when idleTimeoutMs <= pingIntervalMs
 * ```
 */
export function checkSettingPairs(valueOf: (key: string) => number, scope?: string): void {
  const ping = valueOf('pingIntervalMs');
  // Sockets are checked once per ping interval: the idle time must leave room for at least one ping.
  if (valueOf('idleTimeoutMs') <= ping)
    throw invalidOption('idleTimeoutMs', `must be longer than pingIntervalMs (${ping})`, scope);
  const request = valueOf('requestTimeoutMs');
  // Node refuses a headers time longer than the whole request's.
  if (valueOf('headersTimeoutMs') > request)
    throw invalidOption('headersTimeoutMs', `must be at most requestTimeoutMs (${request})`, scope);
}
