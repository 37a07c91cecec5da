import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, runCli } from '../test-support/run-cli.js';
import { createToken } from '@stagepass/token';
import WebSocket from 'ws';
import { UsageError } from '../usage-error.js';
import { parseRtcPorts } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

/** Starts `stagepass serve` on a free port with its own database; resolves once it listens. */
async function startServe(db: string, drainMs = 2000, pretty = 'false'): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--db', db, '--pretty', pretty, '--drain-ms', String(drainMs)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined },
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 10_000);
    const poll = setInterval(() => {
      const line = out.split('\n').find((l) => l.includes('gateway listening'));
      if (line !== undefined) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(/"port":(\d+)/.exec(line)?.[1]));
      }
    }, 20);
  });
  return { child, port, output: () => out, exit };
}

const REPO_ROOT = dirname(dirname(dirname(dirname(BIN))));

interface NpmStart {
  readonly npm: ChildProcess;
  readonly port: number;
  /** Every process npm started (the gateway, and a shell if one sits between), read from /proc. */
  readonly descendants: readonly number[];
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

/** `npm start -- …` from the repository root, as a supervisor runs it; resolves once the gateway listens. */
async function startNpm(db: string, options: { detached?: boolean } = {}): Promise<NpmStart> {
  const npm = spawn('npm', ['start', '--', '--port', '0', '--db', db, '--pretty', 'false', '--drain-ms', '2000'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  let out = '';
  npm.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  await until(() => out.includes('"gateway listening"'), 20_000).catch(() => {
    throw new Error(`npm start did not start:\n${out}`);
  });
  const line = out.split('\n').find((l) => l.includes('"gateway listening"'))!;
  const { port } = JSON.parse(line) as { port: number };
  return { npm, port, descendants: descendantsOf(npm.pid!), output: () => out, exit };
}

/** The processes under `root` (Linux: each /proc/PID/stat names its parent). */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, parent] of parentOf) if (parent === pid) (found.push(child), walk(child));
  };
  walk(root);
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** True when nothing listens on the port any more: this process can take it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Resolves once `condition` holds (polled), or rejects after 10 s. */
function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error('timed out'));
    }, timeoutMs);
    const poll = setInterval(() => {
      if (!condition()) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 20);
  });
}

