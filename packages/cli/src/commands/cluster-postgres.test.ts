/**
 * Cluster mode's PostgreSQL half, end to end with the real `stagepass` bin: two gateways (`serve --db
 * postgres://…`) sharing one real PostgreSQL started by this test process, and `stagepass app …` against it.
 * Locally a missing PostgreSQL skips with a loud notice; under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createToken } from '@stagepass/token';
import WebSocket from 'ws';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../../../scripts/test-postgres.mjs';
import { BIN, runCli } from '../test-support/run-cli.js';

const skip = postgresSkipReason();
let server: TestPostgres | undefined;
const dir = mkdtempSync(join(tmpdir(), 'stagepass-cluster-pg-'));
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Gateway {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** `stagepass serve --port 0` with the registry in `env` (STAGEPASS_DATABASE_URL); resolves once it listens. */
async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--pretty', 'false', '--drain-ms', '500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 20_000);
    const poll = setInterval(() => {
      const line = out.split('\n').find((l) => l.includes('gateway listening'));
      if (line === undefined && child.exitCode === null) return;
      clearInterval(poll);
      clearTimeout(timer);
      if (line === undefined) reject(new Error(`serve exited:\n${out}`));
      else resolve(Number(/"port":(\d+)/.exec(line)?.[1]));
    }, 20);
  });
  return {
    child,
    port,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

type Attempt =
  { readonly admitted: true; readonly ws: WebSocket } | { readonly admitted: false; readonly code: string };

/** Opens a connection and sends `connect` once `go` resolves: admitted, or refused with a code. */
function attempt(port: number, appId: string, token: string, go: Promise<void>): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/connect?appId=${encodeURIComponent(appId)}&sessionId=room`);
    ws.once('open', () => void go.then(() => ws.send(JSON.stringify({ type: 'connect', v: 1, token }))));
    ws.once('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; code?: string };
      if (message.type === 'connected') resolve({ admitted: true, ws });
      else resolve({ admitted: false, code: message.code ?? message.type });
    });
    ws.once('close', (_code, reason) => resolve({ admitted: false, code: String(reason) }));
    ws.once('error', reject);
  });
}

function json(result: { stdout: string }): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('--db: what this build can serve', () => {
  it('a URL of another kind is a usage error (exit 2), and no file named after it is written', async () => {
    for (const url of ['mysql://root@127.0.0.1/apps', 'redis://127.0.0.1:6379', 'sqlite:///tmp/x.db']) {
      const result = await runCli(['app', 'create', '--name', 'X', '--db', url], { cwd: dir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--db: a \w+:\/\/ URL is not a registry this build can serve/);
    }
    const viaEnv = await runCli(['app', 'list'], { cwd: dir, env: { STAGEPASS_DATABASE_URL: 'mongodb://h/db' } });
    assert.equal(viaEnv.code, 2, viaEnv.stderr);
    assert.deepEqual(readdirSync(dir), [], 'nothing was written');
  });

  it('an unreachable PostgreSQL is an environment failure (exit 1) naming where, never the password', async () => {
    const url = 'postgres://stagepass:hunter2-secret@127.0.0.1:1/apps';
    for (const args of [
      ['app', 'create', '--name', 'X', '--db', url],
      ['app', 'list', '--db', url],
    ]) {
      const result = await runCli(args, { cwd: dir, neverPrinted: ['hunter2-secret'] });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /ERR_DATABASE_UNAVAILABLE/);
      assert.match(result.stderr, /127\.0\.0\.1:1\/apps/);
      assert.match(result.stderr, /ECONNREFUSED/);
    }
    const serve = await runCli(['serve', '--port', '0', '--pretty', 'false'], {
      cwd: dir,
      env: { STAGEPASS_DATABASE_URL: url },
      neverPrinted: ['hunter2-secret'],
    });
    assert.equal(serve.code, 1, serve.stderr);
    assert.match(serve.stderr, /127\.0\.0\.1:1\/apps/);
    assert.equal(existsSync(join(dir, 'postgres:')), false);
  });
});

describe('two gateways sharing one PostgreSQL', { skip }, () => {
  let env: Record<string, string>;
  let gateways: Gateway[] = [];
  before(async () => {
    env = { STAGEPASS_DATABASE_URL: await server!.createDatabase('cluster') };
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop();
  });

  it('app commands, two gateways, one single-use token at both at once: exactly one admitted; a new key admitted within 1 s', async () => {
    const created = await runCli(['app', 'create', '--name', 'Cluster', '--single-use', '--json'], { cwd: dir, env });
    assert.equal(created.code, 0, created.stderr);
    const { app, secret } = json(created) as { app: { appId: string }; secret: string };
    const listed = await runCli(['app', 'list', '--json'], { cwd: dir, env });
    assert.deepEqual(
      (json(listed).apps as { appId: string }[]).map((a) => a.appId),
      [app.appId],
    );
    assert.deepEqual(readdirSync(dir), [], 'no SQLite file was written');

    gateways = await Promise.all([startGateway(env), startGateway(env)]);
    const [a, b] = gateways as [Gateway, Gateway];
    for (const gateway of gateways) {
      assert.doesNotMatch(gateway.output(), /development app was created/, 'the apps are in PostgreSQL');
      assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/readyz`)).status, 200);
    }

    // The same single-use token at both gateways at the same instant, 10 times over.
    for (let round = 0; round < 10; round++) {
      const token = createToken({ appId: app.appId, secret, sessionId: 'room' });
      let release!: () => void;
      const go = new Promise<void>((resolve) => (release = resolve));
      const both = [attempt(a.port, app.appId, token, go), attempt(b.port, app.appId, token, go)];
      await new Promise((resolve) => setTimeout(resolve, 50)); // both sockets open, waiting
      release();
      const results = await Promise.all(both);
      assert.equal(results.filter((r) => r.admitted).length, 1, `round ${round}: ${JSON.stringify(results)}`);
      assert.deepEqual(
        results.filter((r) => !r.admitted).map((r) => (r as { code: string }).code),
        ['ERR_TOKEN_REPLAYED'],
      );
      for (const r of results) if (r.admitted) r.ws.terminate();
    }

    // A key added with `stagepass app rotate-secret` on the PostgreSQL: both running gateways admit it within 1 s.
    const rotated = await runCli(['app', 'rotate-secret', app.appId, '--json'], { cwd: dir, env });
    assert.equal(rotated.code, 0, rotated.stderr);
    const added = json(rotated) as { key: { kid: string }; secret: string };
    const committedAt = Date.now();
    for (const gateway of gateways) {
      let admitted = false;
      while (!admitted && Date.now() - committedAt < 1000) {
        const token = createToken({ appId: app.appId, secret: added.secret, kid: added.key.kid, sessionId: 'room' });
        const result = await attempt(gateway.port, app.appId, token, Promise.resolve());
        admitted = result.admitted;
        if (result.admitted) result.ws.terminate();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(admitted, true, `gateway ${gateway.port} did not admit the new key within 1 s`);
    }
    for (const gateway of gateways.splice(0)) assert.equal(await gateway.stop(), 0, gateway.output());
  });
});
