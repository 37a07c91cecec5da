import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `stagepass` launcher, as users run it. */
export const BIN = fileURLToPath(new URL('../../bin/stagepass.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** The child's whole environment besides PATH (nothing else leaks in from the test process). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  readonly input?: string;
  /** Texts (secrets, private key bodies) that must appear on neither stream: the run fails if they do. */
  readonly neverPrinted?: readonly string[];
  /** Patterns that must match neither stream (e.g. a JWT). */
  readonly forbidden?: readonly RegExp[];
}

/**
 * Runs the real bin in a child process (asynchronously, so this process can serve its requests)
 * and resolves with its exit code and output; rejects when it printed something it must never print.
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const command = `stagepass ${args.slice(0, 2).join(' ')}`;
      if ((options.neverPrinted ?? []).some((text) => stdout.includes(text) || stderr.includes(text))) {
        reject(new Error(`${command} printed a secret or a private key`));
        return;
      }
      if ((options.forbidden ?? []).some((pattern) => pattern.test(stdout) || pattern.test(stderr))) {
        reject(new Error(`${command} printed something it must not (${options.forbidden!.join(', ')})`));
        return;
      }
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
