import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toUnixSeconds } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import { runCli } from '../test-support/run-cli.js';
import { UsageError } from '../usage-error.js';
import { renderServe, serve, type ServeOptions } from './serve.js';
import { checkDevHost, isLoopbackHost } from './serve-dev.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-dev-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io: CommandIo = {
  env: {},
  readStdin: async () => '',
  readFile: async () => '',
  now: () => toUnixSeconds(Date.now()),
  programName: 'stagepass',
  warn: () => {},
};
let dbs = 0;
const options = (more: Partial<ServeOptions>): ServeOptions => ({
  host: '127.0.0.1',
  port: '0',
  db: join(dir, `serve-${++dbs}.db`),
  logLevel: 'silent',
  pretty: 'false',
  drainMs: 0,
  init: false,
  ...more,
});

describe('stagepass serve --dev', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1'])
      assert.equal(isLoopbackHost(host), false, host);
  });

  it('refuses a non-loopback --host unless --dev-allow-remote (usage error naming --dev)', () => {
    assert.throws(
      () => checkDevHost('0.0.0.0', false),
      (err: unknown) => err instanceof UsageError && /--dev-allow-remote/.test(err.message),
    );
    checkDevHost('0.0.0.0', true);
    checkDevHost('127.0.0.1', false);
  });

  it('exits 2 for --dev --host 0.0.0.0 before opening anything', async () => {
    const result = await runCli(['serve', '--dev', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'never.db')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--dev: .*loopback only.*--dev-allow-remote/);
  });

  it('serves the demo page and POST /dev/token for the development app; without --dev both are 404', async () => {
    const db = join(dir, 'dev.db');
    const running = await serve(options({ db, dev: true }), io);
    try {
      assert.equal(running.demoUrl, `${running.url}/`);
      assert.match(renderServe(running).text, /Demo page: http:\/\/127\.0\.0\.1:\d+\//);
      const page = await fetch(running.demoUrl!);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /data-testid="join"/);
      const res = await fetch(`${running.url}/dev/token`, {
        method: 'POST',
        body: JSON.stringify({ sessionId: 'room-1', role: 'subscriber', data: 'name=Ada', ttl: 60 }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { appId: string; role: string };
      assert.equal(body.appId, running.devApp!.appId, 'the development app of the first start');
      assert.equal(body.role, 'subscriber');
    } finally {
      await running.stop('SIGTERM');
    }
    const plain = await serve(options({ db }), io);
    try {
      assert.equal(plain.demoUrl, undefined);
      assert.equal((await fetch(`${plain.url}/`)).status, 404);
      assert.equal((await fetch(`${plain.url}/dev/token`, { method: 'POST', body: '{}' })).status, 404);
    } finally {
      await plain.stop('SIGTERM');
    }
    // A restart with --dev finds the same development app again (no second app).
    const again = await serve(options({ db, dev: true }), io);
    try {
      const res = await fetch(`${again.url}/dev/token`, { method: 'POST', body: JSON.stringify({ sessionId: 'r' }) });
      assert.equal(again.devApp, undefined);
      assert.equal(((await res.json()) as { appId: string }).appId.length > 0, true);
    } finally {
      await again.stop('SIGTERM');
    }
  });
});
