import { invalidOption } from './stagepass-error.js';

/**
 * Option validation shared by every package: defaults, then the caller's values, then one precise
 * ERR_INVALID_OPTION (naming the option, see {@link invalidOption}) for the first bad field.
 * `scope` names the function whose options these are (`createGateway`); without it messages read
 * `option: rule`. `{ scope: 'createGateway' }`
 */
export interface OptionScope {
  readonly scope?: string;
}

/**
 * Refuses an options value that is not an object, and any member not in `names`.
 *
 * @example
 * ```ts
 * checkOptionNames(options, new Set(['port', 'host']), { scope: 'createGateway' });
 * ```
 */
export function checkOptionNames(
  options: unknown,
  names: ReadonlySet<string>,
  context: OptionScope & { what?: string } = {},
): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(
      'options',
      `must be an object${context.what === undefined ? '' : ` with ${context.what}`}`,
      context.scope,
    );
  }
  for (const key of Object.keys(options)) {
    if (!names.has(key)) throw invalidOption(key.slice(0, 64), 'is not an option', context.scope);
  }
}

/**
 * A whole number from `min` to `max`, or `fallback` when undefined. With `unit` (`seconds`) the
 * rule reads `must be a whole number of seconds from 0 to 300`.
 *
 * @example
 * ```ts
 * const port = wholeNumberOption(options.port, 'port', 4280, 0, 65535, { scope: 'createGateway' });
 * ```
 */
export function wholeNumberOption(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
  context: OptionScope & { readonly unit?: string } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const unit = context.unit === undefined ? '' : ` of ${context.unit}`;
    throw invalidOption(option, `must be a whole number${unit} from ${min} to ${max}`, context.scope);
  }
  return value;
}

/**
 * A function (a clock, a factory), or `fallback` when undefined.
 *
 * @example
 * ```ts
 * const now = functionOption<Clock>(options.now, 'now', Date.now, 'must be a function returning milliseconds');
 * ```
 */
export function functionOption<T extends (...args: never[]) => unknown>(
  value: unknown,
  option: string,
  fallback: T,
  rule: string,
  context: OptionScope = {},
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw invalidOption(option, rule, context.scope);
  return value as T;
}

/**
 * A boolean, or `fallback` when undefined.
 *
 * @example
 * ```ts
 * const metrics = booleanOption(options.processMetrics, 'processMetrics', false);
 * ```
 */
export function booleanOption(value: unknown, option: string, fallback: boolean, context: OptionScope = {}): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(option, 'must be true or false', context.scope);
  return value;
}
