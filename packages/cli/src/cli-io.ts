import { readFile } from 'node:fs/promises';

/** What a command may read from the outside world; injected so commands can be tested in memory. */
export interface CommandIo {
  /** The environment (only the CLI reads it: the libraries never do). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of stdin as UTF-8 text. */
  readStdin(): Promise<string>;
  /** A file's text as UTF-8. */
  readFile(path: string): Promise<string>;
  /** The current time, integer UNIX seconds (for "expires in …" displays). */
  now(): number;
}

/** Everything `main.ts` needs: the command io plus the two output streams. */
export interface CliIo extends CommandIo {
  writeStdout(text: string): void;
  writeStderr(text: string): void;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The real process: `process.env`, stdin, the file system, the system clock and stdout/stderr.
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
    now: () => Math.floor(Date.now() / 1000),
    writeStdout: (text) => { process.stdout.write(text); },
    writeStderr: (text) => { process.stderr.write(text); },
  };
}
