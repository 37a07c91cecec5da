import type { CommandIo, StopSignal } from './cli-io.js';

/** One `--flag` of a command, declared in `cli.ts`; the parser enforces every field. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given several times (collected in order); otherwise giving it twice is a usage error. */
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `ID`. */
  readonly value?: string;
  readonly description: string;
  readonly required?: boolean;
  /**
   * Environment variable used when neither this flag nor a conflicting one is given; with several, the
   * first one set wins.
   */
  readonly env?: string | readonly string[];
  /** Flags (without `--`) that cannot be combined with this one; the error names this flag. */
  readonly conflicts?: readonly string[];
  /** The value must be a whole, non-negative number written in decimal digits only. */
  readonly integer?: boolean;
  /** The value must be one of these. */
  readonly choices?: readonly string[];
  /** An empty value is refused, saying what usually makes one: an unset shell variable (`--secret "$UNSET"`). */
  readonly nonEmpty?: boolean;
}

/** A positional argument, e.g. `TOKEN`. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
}

/** A command's arguments once parsed and checked against its declaration. */
export interface ParsedArgs {
  /** A string flag's value (from the command line or its environment variable). */
  string(name: string): string | undefined;
  /** A repeatable string flag's values, in order; `[]` when absent. */
  strings(name: string): string[];
  /** A boolean flag. */
  flag(name: string): boolean;
  /** An `integer` flag's value as a number. */
  integer(name: string): number | undefined;
  /** The positional argument at `index`. */
  positional(index: number): string | undefined;
}

/** What `main.ts` prints for a finished command; it alone turns `ok` into an exit code. */
export interface CommandOutput {
  /** False when the command refused (exit 1). */
  readonly ok: boolean;
  /** Printed on stdout with `--json`. */
  readonly json: Readonly<Record<string, unknown>>;
  /** Printed on stdout without `--json` (may be empty). */
  readonly text: string;
  /** Why the command refused: one line on stderr. Never holds a token, a secret or connection data. */
  readonly failure?: { readonly code: string; readonly message: string };
  /** Diagnostics printed on stderr in both modes. */
  readonly warnings: readonly string[];
  /**
   * Set by a command that keeps running once this is printed (`serve`): `main.ts` waits for SIGINT
   * or SIGTERM, stops it, prints what `stop` resolves with and takes the exit code from that.
   */
  readonly running?: RunningCommand;
}

/** A command still running after its first output (the gateway of `serve`). */
export interface RunningCommand {
  /** Stops it because of `signal`; resolves with what to print then. */
  stop(signal: StopSignal): Promise<CommandOutput>;
}

/**
 * A command as `cli.ts` declares it: its words, options, how parsed flags become the command's
 * own options, the command function, and how its result is shown.
 */
export interface CommandSpec<Options, Result> {
  /** The words that select it, e.g. `['token', 'create']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Synopsis lines shown under "Usage:". */
  readonly usage: readonly string[];
  /** Paragraphs shown in the command's help after the synopsis. */
  readonly description?: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Groups of flags of which at least one must be given (the error names the first). */
  readonly requireOneOf?: readonly (readonly string[])[];
  /** Environment variables the command reads besides its flags' `env` (e.g. `STAGEPASS_MASTER_KEY`). */
  readonly environment?: readonly string[];
  /**
   * Refuse a `STAGEPASS_*` variable that no command reads (exit 2, with the closest known name): for a
   * command whose settings come from the environment, where a misspelt name would silently keep a default.
   */
  readonly refuseUnknownEnvironment?: boolean;
  /** Extra members of every JSON error object this command prints, e.g. `{ valid: false }`. */
  readonly jsonErrorFields?: Readonly<Record<string, unknown>>;
  readonly toOptions: (args: ParsedArgs) => Options;
  readonly run: (options: Options, io: CommandIo) => Promise<Result>;
  readonly render: (result: Result) => CommandOutput;
}

/** A declared command with its option and result types erased, so commands fit in one table. */
export interface Command extends Omit<CommandSpec<unknown, unknown>, 'toOptions' | 'run' | 'render'> {
  toOptions(args: ParsedArgs): unknown;
  /** Runs the command on options made by `toOptions` and renders its result. */
  execute(options: unknown, io: CommandIo): Promise<CommandOutput>;
}

/**
 * Turns a typed command declaration into a table entry.
 *
 * @example
 * ```ts
 * const tokenInspectCommand = defineCommand({ path: ['token', 'inspect'], ..., run: tokenInspect, render: renderTokenInspect });
 * ```
 */
export function defineCommand<Options, Result>(spec: CommandSpec<Options, Result>): Command {
  const { toOptions, run, render, ...rest } = spec;
  return {
    ...rest,
    toOptions: (args) => toOptions(args),
    execute: async (options, io) => render(await run(options as Options, io)),
  };
}

/** The environment variables of a flag, in the order they are tried. */
export function envNames(spec: OptionSpec | undefined): readonly string[] {
  return spec?.env === undefined ? [] : typeof spec.env === 'string' ? [spec.env] : spec.env;
}
