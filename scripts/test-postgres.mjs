// A real PostgreSQL server for the tests: one per test process, on a free loopback port, in a temp
// folder, as an unprivileged user (PostgreSQL refuses to run as root; CI runs as root, so the server
// runs as the `postgres` user that Debian's package creates). Shared by the gateway's and the CLI's
// tests (plain JavaScript here, typed by test-postgres.d.mts, so both packages import it).
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** Where PostgreSQL's server binaries may be: Debian's versioned folder (CI), /usr/local/bin, then PATH. */
function candidateDirs(env) {
  const dirs = [];
  if (env.STAGEPASS_PG_BIN) dirs.push(env.STAGEPASS_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) dirs.push(join(debian, version, 'bin'));
  }
  dirs.push('/usr/local/bin', ...(env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''));
  return dirs;
}

/** The folder holding `initdb` and `postgres`, or undefined. */
export function findPostgresBin(env = process.env) {
  return candidateDirs(env).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/**
 * Why the PostgreSQL tests skip (locally, with a loud notice), or undefined when they run. Under
 * CI=true they never skip: a missing server makes startPostgres fail the suite.
 */
export function postgresSkipReason(env = process.env) {
  if (findPostgresBin(env) !== undefined || env.CI === 'true') return undefined;
  const reason = 'PostgreSQL (initdb, postgres) is not installed (apt-get install -y postgresql)';
  console.error(`\n${'!'.repeat(78)}\n!! POSTGRESQL TESTS SKIPPED: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}

/** The ids to run the server as: ourselves, or (as root) the `postgres` user. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'running as root, and there is no `postgres` user to run PostgreSQL as (apt-get install -y postgresql makes one)',
    );
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(bin, args, user) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server accepts connections; rejects when it exits first or takes over 30 s. */
async function waitReady(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('postgres exited while starting');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await sleep(50);
    }
  }
  throw new Error('postgres did not accept connections within 30 s');
}

async function startServer(bin, dir, user) {
  const port = await freePort();
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      join(dir, 'data'),
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    { ...user, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(url, child);
  } catch (err) {
    child.kill('SIGQUIT');
    throw new Error(`${err.message}: ${stderr}`);
  }
  return { child, port };
}

/**
 * Starts a server (initdb + start: about a second) and resolves with its handle:
 * `createDatabase()` makes a fresh database and resolves with its URL; `stop()` stops the server
 * (SIGQUIT) and removes its folder.
 */
export async function startPostgres(env = process.env) {
  const bin = findPostgresBin(env);
  if (bin === undefined)
    throw new Error('PostgreSQL is missing: .ci/run must apt-get install -y postgresql (never a skip in CI)');
  const user = serverUser();
  const root = mkdtempSync(join(tmpdir(), 'stagepass-pg-'));
  chmodSync(root, 0o711); // the server's user must be able to enter it
  const dir = join(root, 'pg');
  mkdirSync(dir, { mode: 0o700 });
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const initdbArgs = [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-instructions',
  ];
  let server;
  try {
    await run(join(bin, 'initdb'), initdbArgs, user);
    for (let attempt = 1; server === undefined; attempt++) {
      try {
        server = await startServer(bin, dir, user); // a port taken meanwhile: try another
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const { child, port } = server;
  const killOnExit = () => child.kill('SIGQUIT');
  process.once('exit', killOnExit);
  let databases = 0;
  return {
    port,
    pid: child.pid,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(prefix = 'stagepass') {
      const name = `${prefix}_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
