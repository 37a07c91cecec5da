import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS } from './cli.js';
import { checkArgumentText } from './argument-text.js';
import { envNames, type Command, type OptionSpec, type ParsedArgs } from './command-spec.js';
import { didYouMean } from './did-you-mean.js';
import { UsageError } from './usage-error.js';

/** What the command line asks for. */
export type ParsedCommandLine =
  | { readonly kind: 'help'; readonly path: readonly string[] }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'command';
      readonly command: Command;
      /** The command's own options, made by its `toOptions`. */
      readonly options: unknown;
      readonly json: boolean;
      /** The flags that have a value (from the command line or the environment), e.g. `--secret`. */
      readonly givenFlags: ReadonlySet<string>;
    };

const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h']);
/** The flags `stagepass` takes before a command. */
const ROOT_FLAGS: readonly string[] = ['--help', '-h', '--version'];
/** The variables the CLI reads all start so. */
const ENV_PREFIX = 'STAGEPASS_';
/** Longest whole number accepted for integer flags: 15 digits is always a safe integer. */
const INTEGER = /^[0-9]{1,15}$/;

/** The words the user typed before `--`, where flags can appear. */
function flagZone(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/**
 * True when the arguments ask for JSON output (`--json` before any `--`); used to report errors
 * found before the command's flags could be parsed.
 *
 * @example
 * ```ts
 * wantsJson(['token', 'verify', '--json']); // true
 * ```
 */
export function wantsJson(argv: readonly string[]): boolean {
  return flagZone(argv).includes('--json');
}

/*
 * Mistyped command words are echoed only when short: app secrets are at least 32 bytes, so a secret (or a
 * token) pasted in the wrong place is never repeated back. A long flag's name is always echoed, in full (what
 * follows its `=` never is): nobody can fix `--max-payload-bytse` from "unknown option". A one-dash word is
 * named by its first letter only (see flagName).
 */
const ECHOABLE_WORD = /^[A-Za-z][\w-]{0,23}$/;

/** A command word, quoted for a message, or '' when it is not a short plain word. */
function quoteWord(word: string): string {
  return ECHOABLE_WORD.test(word) ? ` "${word}"` : '';
}

/**
 * A flag's name as typed (`--secrt`, `-x`; never what follows `=`), control characters escaped. A word with
 * one dash is a cluster of one-letter flags (`-abc`), as parseArgs reads it: only its first is named, so a
 * value starting with `-` in the wrong place is never echoed.
 */
function flagName(raw: string): string {
  const name = /^-[^-]/.test(raw) ? raw.slice(0, 2) : (raw.split('=', 1)[0] ?? '');
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

function startsWithPath(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((word, i) => word === path[i]);
}

/** The next words after `prefix` among the commands, e.g. `create, verify, inspect` after `token`. */
function nextWords(commands: readonly Command[], prefix: readonly string[]): string[] {
  return [
    ...new Set(
      commands
        .filter((c) => startsWithPath(c.path, prefix) && c.path.length > prefix.length)
        .map((c) => c.path[prefix.length]!),
    ),
  ];
}

/** `unknown option --prot (did you mean --port?)`: the closest of `known` (flags with their dashes) when one is close. */
function unknownOption(raw: string, helpPath: readonly string[], known: readonly string[]): UsageError {
  const flag = flagName(raw);
  return new UsageError(`unknown option ${flag}${didYouMean(flag, known)}`, flag, helpPath);
}

/** Every flag of a command, as typed: `--port`, `-h`. */
function flagsOf(command: Command): string[] {
  return Object.entries(command.options).flatMap(([name, spec]) => [
    `--${name}`,
    ...(spec.short === undefined ? [] : [`-${spec.short}`]),
  ]);
}

/**
 * For a command that asks (`refuseUnknownEnvironment`: serve, whose limits come from `STAGEPASS_*`): a
 * `STAGEPASS_*` variable that no command reads is a usage error naming it, with the closest known name,
 * so that a misspelt limit never runs silently with its default.
 */
function checkEnvironment(
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
  commands: readonly Command[],
): void {
  if (command.refuseUnknownEnvironment !== true) return;
  const known = [
    ...new Set(
      commands.flatMap((c) => [
        ...Object.values(c.options).flatMap((spec) => envNames(spec)),
        ...(c.environment ?? []),
      ]),
    ),
  ];
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && env[name] !== '' && !known.includes(name))
    .sort();
  if (unknown.length === 0) return;
  const issues = unknown.map((name) => ({
    option: name,
    message: `is not a stagepass variable${didYouMean(name, known)}; unset it, or see "stagepass ${command.path.join(' ')} --help"`,
  }));
  const lines = issues.map((i) => `${i.option} ${i.message}`);
  const message = lines.length === 1 ? lines[0]! : `${lines.length} unknown variables:\n  ${lines.join('\n  ')}`;
  throw new UsageError(message, unknown[0], command.path, issues);
}

/** Explains why strict parsing failed, naming the flag but never repeating a value. */
function diagnose(command: Command, args: string[], config: ParseArgsConfig['options']): UsageError {
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = command.options[token.name];
    const flag = token.rawName;
    if (spec === undefined) return unknownOption(flag, command.path, flagsOf(command));
    if (spec.type === 'boolean' && token.value !== undefined) {
      return new UsageError(`${flag} takes no value`, flag, command.path);
    }
    if (spec.type === 'string' && token.value === undefined) {
      return new UsageError(`${flag} needs a value`, flag, command.path);
    }
    if (spec.type === 'string' && token.inlineValue === false && token.value!.startsWith('-')) {
      return new UsageError(
        `${flag} needs a value; write ${flag}=VALUE for a value that starts with "-"`,
        flag,
        command.path,
      );
    }
  }
  return new UsageError('the arguments cannot be parsed', undefined, command.path);
}