function admit(
  port: number,
  appId: string,
  sessionId: string,
  token: string,
): Promise<{ ws: WebSocket; connected: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}/v1/connect?appId=${encodeURIComponent(appId)}&sessionId=${encodeURIComponent(sessionId)}`,
    );
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connect', v: 1, token })));
    ws.once('message', (data) => resolve({ ws, connected: JSON.parse(String(data)) as Record<string, unknown> }));
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
    ws.once('error', reject);
  });
}

describe('stagepass serve (npm start)', () => {
  it('creates a development app on first start, admits its tokens, drains on SIGTERM and keeps the app on restart', async () => {
    const db = join(dir, 'gateway.db');
    const first = await startServe(db);
    const banner = first.output();
    const appId = /App ID\s+(\S+)/.exec(banner)?.[1];
    const secret = /Secret\s+([0-9a-f]{64})/.exec(banner)?.[1];
    assert.ok(appId !== undefined && secret !== undefined, `no development app in:\n${banner}`);
    assert.match(banner, new RegExp(`ws://127\\.0\\.0\\.1:${first.port}/v1/connect`));

    const health = await fetch(`http://127.0.0.1:${first.port}/readyz`);
    assert.equal(health.status, 200);
    const token = createToken({ appId, secret, sessionId: 'demo', role: 'moderator', data: 'user=1' });
    const { ws, connected } = await admit(first.port, appId, 'demo', token);
    assert.equal(connected.type, 'connected');
    assert.equal(connected.role, 'moderator');

    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    first.child.kill('SIGTERM');
    assert.deepEqual(await closed, [1012, 'ERR_SERVER_SHUTTING_DOWN']);
    assert.equal(await first.exit, 0);
    assert.ok(!first.output().includes(token), 'the token was logged');
    const end = first
      .output()
      .split('\n')
      .find((l) => l.includes('"connection ended"'));
    assert.ok(end !== undefined, `no connection end logged:\n${first.output()}`);
    const ended = JSON.parse(end) as Record<string, unknown>;
    assert.deepEqual([ended.by, ended.code, ended.reason], ['gateway', 1012, 'ERR_SERVER_SHUTTING_DOWN']);
    assert.equal(typeof ended.durationMs, 'number');
    assert.doesNotMatch(end, /user=1/, 'the connection data was logged');

    // A restart keeps the app and its key: no new development app, the same secret still admits.
    const second = await startServe(db);
    try {
      assert.doesNotMatch(second.output(), /development app was created/);
      const again = await admit(second.port, appId, 'demo', createToken({ appId, secret, sessionId: 'demo' }));
      assert.equal(again.connected.role, 'publisher');
      again.ws.terminate();
    } finally {
      second.child.kill('SIGINT');
      assert.equal(await second.exit, 0);
    }
  });

  it('a second signal while clients drain exits at once: 130 after SIGINT, 143 after SIGTERM', async () => {
    for (const [first, second, code] of [
      ['SIGTERM', 'SIGINT', 130],
      ['SIGINT', 'SIGTERM', 143],
    ] as const) {
      const running = await startServe(join(dir, `second-${second}.db`), 60_000);
      const appId = /App ID\s+(\S+)/.exec(running.output())?.[1];
      const secret = /Secret\s+([0-9a-f]{64})/.exec(running.output())?.[1];
      assert.ok(appId !== undefined && secret !== undefined, `no development app in:\n${running.output()}`);
      const { ws } = await admit(running.port, appId, 'demo', createToken({ appId, secret, sessionId: 'demo' }));
      // Reading nothing, the client never answers the gateway's close: the drain would take 60 s.
      ws.pause();
      running.child.kill(first);
      await until(() => running.output().includes('"draining"'));
      const started = Date.now();
      running.child.kill(second);
      assert.equal(await running.exit, code);
      assert.ok(Date.now() - started < 10_000, 'the second signal did not end the drain');
      assert.doesNotMatch(running.output(), /"stopped"/);
      ws.terminate();
    }
  });

  it('SIGTERM to the npm start process stops the gateway: npm waits for it, the port is free, no process is left', async () => {
    const running = await startNpm(join(dir, 'npm-sigterm.db'));
    assert.notEqual(running.descendants.length, 0, 'the gateway runs in a process of its own under npm');
    running.npm.kill('SIGTERM');
    await running.exit;
    // npm exits only after the gateway did, so the next start never meets EADDRINUSE.
    const left = running.descendants.filter(isRunning);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // a failure must not leave a gateway (and this run) hanging
    assert.deepEqual(left, [], `the gateway outlived npm:\n${running.output()}`);
    assert.equal(await portIsFree(running.port), true, 'the port is still taken');
    assert.match(running.output(), /"stopped"/);
  });

  it('Ctrl-C under npm start (SIGINT to the process group, and npm forwarding it) drains once and exits 0', async () => {
    const running = await startNpm(join(dir, 'npm-sigint.db'), { detached: true });
    const appId = /App ID\s+(\S+)/.exec(running.output())?.[1];
    const secret = /Secret\s+([0-9a-f]{64})/.exec(running.output())?.[1];
    assert.ok(appId !== undefined && secret !== undefined, `no development app in:\n${running.output()}`);
    const { ws } = await admit(running.port, appId, 'demo', createToken({ appId, secret, sessionId: 'demo' }));
    ws.pause(); // never answers the close: the drain takes its whole 2 s, and the second copy comes during it
    try {
      process.kill(-running.npm.pid!, 'SIGINT');
      assert.equal(await running.exit, 0, `the double SIGINT cut the drain short:\n${running.output()}`);
      assert.match(running.output(), /"stopped"/);
      assert.deepEqual(running.descendants.filter(isRunning), []);
      assert.equal(await portIsFree(running.port), true);
    } finally {
      ws.terminate();
    }
  });

  it('environment failures exit 1 with what failed, the path or port, and what to do (exit 2 stays for usage)', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const onEmpty = await runCli(['serve', '--port', '0', '--db', empty]);
    assert.equal(onEmpty.code, 1, onEmpty.stderr);
    assert.match(
      onEmpty.stderr,
      /ERR_DATABASE_UNAVAILABLE: .*empty\.db: the database file is empty \(0 bytes\).*--init/,
    );
    assert.equal(readFileSync(empty).length, 0, 'the empty file was taken as a new registry');

    const belowFile = await runCli(['serve', '--port', '0', '--db', join(empty, 'x.db')]);
    assert.equal(belowFile.code, 1, belowFile.stderr);
    assert.match(belowFile.stderr, /ERR_DATABASE_UNAVAILABLE: .*empty\.db\/x\.db: .*ENOTDIR.*--db/);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const inUse = await runCli([
        'serve',
        '--port',
        String(port),
        '--db',
        join(dir, 'in-use.db'),
        '--pretty',
        'false',
      ]);
      assert.equal(inUse.code, 1, inUse.stderr);
      assert.match(
        inUse.stderr,
        new RegExp(`ERR_LISTEN_FAILED: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use.*--port`),
      );
    } finally {
      taken.close();
    }
  });

  it('pretty logs into a pipe: no colour codes, one line per event', async () => {
    const running = await startServe(join(dir, 'pretty.db'), 2000, 'true');
    running.child.kill('SIGTERM');
    assert.equal(await running.exit, 0);
    const logs = running
      .output()
      .split('\n')
      .filter((l) => /^\[\d\d:\d\d/.test(l) || l.startsWith('    '));
    assert.doesNotMatch(running.output(), /\u001b\[/, 'colour codes went into a pipe');
    assert.ok(logs.length >= 3, running.output());
    for (const line of logs)
      assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR)/, `not one line: ${line}`);
    assert.ok(
      logs.some((l) => /gateway listening \{.*"port":/.test(l)),
      running.output(),
    );
  });

  it('refuses a bad port before starting', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '70000', '--db', join(dir, 'x.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /--port: must be a port number/);
  });

  it('reads --rtc-ports FIRST-LAST, and refuses another shape as a usage error', () => {
    assert.deepEqual(parseRtcPorts('40000-40999'), [40000, 40999]);
    for (const bad of ['40000', '40999-40000', '80-90', '40000-70000', '4e4-5e4'])
      assert.throws(
        () => parseRtcPorts(bad),
        (err: unknown) => err instanceof UsageError && /--rtc-ports/.test(err.message),
        bad,
      );
  });
});
