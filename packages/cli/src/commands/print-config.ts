/**
 * `stagepass serve --print-config`: the effective value of every setting and where it came from, then
 * exit 0 without opening the database or listening.
 */
import type { CommandOutput } from '../command-spec.js';
import type { ResolvedSetting, ServeSettings } from './resolve-serve-settings.js';

/** Where a value came from, in words: `flag --port`, `env STAGEPASS_PORT`, `file stagepass.yaml`, `default`. */
function sourceText({ setting, source, variable }: ResolvedSetting, file: string | undefined): string {
  if (source === 'flag') return `flag ${setting.flag}`;
  if (source === 'env') return `env ${variable ?? setting.env}`;
  if (source === 'file') return `file ${file ?? ''}`;
  return 'default';
}

/** A value as shown: a secret never, a `db` URL without its password. */
function shownValue({ setting, value }: ResolvedSetting): { readonly value: unknown; readonly exact: boolean } {
  if (typeof value !== 'string' || setting.display === undefined) return { value, exact: true };
  const { text, exact } = setting.display(value);
  return { value: text, exact };
}

function valueText(resolved: ResolvedSetting): string {
  const { setting } = resolved;
  const { value } = shownValue(resolved);
  if (value === undefined) return '(unset)';
  if (setting.secret === true) return '(set, not shown)';
  const unit = setting.unit === undefined ? '' : ` ${setting.unit}`;
  return `${String(value)}${unit}`;
}

/** The settings as a config file holds them (`rateLimit: { burst }`): `--print-config --json` gives one to save. */
function nested(settings: readonly ResolvedSetting[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const resolved of settings) {
    const { setting, value } = resolved;
    // A config file to save holds only what can be shown whole: no secret, no URL with a password.
    if (value === undefined || setting.secret === true || !shownValue(resolved).exact) continue;
    const [first, second] = setting.key.split('.') as [string, string | undefined];
    if (second === undefined) config[first] = value;
    else config[first] = { ...(config[first] as Record<string, unknown> | undefined), [second]: value };
  }
  return config;
}

/**
 * The output of `--print-config`: a table on stdout (key, value with its unit, source), or with `--json`
 * `{ file, config, settings: [{ key, value, unit, source, flag, env }] }`, where `config` is the effective
 * settings in the shape of a config file. Secret settings show only whether they are set.
 *
 * @example
 * ```ts
 * renderPrintConfig(await resolveServeSettings({ flags: {}, env: {}, configPath: undefined, readFile })).text;
 * // 'Settings of stagepass serve …\n  host  127.0.0.1  default\n …'
 * ```
 */
export function renderPrintConfig(resolved: ServeSettings): CommandOutput {
  const { settings, file } = resolved;
  const rows = settings.map((r) => [r.setting.key, valueText(r), sourceText(r, file)] as const);
  const keyWidth = Math.max(...rows.map(([key]) => key.length)) + 2;
  const valueWidth = Math.max(...rows.map(([, value]) => value.length)) + 2;
  const text = [
    'Settings of stagepass serve (flag, else STAGEPASS_* variable, else config file, else default):',
    ...rows.map(([key, value, source]) => `  ${key.padEnd(keyWidth)}${value.padEnd(valueWidth)}${source}`),
    '',
  ].join('\n');
  const json = {
    file: file ?? null,
    config: nested(settings),
    settings: settings.map((r) => ({
      key: r.setting.key,
      ...(r.setting.secret === true ? { set: r.value !== undefined } : { value: shownValue(r).value ?? null }),
      unit: r.setting.unit ?? null,
      source: r.source,
      ...(r.variable === undefined ? {} : { variable: r.variable }),
      flag: r.setting.flag,
      env: r.setting.envNames,
    })),
  };
  return { ok: true, json, text, warnings: [] };
}