/** Conflicting flag pairs, from both sides of each declaration. */
function conflictsOf(command: Command, name: string): string[] {
  const own = command.options[name]?.conflicts ?? [];
  const others = Object.entries(command.options)
    .filter(([, spec]) => spec.conflicts?.includes(name) === true)
    .map(([other]) => other);
  return [...own, ...others];
}

type Values = Record<string, string | boolean | string[] | undefined>;

function checkValue(name: string, spec: OptionSpec, value: string, path: readonly string[]): void {
  if (spec.integer === true && !INTEGER.test(value)) {
    throw new UsageError(`--${name}: must be a whole number of seconds, in decimal digits only`, `--${name}`, path);
  }
  if (spec.choices !== undefined && !spec.choices.includes(value)) {
    throw new UsageError(`--${name}: must be one of ${spec.choices.join(', ')}`, `--${name}`, path);
  }
}

function parsedArgs(command: Command, values: Values, positionals: readonly string[]): ParsedArgs {
  const read = (name: string): Values[string] => {
    // A name the command does not declare is a bug in cli.ts, not a user mistake.
    if (!Object.hasOwn(command.options, name)) throw new Error(`cli.ts: ${command.path.join(' ')} has no --${name}`);
    return values[name];
  };
  return {
    string: (name) => {
      const value = read(name);
      return typeof value === 'string' ? value : undefined;
    },
    strings: (name) => {
      const value = read(name);
      return Array.isArray(value) ? [...value] : [];
    },
    flag: (name) => read(name) === true,
    integer: (name) => {
      const value = read(name);
      return typeof value === 'string' ? Number(value) : undefined;
    },
    positional: (index) => positionals[index],
  };
}

