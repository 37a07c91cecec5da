// Every process bench:cluster starts (redis-server, `stagepass serve` nodes, socket.io nodes, receiver
// processes), kept in one set so that an exit, an error or Ctrl-C kills them all; and their CPU time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRedisServer, freePort } from '../../packages/gateway/dist/test-support/redis-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '../../packages/cli/bin/stagepass.js');
const children = new Set();
export const workDir = mkdtempSync(join(tmpdir(), 'stagepass-bench-cluster-'));

/**
 * The gateway limits that would otherwise throttle the bench (one sender far above 50 frames/s, 100+ sockets
 * from 127.0.0.1, bursts queued for 100 receivers), set by flag on every node; printed with the results.
 */
export const GATEWAY_FLAGS = [
  ['--rate-limit-per-second', '1000000'],
  ['--rate-limit-burst', '1000000'],
  ['--max-sockets-per-ip', '100000'],
  ['--max-buffered-bytes', '268435456'],
  ['--max-connections-per-session', '1000000'],
  ['--admission-timeout-ms', '60000'],
].flat();

/** Registers a child so {@link killAll} ends it. */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every child still running and removes the temp folder; safe to call twice, and synchronous. */
export function killAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  rmSync(workDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`\nbench:cluster: ${signal}, stopping every process it started\n`);
    killAll();
    process.exit(130);
  });
}
process.once('exit', killAll);

/** A line of `child`'s stdout matching `match`, within `ms`. */
function lineOf(child, match, what, ms = 20_000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${ms} ms:\n${out}`)), ms);
    const onData = (chunk) => {
      out += chunk.toString();
      const line = out.split('\n').find(match);
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(line);
    };
    child.stdout.on('data', onData);
    child.stderr?.on('data', (chunk) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
  });
}

/** redis-server on a free port, no persistence. */
export async function startRedis() {
  const bin = findRedisServer();
  if (bin === undefined) throw new Error('redis-server is missing (apt-get install -y redis-server)');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = track(spawn(bin, [...args, '--dir', workDir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await lineOf(child, (l) => l.includes('Ready to accept connections'), 'redis-server');
  return { child, port, url: `redis://127.0.0.1:${port}` };
}

/** A fresh app in a new SQLite registry (`stagepass app create --json`). */
export function createApp(name) {
  const db = join(workDir, `${name}.db`);
  const r = spawnSync(process.execPath, [BIN, 'app', 'create', '--name', name, '--db', db, '--json'], {
    cwd: workDir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`stagepass app create failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  return { db, appId: parsed.app.appId, secret: parsed.secret };
}

/** `stagepass serve --port 0 --json` with the bench's limits, on `db`, clustered when `redisUrl` is set. */
export async function startStagepassNode(db, redisUrl) {
  const args = [BIN, 'serve', '--port', '0', '--json', '--log-level', 'warn', '--drain-ms', '0', '--db', db];
  const cluster = redisUrl === undefined ? [] : ['--redis', redisUrl];
  const child = track(
    spawn(process.execPath, [...args, ...GATEWAY_FLAGS, ...cluster], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    }),
  );
  const line = await lineOf(child, (l) => /"port":\d+/.test(l) && !l.includes('"level"'), 'stagepass serve');
  return { child, port: JSON.parse(line).port };
}

/** bench/cluster/socketio-node.mjs: a socket.io server with @socket.io/redis-adapter on `redisUrl`. */
export async function startSocketIoNode(redisUrl) {
  const child = track(
    spawn(process.execPath, [join(here, 'socketio-node.mjs'), redisUrl], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const line = await lineOf(child, (l) => l.startsWith('{"port"'), 'socket.io node');
  return { child, port: JSON.parse(line).port };
}

/** CPU seconds (user + system) the process `pid` has used so far, from /proc (Linux). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Stops the given children (SIGKILL: nothing of theirs is measured after) and waits for them to exit. */
export async function stopAll(list) {
  await Promise.all(
    list.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
}
