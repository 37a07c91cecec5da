import type { StagepassError } from '@stagepass/protocol';

/**
 * The library names options in camelCase (`expireTime`, `apps[0].keys[0].publicKey`); the CLI's
 * users typed flags (`--expire-time`, `--public-key`). This maps one to the other.
 */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  appId: '--app-id',
  sessionId: '--session',
  secret: '--secret',
  privateKey: '--private-key',
  publicKey: '--public-key',
  alg: '--alg',
  kid: '--kid',
  format: '--format',
  role: '--role',
  ttl: '--ttl',
  expireTime: '--expire-time',
  notBefore: '--not-before',
  now: '--now',
  data: '--data',
  initialLayoutClassList: '--layout',
  clockTolerance: '--clock-tolerance',
  legacyT1: '--legacy-t1',
};

/** Flags that carry a key, in the order a key-level error is blamed on them. */
const KEY_FLAGS = ['--secret', '--private-key', '--public-key'] as const;

/**
 * The CLI flag for a library option path, or undefined when the CLI has none. A fault of a whole
 * key (`apps[0].keys[0]`, e.g. an unsupported key type) is blamed on whichever key flag was given.
 *
 * @example
 * ```ts
 * flagForOption('apps[0].keys[0].publicKey', new Set()); // '--public-key'
 * flagForOption('apps[0].keys[0]', new Set(['--public-key'])); // '--public-key'
 * ```
 */
export function flagForOption(option: string, givenFlags: ReadonlySet<string>): string | undefined {
  const last =
    option
      .split('.')
      .at(-1)
      ?.replace(/\[\d+\]$/, '') ?? '';
  const flag = FLAG_OF_OPTION[last];
  if (flag !== undefined) return flag;
  if (last === 'keys' || last === 'key') return KEY_FLAGS.find((candidate) => givenFlags.has(candidate));
  return undefined;
}

const CAMEL_CASE_OPTION = new RegExp(
  `\\b(?:${Object.keys(FLAG_OF_OPTION)
    .filter((name) => /[A-Z]/.test(name))
    .join('|')})\\b`,
  'g',
);

/**
 * Until every library error carries its `rule`: rewrites a library `ERR_INVALID_OPTION` message (`"expireTime: must be in the future"`) for the
 * command line (`"--expire-time: must be in the future"`), also renaming camelCase option names
 * it mentions. Library messages never hold a value, so nothing secret can leak through here.
 *
 * @example
 * ```ts
 * optionMessage('ttl: give expireTime or ttl, not both', 'ttl', '--ttl'); // '--ttl: give --expire-time or ttl, not both'
 * ```
 */
export function optionMessage(message: string, option: string, flag: string | undefined): string {
  const prefix = `${option}: `;
  const body = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  const renamed = body.replace(CAMEL_CASE_OPTION, (name) => FLAG_OF_OPTION[name] ?? name);
  return flag === undefined ? (body === message ? renamed : `${option}: ${renamed}`) : `${flag}: ${renamed}`;
}

/** A library option error as the command line says it: the message, and the flag at fault. */
export interface OptionUsage {
  readonly message: string;
  readonly flag: string | undefined;
}

/**
 * A library `ERR_INVALID_OPTION` in the CLI's words. When the error carries its `rule` and the CLI
 * has a flag for its option, the message is the flag and the rule (`--expire-time: must be in the
 * future`); without a flag it is the library's own message, unchanged. An error without a rule (a
 * library not yet setting it) falls back to {@link optionMessage}.
 *
 * @example
 * ```ts
 * optionUsage(invalidOption('expireTime', 'must be in the future'), new Set());
 * // { message: '--expire-time: must be in the future', flag: '--expire-time' }
 * ```
 */
export function optionUsage(err: StagepassError, givenFlags: ReadonlySet<string>): OptionUsage {
  const option = err.option ?? (typeof err.details.option === 'string' ? err.details.option : undefined);
  if (option === undefined) return { message: err.message, flag: undefined };
  const flag = flagForOption(option, givenFlags);
  if (typeof err.rule === 'string') return { message: flag === undefined ? err.message : `${flag}: ${err.rule}`, flag };
  return { message: optionMessage(err.message, option, flag), flag };
}
