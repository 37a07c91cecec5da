import { isStagepassError } from '@stagepass/protocol';
import { COMMANDS } from './cli.js';
import { createNodeIo, type CliIo, type StopSignal } from './cli-io.js';
import type { CommandOutput } from './command-spec.js';
import { formatHelp } from './help-text.js';
import { optionUsage } from './option-flags.js';
import { parseCommandLine, wantsJson, type ParsedCommandLine } from './parse-command-line.js';
import { withProgramName } from './program-name.js';
import { isUsageError, type UsageIssue } from './usage-error.js';
import { cliVersion } from './version.js';

/** Exit codes of every `stagepass` command; decided here and nowhere else. */
export const EXIT_OK = 0;
/** A token was refused, or the command failed. */
export const EXIT_REFUSED = 1;
/** The command line was wrong: unknown command or option, missing or bad value. */
export const EXIT_USAGE = 2;
/** A second signal while a long-running command stops ends the process at once: 128 + the signal's number. */
export const EXIT_SIGNAL: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

interface ErrorContext {
  readonly io: CliIo;
  readonly json: boolean;
  /** Command words for the `--help` hint when the error does not carry its own. */
  readonly path: readonly string[];
  readonly givenFlags: ReadonlySet<string>;
}

function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function jsonErrorFields(path: readonly string[]): Readonly<Record<string, unknown>> {
  const command = COMMANDS.find((c) => c.path.length === path.length && c.path.every((w, i) => w === path[i]));
  return command?.jsonErrorFields ?? {};
}

function usage(
  context: ErrorContext,
  message: string,
  option: string | undefined,
  helpPath: readonly string[],
  issues?: readonly UsageIssue[],
): number {
  const { io } = context;
  const said = withProgramName(message, io.programName);
  const hint = [io.programName, ...helpPath, '--help'].join(' ');
  io.writeStderr(`error: ${said}\nRun "${hint}".\n`);
  if (context.json) {
    io.writeStdout(
      jsonLine({
        ...jsonErrorFields(helpPath),
        code: 'ERR_INVALID_OPTION',
        message: said,
        ...(option === undefined ? {} : { option }),
        ...(issues === undefined
          ? {}
          : { issues: issues.map((i) => ({ ...i, message: withProgramName(i.message, io.programName) })) }),
      }),
    );
  }
  return EXIT_USAGE;
}

/** Prints a command's output and returns its exit code: 0 when it did its job, else 1. */
function show(output: CommandOutput, json: boolean, io: CliIo): number {
  for (const warning of output.warnings) io.writeStderr(`${withProgramName(warning, io.programName)}\n`);
  if (json) io.writeStdout(jsonLine(output.json));
  else if (output.text !== '') io.writeStdout(output.text);
  if (output.ok) return EXIT_OK;
  if (output.failure !== undefined) io.writeStderr(`error: ${output.failure.code}: ${output.failure.message}\n`);
  return EXIT_REFUSED;
}

/** Reports any error and returns its exit code: usage mistakes 2, everything else 1. */
function report(err: unknown, context: ErrorContext): number {
  const { io } = context;
  if (isUsageError(err)) return usage(context, err.message, err.option, err.helpPath ?? context.path, err.issues);
  if (isStagepassError(err) && err.code === 'ERR_INVALID_OPTION') {
    const { message, flag } = optionUsage(err, context.givenFlags);
    return usage(context, message, flag, context.path);
  }
  if (isStagepassError(err)) {
    // Library messages never hold a token, a secret or connection data.
    const message = withProgramName(err.message, io.programName);
    io.writeStderr(`error: ${err.code}: ${message}\n`);
    if (context.json) io.writeStdout(jsonLine({ ...jsonErrorFields(context.path), code: err.code, message }));
    return EXIT_REFUSED;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.writeStderr(`error: unexpected failure: ${message}\n`);
  if (context.json)
    io.writeStdout(jsonLine({ ...jsonErrorFields(context.path), message: `unexpected failure: ${message}` }));
  return EXIT_REFUSED;
}

/**
 * The same signal again within this time is the same stop, not a second one: under `npm start` a Ctrl-C
 * reaches the gateway twice at once (from the terminal to the whole process group, and forwarded by npm).
 */
const SAME_STOP_MS = 500;

/** A second signal while it stops (clients still draining) ends the process at once. */
function exitOnSecondSignal(io: CliIo, first: StopSignal, firstAt: number): void {
  void io.nextSignal().then((again) => {
    if (again === first && performance.now() - firstAt < SAME_STOP_MS) exitOnSecondSignal(io, first, firstAt);
    else io.exitNow(EXIT_SIGNAL[again]);
  });
}

/**
 * Runs the `stagepass` CLI on `argv` (without `node` and the script) and returns the exit code.
 * The only place that writes output and chooses exit codes: 0 ok, 1 refused or failed, 2 usage.
 * A command that keeps running (`serve`) is stopped on SIGINT or SIGTERM, and its exit code is
 * that of its stop; a second signal while it stops exits at once (130, 143), except the same signal again
 * within {@link SAME_STOP_MS} (one Ctrl-C that npm forwarded).
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2));
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = createNodeIo()): Promise<number> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv, io.env);
  } catch (err) {
    return report(err, { io, json: wantsJson(argv), path: [], givenFlags: new Set() });
  }
  if (parsed.kind === 'help') {
    io.writeStdout(withProgramName(formatHelp(parsed.path), io.programName));
    return EXIT_OK;
  }
  if (parsed.kind === 'version') {
    io.writeStdout(`${cliVersion()}\n`);
    return EXIT_OK;
  }
  const { command, options, json, givenFlags } = parsed;
  const context: ErrorContext = { io, json, path: command.path, givenFlags };
  try {
    const output = await command.execute(options, io);
    const code = show(output, json, io);
    if (output.running === undefined) return code;
    const signal = await io.nextSignal();
    exitOnSecondSignal(io, signal, performance.now());
    return show(await output.running.stop(signal), json, io);
  } catch (err) {
    return report(err, context);
  }
}
