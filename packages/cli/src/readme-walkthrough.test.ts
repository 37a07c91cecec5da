/**
 * The README runs as written: every ```sh / ```bash block of README.md, in order, in one shell, from a fresh
 * copy of the repository (no .stagepass database, no STAGEPASS_* variables), as a newcomer types them.
 *
 * What the test cannot do as the newcomer does, it says (in the test's diagnostics) and does the nearest thing:
 * - `npm ci` is not run: the copy links the repository's node_modules, which `npm ci` (and its build) made.
 * - `npm test` is not run: it is the suite this test is part of.
 * - `npm start` runs until stopped: it is started in the background where the README has it, the walk-through
 *   goes on once its /readyz answers, and it is stopped with SIGTERM (as a supervisor does) at the end. It listens
 *   on a free port instead of 4280 (STAGEPASS_PORT), and STAGEPASS_URL points the session commands at it, so
 *   the test never meets another gateway on the machine.
 * Every other command runs as written, with `set -euo pipefail`: each must exit 0, an unset variable is an error,
 * and no command may print an `error:` line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHELL_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);
/** Not copied: what `npm ci`, a build, a run or git leave, none of which a fresh clone has. */
const NOT_IN_A_CLONE: ReadonlySet<string> = new Set(['node_modules', 'dist', '.git', '.stagepass', 'test-artifacts']);

/** How the test runs a README command that it cannot simply run in the shell. */
type Special = { readonly kind: 'skip'; readonly why: string } | { readonly kind: 'background' };
const SPECIAL: Readonly<Record<string, Special>> = {
  'npm ci': {
    kind: 'skip',
    why: "not run: the copy links the repository's node_modules and built packages, which npm ci made",
  },
  'npm test': { kind: 'skip', why: 'not run: it is the suite this test is part of' },
  'npm start': { kind: 'background' },
};

/** The commands of the README's shell blocks, in order: comments and blank lines dropped, `\` lines joined. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)) {
    if (!SHELL_LANGUAGES.has(block[1]!)) continue;
    const lines = block[2]!.replace(/\\\n/g, ' ').split('\n');
    for (const line of lines) if (line.trim() !== '' && !line.trim().startsWith('#')) commands.push(line.trim());
  }
  return commands;
}

/** The command without its trailing comment (a `#` after a space, outside quotes: enough for README lines). */
function withoutComment(command: string): string {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(command[i - 1]!))) return command.slice(0, i).trim();
  }
  return command.trim();
}

/** The shell script of the walk-through: each step announced on stderr, so a failure names its README line. */
function walkScript(commands: readonly string[], notes: string[]): string {
  const lines = [
    'set -euo pipefail',
    'step() { printf "\\n>>> README step %s: %s\\n" "$1" "$2" >&2; }',
    // Any npm start left running when the script stops (on an error too) is stopped as a supervisor would.
    'stop() { for pid in $(cat "$WALK_DIR"/*.pid 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; done; }',
    'trap stop EXIT',
  ];
  commands.forEach((command, index) => {
    const bare = withoutComment(command);
    const special = SPECIAL[bare];
    const quoted = `'${command.replaceAll("'", "'\\''")}'`;
    if (special?.kind === 'skip') {
      notes.push(`README step ${index + 1} "${bare}": ${special.why}`);
      return;
    }
    lines.push(`step ${index + 1} ${quoted}`);
    if (special?.kind === 'background') {
      notes.push(`README step ${index + 1} "${bare}": started in the background, stopped with SIGTERM at the end`);
      lines.push(`${bare} >"$WALK_DIR/step-${index + 1}.log" 2>&1 & echo $! >"$WALK_DIR/step-${index + 1}.pid"`);
      lines.push(`node "$WALK_DIR/wait-ready.mjs" "$WALK_DIR/step-${index + 1}.log"`);
    } else {
      assert.doesNotMatch(bare, /\bnpm (start|ci|test)\b/, `README step ${index + 1}: the test cannot run "${bare}"`);
      lines.push(command);
    }
  });
  lines.push('step end "every command ran"');
  return `${lines.join('\n')}\n`;
}

