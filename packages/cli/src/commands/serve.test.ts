import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN } from '../test-support/run-cli.js';
import { createToken } from '@stagepass/token';
import WebSocket from 'ws';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

/** Starts `stagepass serve` on a free port with its own database; resolves once it listens. */
async function startServe(db: string, drainMs = 2000): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--db', db, '--pretty', 'false', '--drain-ms', String(drainMs)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
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
      const line = out.split('\n').find((l) => l.includes('"gateway listening"'));
      if (line !== undefined) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    }, 20);
  });
  return { child, port, output: () => out, exit };
}

/** Resolves once `condition` holds (polled), or rejects after 10 s. */
function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error('timed out'));
    }, 10_000);
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
    assert.deepEqual(await closed, [1001, 'ERR_SERVER_SHUTTING_DOWN']);
    assert.equal(await first.exit, 0);
    assert.ok(!first.output().includes(token), 'the token was logged');

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
});
