import { readFile } from 'node:fs/promises';
import { toUnixSeconds, type UnixSeconds } from '@stagepass/protocol';
import { invokedName } from './program-name.js';

/** What a command may read from the outside world; injected so commands can be tested in memory. */
export interface CommandIo {
  /** The environment (only the CLI reads it: the libraries never do). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of stdin as UTF-8 text. */
  readStdin(): Promise<string>;
  /** A file's text as UTF-8. */
  readFile(path: string): Promise<string>;
  /** The current time, integer UNIX seconds (for "expires in …" displays). */
  now(): UnixSeconds;
  /** How the user runs this CLI (`stagepass`, or `npx stagepass` from node_modules): for printed command lines. */
  readonly programName: string;
  /** Writes one diagnostic line on stderr that does not change the result (e.g. the database was just encrypted). */
  warn(line: string): void;
}

/** The signals that stop a long-running command (`serve`). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Everything `main.ts` needs: the command io, the two output streams, signals and a hard exit. */
export interface CliIo extends CommandIo {
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** Resolves on the next SIGINT or SIGTERM; until then that signal no longer ends the process. */
  nextSignal(): Promise<StopSignal>;
  /** Ends the process at once with `code`, without waiting for work still running. */
  exitNow(code: number): void;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Waiting for the next stop signal: resolved by the one listener per signal, installed at the first wait. */
let waiters: ((signal: StopSignal) => void)[] = [];
let listening = false;

function stopSignalReceived(signal: StopSignal): void {
  const waiting = waiters;
  waiters = [];
  if (waiting.length === 0) {
    // Nobody waits (the command has stopped): the signal does what it would have done without us.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  for (const resolve of waiting) resolve(signal);
}

/**
 * The listeners stay installed from the first wait on: removing the last one would give the signal back its
 * default action (end the process) until the next wait installs one again, and npm start delivers Ctrl-C twice
 * (to the process group, and forwarded by npm) within a few milliseconds: the second could land in that gap.
 */
function nextProcessSignal(): Promise<StopSignal> {
  if (!listening) {
    listening = true;
    process.on('SIGINT', () => stopSignalReceived('SIGINT'));
    process.on('SIGTERM', () => stopSignalReceived('SIGTERM'));
  }
  return new Promise((resolve) => waiters.push(resolve));
}

/**
 * The real process: `process.env`, stdin, the file system, the system clock, stdout/stderr and
 * the process's signals and exit.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), createNodeIo());
 * ```
 */
export function createNodeIo(): CliIo {
  return {
    env: process.env,
    readStdin: readAllStdin,
    readFile: (path) => readFile(path, 'utf8'),
    now: () => toUnixSeconds(Date.now()),
    programName: invokedName(process.argv[1]),
    warn: (line) => {
      process.stderr.write(`${line}\n`);
    },
    writeStdout: (text) => {
      process.stdout.write(text);
    },
    writeStderr: (text) => {
      process.stderr.write(text);
    },
    nextSignal: nextProcessSignal,
    exitNow: (code) => {
      process.exit(code);
    },
  };
}
