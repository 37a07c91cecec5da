/**
 * End-to-end: the real `stagepass serve` takes its settings from flags, STAGEPASS_* variables and a config
 * file, prints them with --print-config, refuses every bad one with exit 2, and the running gateway obeys them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { BIN, runCli } from '../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface PrintedSetting {
  readonly key: string;
  readonly value: unknown;
  readonly unit: string | null;
  readonly source: string;
  readonly flag: string;
  readonly env: readonly string[];
  readonly variable?: string;
}

/** Opens a socket and resolves with how the gateway closed it after `send` (nothing sent when undefined). */
function closeOf(port: number, send?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/connect?appId=some-app&sessionId=some-session`);
    ws.once('open', () => {
      if (send !== undefined) ws.send(send);
    });
    ws.once('close', (code) => resolve(code));
    ws.once('error', reject);
  });
}

describe('stagepass serve settings (end to end)', () => {
  it('--print-config shows each value with its unit and source, opens nothing, and exits 0', async () => {
    const db = join(dir, 'never-created.db');
    const config = file('print.yaml', `db: ${JSON.stringify(db)}\nrateLimit:\n  burst: 40\nmaxSocketsPerIp: 9\n`);
    const result = await runCli(['serve', '--print-config', '--config', config, '--max-sockets-per-ip', '7'], {
      env: { STAGEPASS_DRAIN_MS: '1234', STAGEPASS_RATE_LIMIT_BURST: '' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const line = (key: string) => result.stdout.split('\n').find((l) => l.trimStart().startsWith(`${key} `));
    assert.match(line('maxSocketsPerIp')!, /^ {2}maxSocketsPerIp +7 sockets +flag --max-sockets-per-ip$/);
    assert.match(line('drainMs')!, /^ {2}drainMs +1234 milliseconds +env STAGEPASS_DRAIN_MS$/);
    assert.match(line('rateLimit.burst')!, new RegExp(`^ {2}rateLimit\\.burst +40 messages +file ${config}$`));
    assert.match(line('maxPayloadBytes')!, /^ {2}maxPayloadBytes +65536 bytes +default$/);
    assert.equal(existsSync(db), false, '--print-config opened the database');
  });

  it('--print-config --json: every setting, and the effective config in the shape of a config file', async () => {
    const config = file('print.json', '{"httpRateLimit": {"perSecond": 7.5}, "processMetrics": true}');
    const result = await runCli(['serve', '--print-config', '--json'], {
      env: { STAGEPASS_CONFIG: config, STAGEPASS_PORT: '0' },
    });
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as {
      file: string;
      config: Record<string, unknown>;
      settings: PrintedSetting[];
    };
    assert.equal(printed.file, config);
    const byKey = new Map(printed.settings.map((s) => [s.key, s]));
    assert.deepEqual(byKey.get('httpRateLimit.perSecond'), {
      key: 'httpRateLimit.perSecond',
      value: 7.5,
      unit: 'requests per second',
      source: 'file',
      flag: '--http-rate-limit-per-second',
      env: ['STAGEPASS_HTTP_RATE_LIMIT_PER_SECOND'],
    });
    assert.equal(byKey.get('port')?.source, 'env');
    assert.equal(byKey.get('port')?.variable, 'STAGEPASS_PORT');
    assert.deepEqual(printed.config.httpRateLimit, { perSecond: 7.5, burst: 200 });
    assert.equal(printed.config.processMetrics, true);
    assert.equal(printed.config.port, 0);
    // What it printed is a config file serve takes back as is.
    const again = file('again.json', JSON.stringify(printed.config));
    const reread = await runCli(['serve', '--print-config', '--json', '--config', again]);
    assert.equal(reread.code, 0, reread.stderr);
    const values = (out: string) =>
      (JSON.parse(out) as { settings: PrintedSetting[] }).settings.map((s) => [s.key, s.value]);
    assert.deepEqual(values(reread.stdout), values(result.stdout));
  });

  it('exits 2 naming every bad setting; with --json the error lists them as issues', async () => {
    const config = file('bad.yaml', 'maxPayloadBytes: 1000\nratelimit:\n  burst: 5\n');
    const result = await runCli(['serve', '--config', config, '--json', '--drain-ms', 'soon'], {
      env: { STAGEPASS_IDLE_TIMEOUT_MS: '1.5' },
    });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      [
        'error: 4 bad settings:',
        `  ${config}:2: ratelimit: is not a setting (did you mean rateLimit?)`,
        `  ${config}:1: maxPayloadBytes: must be a whole number of bytes from 16384 to 16777216 (got 1000)`,
        '  STAGEPASS_IDLE_TIMEOUT_MS: must be a whole number of milliseconds from 10 to 2147483647 (got "1.5")',
        '  --drain-ms: must be a whole number of milliseconds from 0 to 2147483647 (got "soon")',
        'Run "stagepass serve --help".',
        '',
      ].join('\n'),
    );
    const error = JSON.parse(result.stdout) as { code: string; option: string; issues: unknown[] };
    assert.equal(error.code, 'ERR_INVALID_OPTION');
    assert.equal(error.option, `${config}:2: ratelimit`);
    assert.equal(error.issues.length, 4);
    assert.deepEqual(error.issues[3], {
      option: '--drain-ms',
      message: 'must be a whole number of milliseconds from 0 to 2147483647 (got "soon")',
    });
  });

  it('refuses an unknown STAGEPASS_* variable (exit 2), with the closest known name', async () => {
    const result = await runCli(['serve', '--print-config'], {
      env: { STAGEPASS_MAX_PAYLAD_BYTES: '32768', STAGEPASS_APP_ID: 'known-elsewhere' },
    });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'error: STAGEPASS_MAX_PAYLAD_BYTES is not a stagepass variable (did you mean STAGEPASS_MAX_PAYLOAD_BYTES?); ' +
        'unset it, or see "stagepass serve --help"\nRun "stagepass serve --help".\n',
    );
    // The other commands read their own variables only, and let others be.
    const other = await runCli(['token', 'inspect', 'x'], { env: { STAGEPASS_MAX_PAYLAD_BYTES: '1' } });
    assert.doesNotMatch(other.stderr, /STAGEPASS_MAX_PAYLAD_BYTES/);
  });

  it('the running gateway obeys settings from each source (file: message size, variable: admission time)', async () => {
    const config = file('run.yaml', `maxPayloadBytes: 16384\ndb: ${JSON.stringify(join(dir, 'run.db'))}\n`);
    const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--port', '0', '--pretty', 'false'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', STAGEPASS_ADMISSION_TIMEOUT_MS: '300', STAGEPASS_LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 15_000);
        const poll = setInterval(() => {
          const line = out.split('\n').find((l) => l.includes('"gateway listening"'));
          if (line === undefined) return;
          clearInterval(poll);
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }, 20);
      });
      // 20 000 bytes: under the default 64 KiB, over the file's 16 KiB.
      assert.equal(await closeOf(port, 'x'.repeat(20_000)), 1009);
      const started = performance.now();
      assert.equal(await closeOf(port), 4017);
      // The default admission time is 10 s: a close well before it is the variable's 300 ms.
      assert.ok(performance.now() - started < 5000, 'closed 4017 long after 300 ms');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exit, 0, out);
    }
  });
});