/** Parses one command's arguments (after its words) against its declaration. */
function parseCommandArgs(
  command: Command,
  rest: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  commands: readonly Command[],
): Extract<ParsedCommandLine, { kind: 'command' }> {
  const path = command.path;
  const config: ParseArgsConfig['options'] = Object.fromEntries(
    Object.entries(command.options).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short === undefined ? {} : { short: spec.short }),
        ...(spec.multiple === true ? { multiple: true } : {}),
      },
    ]),
  );
  const args = [...rest];
  let parsed;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true, tokens: true });
  } catch {
    // Node's own messages can quote a value (e.g. a secret starting with "-"): never show them.
    throw diagnose(command, args, config);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && command.options[token.name]?.multiple !== true) {
      throw new UsageError(`--${token.name} is given more than once`, `--${token.name}`, path);
    }
    seen.add(token.name);
  }

  const { positionals } = parsed;
  const expected = command.positionals;
  if (positionals.length < expected.length) {
    const missing = expected[positionals.length]!;
    const what = missing.description.charAt(0).toLowerCase() + missing.description.slice(1);
    throw new UsageError(`missing ${missing.name} argument (${what})`, missing.name, path);
  }
  if (positionals.length > expected.length) {
    const last = expected.at(-1);
    throw last === undefined
      ? new UsageError(
          `unexpected argument: ${path.join(' ')} takes no arguments besides options (is a flag name missing?)`,
          undefined,
          path,
        )
      : new UsageError(`unexpected argument after ${last.name} (is a flag name missing?)`, last.name, path);
  }

  checkEnvironment(command, env, commands);
  const values = { ...parsed.values } as Values;
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.env === undefined || values[name] !== undefined) continue;
    // An environment default never fights a flag the user typed: --private-key silences $STAGEPASS_SECRET.
    if (conflictsOf(command, name).some((other) => values[other] !== undefined)) continue;
    const fromEnv = envNames(spec)
      .map((variable) => env[variable])
      .find((value) => value !== undefined && value !== '');
    if (fromEnv !== undefined) values[name] = fromEnv;
  }
  checkArgumentText(command, values, positionals);

  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    if (value === undefined) continue;
    for (const other of spec.conflicts ?? []) {
      if (values[other] !== undefined) {
        throw new UsageError(`--${name} and --${other} cannot be used together`, `--${name}`, path);
      }
    }
    for (const item of Array.isArray(value) ? value : typeof value === 'string' ? [value] : []) {
      checkValue(name, spec, item, path);
    }
  }

  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required === true && values[name] === undefined) {
      const orEnv = spec.env === undefined ? '' : ` (or set ${envNames(spec).join(' or ')})`;
      throw new UsageError(`missing required option --${name}${orEnv}`, `--${name}`, path);
    }
  }
  for (const group of command.requireOneOf ?? []) {
    if (group.some((name) => values[name] !== undefined)) continue;
    const envs = group.flatMap((name) => envNames(command.options[name]));
    const orEnv = envs.length === 0 ? '' : ` (or set ${envs.join(' or ')})`;
    throw new UsageError(`missing ${group.map((name) => `--${name}`).join(' or ')}${orEnv}`, `--${group[0]}`, path);
  }

  const givenFlags = new Set(
    Object.keys(values)
      .filter((name) => values[name] !== undefined)
      .map((name) => `--${name}`),
  );
  return {
    kind: 'command',
    command,
    options: command.toOptions(parsedArgs(command, values, positionals)),
    json: values.json === true,
    givenFlags,
  };
}

/**
 * Parses the whole command line: help, version, or a command with its checked options. Every
 * mistake throws a {@link UsageError} naming the flag or argument (exit 2); values are never
 * echoed. Environment defaults (`STAGEPASS_APP_ID`, `STAGEPASS_SECRET`) are applied here; flags win.
 *
 * @example
 * ```ts
 * parseCommandLine(['token', 'inspect', 'T1==…'], {});
 * // { kind: 'command', command: tokenInspectCommand, options: { token: 'T1==…' }, json: false, … }
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  commands: readonly Command[] = COMMANDS,
): ParsedCommandLine {
  const [first] = argv;
  if (first === undefined || HELP_FLAGS.has(first)) return { kind: 'help', path: [] };
  if (first === '--version') {
    if (argv.length > 1) throw new UsageError('--version takes no arguments', '--version', []);
    return { kind: 'version' };
  }
  if (first === 'help') {
    const topic = argv.slice(1);
    if (!commands.some((c) => startsWithPath(c.path, topic))) {
      throw new UsageError(`no help topic${topic.map(quoteWord).join('')}`, undefined, []);
    }
    return { kind: 'help', path: topic };
  }

  let depth = 0;
  let command: Command | undefined;
  while (depth < argv.length) {
    const prefix = argv.slice(0, depth + 1);
    if (!commands.some((c) => startsWithPath(c.path, prefix))) break;
    depth++;
    command = commands.find((c) => samePath(c.path, prefix));
    if (command !== undefined) break;
  }

  const known = argv.slice(0, depth);
  if (command === undefined) {
    const next = argv[depth];
    const hintPath = known;
    if (next === undefined) {
      throw new UsageError(
        `missing command after "${known.join(' ')}" (one of: ${nextWords(commands, known).join(', ')})`,
        undefined,
        hintPath,
      );
    }
    if (HELP_FLAGS.has(next)) return { kind: 'help', path: known };
    if (next.startsWith('-')) throw unknownOption(next, hintPath, known.length === 0 ? ROOT_FLAGS : ['--help', '-h']);
    const typed = ECHOABLE_WORD.test(next) ? ` "${[...known, next].join(' ')}"` : '';
    throw new UsageError(
      `unknown command${typed} (one of: ${nextWords(commands, known).join(', ')})`,
      undefined,
      hintPath,
    );
  }

  const rest = argv.slice(depth);
  if (flagZone(rest).some((arg) => HELP_FLAGS.has(arg))) return { kind: 'help', path: command.path };
  return parseCommandArgs(command, rest, env, commands);
}
