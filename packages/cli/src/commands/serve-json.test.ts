/**
 * `stagepass serve --json` as a tool reads it: one JSON line with where it listens and, on a first
 * start, the development app's credentials; and apps created or changed with `stagepass app …` on the
 * same database while it runs take effect without a restart (docs/protocol.md "Edge cases").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createToken } from '@stagepass/token';
import WebSocket from 'ws';
import { BIN, runCli } from '../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Banner {
  readonly url: string;
  readonly port: number;
  readonly devApp?: { readonly appId: string; readonly kid: string; readonly secret: string };
}

/** Connects with a token for the app; resolves 'connected' or the close reason. */
function admission(url: string, appId: string, secret: string, origin?: string): Promise<string> {
  const sessionId = `json-${Math.random().toString(36).slice(2)}`;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/connect?appId=${appId}&sessionId=${sessionId}`, {
    ...(origin === undefined ? {} : { origin }),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connect', v: 1, token: createToken({ appId, secret, sessionId }) })),
    );
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connected') {
        ws.close(1000);
        resolve('connected');
      }
    });
    ws.once('close', (_code, reason) => resolve(reason.toString()));
    ws.once('error', reject);
  });
}

describe('stagepass serve --json', () => {
  it("prints one JSON line with url and the development app's credentials; apps made meanwhile with `app …` work at once", async () => {
    const db = join(dir, 'first.db');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--json', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const banner = await new Promise<Banner>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner line:\n${out}`)), 10_000);
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          const line = out.split('\n').find((l) => l.includes('"url"'));
          if (line !== undefined) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as Banner);
          }
        });
      });
      assert.match(banner.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(banner.devApp !== undefined, 'a first start names its development app');
      assert.equal(banner.devApp.kid, 'k1');
      assert.equal(await admission(banner.url, banner.devApp.appId, banner.devApp.secret), 'connected');

      // `stagepass app create` on the same database, while serve runs: admitted at the first try.
      const created = await runCli(['app', 'create', '--name', 'while serving', '--db', db, '--json']);
      assert.equal(created.code, 0, created.stderr);
      const { app, secret } = JSON.parse(created.stdout) as { app: { appId: string }; secret: string };
      assert.equal(await admission(banner.url, app.appId, secret), 'connected');
      const set = await runCli(['app', 'set', app.appId, '--origin', 'https://ok.example', '--db', db]);
      assert.equal(set.code, 0, set.stderr);
      assert.equal(await admission(banner.url, app.appId, secret), 'ERR_ORIGIN_NOT_ALLOWED');
      assert.equal(await admission(banner.url, app.appId, secret, 'https://ok.example'), 'connected');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