/** Polls STAGEPASS_URL/readyz for up to 30 s; on a timeout prints the server's log and exits 1. */
const WAIT_READY = `
import { readFileSync } from 'node:fs';
const deadline = Date.now() + 30_000;
for (;;) {
  try {
    const res = await fetch(new URL('/readyz', process.env.STAGEPASS_URL));
    if (res.ok) process.exit(0);
  } catch {}
  if (Date.now() > deadline) {
    process.stderr.write('error: the gateway did not become ready within 30 s; its output:\\n');
    process.stderr.write(readFileSync(process.argv[2], 'utf8'));
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on the port any more. */
function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** A fresh clone's files: the repository without what installs, builds and runs leave; node_modules linked. */
function freshCopy(into: string): void {
  cpSync(ROOT, into, {
    recursive: true,
    filter: (source) => !NOT_IN_A_CLONE.has(basename(source)) && !source.endsWith('.tsbuildinfo'),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
}

interface Walk {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runWalk(script: string, cwd: string, env: Readonly<Record<string, string>>): Promise<Walk> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The step a failed walk stopped at, with what it printed since. */
function lastStep(stderr: string): string {
  const at = stderr.lastIndexOf('>>> README step');
  return at < 0 ? stderr : stderr.slice(at);
}

const dir = mkdtempSync(join(tmpdir(), 'stagepass-readme-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('README.md runs as written', () => {
  const commands = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('has shell blocks: the start, and the walk-through of the command line', () => {
    assert.ok(
      commands.some((c) => withoutComment(c) === 'npm start'),
      'no npm start',
    );
    assert.ok(commands.filter((c) => /\bnpx stagepass\b/.test(c)).length >= 5, 'no walk-through of npx stagepass');
  });

  it('every shell block, in order, from a fresh copy: each command exits 0 and none prints an error', async (t) => {
    const clone = join(dir, 'clone');
    freshCopy(clone);
    const walkDir = join(dir, 'walk');
    mkdirSync(walkDir);
    writeFileSync(join(walkDir, 'wait-ready.mjs'), WAIT_READY);
    const notes: string[] = [];
    const script = walkScript(commands, notes);
    for (const note of notes) t.diagnostic(note);
    const port = await freePort();
    const home = join(dir, 'home');
    mkdirSync(home);
    // Only what a newcomer's shell has: no STAGEPASS_* and no npm_* from the test run; npm's own bin paths out.
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((entry) => !entry.includes(`node_modules${'/'}.bin`) && !entry.includes('node-gyp-bin'))
      .join(delimiter);
    const walk = await runWalk(script, clone, {
      PATH: path,
      HOME: home,
      WALK_DIR: walkDir,
      STAGEPASS_PORT: String(port),
      STAGEPASS_URL: `http://127.0.0.1:${port}`,
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      NPM_CONFIG_FUND: 'false',
    });
    assert.equal(walk.code, 0, `the README walk-through failed at:\n${lastStep(walk.stderr)}`);
    assert.match(walk.stderr, />>> README step end: every command ran\n$/);
    const errors = walk.stderr.split('\n').filter((line) => /^error\b/.test(line));
    assert.deepEqual(errors, [], `a README command printed an error:\n${walk.stderr}`);
    // What the walk-through promises in its comments.
    assert.match(walk.stdout, /^\{"valid":true,/m);
    assert.match(walk.stdout, /NOT VERIFIED/);
    assert.match(walk.stdout, /^connections: 0$/m);
    assert.match(walk.stdout, /^New active key k2 /m);
    // The database is where the README says, and the gateway of npm start went with npm's SIGTERM.
    assert.ok(existsSync(join(clone, '.stagepass', 'stagepass.db')));
    assert.equal(await portRefuses(port), true, `the gateway still listens on ${port} after npm start was stopped`);
  });
});
