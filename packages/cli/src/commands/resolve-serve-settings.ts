/**
 * The effective settings of `stagepass serve`: for each row of SERVE_SETTINGS, its flag, else its
 * `STAGEPASS_*` variable, else the config file, else its default — each checked by the row's rule, every
 * bad one reported (one message each, naming where it came from), then the rules between settings.
 */
import { checkIcePair, checkSettingPairs } from '@stagepass/gateway';
import { isStagepassError } from '@stagepass/protocol';
import { UsageError } from '../usage-error.js';
import { describeValue, readConfigFile, type ConfigFile, type SettingProblem } from './config-file.js';
import { SERVE_SETTINGS, type ServeSetting, type SettingValue } from './serve-settings.js';

/** Where an effective value came from, highest precedence first. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

/** One setting's effective value. */
export interface ResolvedSetting {
  readonly setting: ServeSetting;
  /** Undefined: a setting without default that nobody set. */
  readonly value: SettingValue | undefined;
  readonly source: SettingSource;
  /** With source `env`: the variable it came from (`STAGEPASS_DATABASE_URL` or `STAGEPASS_DB` for `db`). */
  readonly variable?: string;
}

/** Every setting's effective value, by key, in table order. */
export interface ServeSettings {
  readonly settings: readonly ResolvedSetting[];
  /** The config file read, if any. */
  readonly file: string | undefined;
  /** The value of a key (a bug in the caller if the key is not in the table). */
  value(key: string): SettingValue | undefined;
}

/** What `resolveServeSettings` reads. */
export interface SettingInputs {
  /** Flag values as typed, by setting key (`true` for a boolean flag given). */
  readonly flags: Readonly<Record<string, string | true>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--config` (or `$STAGEPASS_CONFIG`). */
  readonly configPath: string | undefined;
  readonly readFile: (path: string) => Promise<string>;
}

const INTEGER = /^[0-9]{1,15}$/;
const DECIMAL = /^[0-9]{1,15}(?:\.[0-9]{1,15})?$/;

/** A flag's or variable's text as the setting's type; what cannot be read is returned as is, for the rule to refuse. */
function fromText(setting: ServeSetting, text: string | true): unknown {
  if (text === true) return true;
  if (setting.type === 'integer' && INTEGER.test(text)) return Number(text);
  if (setting.type === 'number' && DECIMAL.test(text)) return Number(text);
  if (setting.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** The value checked by the row's rule, or a problem saying where it came from. */
function check(
  setting: ServeSetting,
  value: unknown,
  where: string,
  problems: SettingProblem[],
): SettingValue | undefined {
  try {
    return setting.check(value);
  } catch (err) {
    if (!isStagepassError(err) || err.code !== 'ERR_INVALID_OPTION') throw err;
    const rule = typeof err.rule === 'string' ? err.rule : setting.rule;
    const shown =
      typeof value === 'string' && setting.display !== undefined
        ? describeValue(setting.display(value).text)
        : describeValue(value, setting.secret === true);
    problems.push({ option: where, message: `${rule} (got ${shown})` });
    return undefined;
  }
}

function resolveOne(
  setting: ServeSetting,
  inputs: SettingInputs,
  file: ConfigFile | undefined,
  problems: SettingProblem[],
): ResolvedSetting {
  const flag = inputs.flags[setting.key];
  if (flag !== undefined) {
    return { setting, source: 'flag', value: check(setting, fromText(setting, flag), setting.flag, problems) };
  }
  // An empty variable is unset (as `VAR= stagepass serve` and compose files write it).
  const variable = setting.envNames.find((name) => inputs.env[name] !== undefined && inputs.env[name] !== '');
  if (variable !== undefined) {
    const value = check(setting, fromText(setting, inputs.env[variable]!), variable, problems);
    return { setting, source: 'env', variable, value };
  }
  const entry = file?.entries.get(setting.key);
  if (entry !== undefined)
    return { setting, source: 'file', value: check(setting, entry.value, entry.where, problems) };
  return { setting, source: 'default', value: setting.default };
}

/** Where a resolved setting came from, as messages name it. */
function origin(resolved: ResolvedSetting, file: ConfigFile | undefined): string {
  const { setting, source } = resolved;
  if (source === 'flag') return setting.flag;
  if (source === 'env') return resolved.variable ?? setting.env;
  if (source === 'file') return file?.entries.get(setting.key)?.where ?? setting.key;
  return setting.default === undefined ? setting.key : `${setting.key} (default ${String(setting.default)})`;
}

/** A rule between settings, naming where the other value came from: `… pingIntervalMs (40000, from --ping-interval-ms)`. */
function pairMessage(rule: string, byKey: ReadonlyMap<string, ResolvedSetting>, file: ConfigFile | undefined): string {
  return rule.replace(/\b(\w+) \((\d+)\)/, (whole, key: string, value: string) => {
    const other = byKey.get(key);
    return other === undefined ? whole : `${key} (${value}, from ${origin(other, file)})`;
  });
}

function fail(problems: readonly SettingProblem[]): never {
  const [first] = problems;
  const lines = problems.map((p) => `${p.option}: ${p.message}`);
  const message = problems.length === 1 ? lines[0]! : `${problems.length} bad settings:\n  ${lines.join('\n  ')}`;
  throw new UsageError(message, first?.option, undefined, problems);
}

/**
 * Resolves every setting: flag > `STAGEPASS_*` variable > config file > default. Every bad value or key
 * is one line of the thrown {@link UsageError} (exit 2), e.g.
 * `STAGEPASS_RATE_LIMIT_BURST: must be a whole number of messages from 1 to 1000000 (got 0)`.
 *
 * @example
 * ```ts
 * const settings = await resolveServeSettings({ flags: { port: '0' }, env: process.env, configPath: undefined, readFile });
 * settings.value('port'); // 0
 * ```
 */
export async function resolveServeSettings(inputs: SettingInputs): Promise<ServeSettings> {
  const keys = SERVE_SETTINGS.map((s) => s.key);
  const file =
    inputs.configPath === undefined ? undefined : await readConfigFile(inputs.configPath, inputs.readFile, keys);
  const problems: SettingProblem[] = [...(file?.problems ?? [])];
  const settings = SERVE_SETTINGS.map((setting) => resolveOne(setting, inputs, file, problems));
  if (problems.length > 0) fail(problems);
  const byKey = new Map(settings.map((r) => [r.setting.key, r]));
  try {
    checkSettingPairs((key) => byKey.get(key)!.value as number);
    const iceServers = byKey.get('iceServers')?.value;
    const turnSecret = byKey.get('turnSecret')?.value;
    checkIcePair(
      typeof iceServers === 'string' ? iceServers.split(',') : [],
      typeof turnSecret === 'string' ? turnSecret : undefined,
    );
  } catch (err) {
    if (!isStagepassError(err) || typeof err.option !== 'string') throw err;
    fail([{ option: origin(byKey.get(err.option)!, file), message: pairMessage(String(err.rule), byKey, file) }]);
  }
  return { settings, file: inputs.configPath, value: (key) => byKey.get(key)?.value };
}
