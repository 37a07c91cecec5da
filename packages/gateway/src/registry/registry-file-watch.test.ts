import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createGateway } from '../gateway.js';
import { createSqliteAppRegistry } from './sqlite-app-registry.js';
import { REGISTRY_CHECK_MS } from './registry-file-watch.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-watch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the registry file under a running gateway', () => {
  it('deleted → logged as an error within a second, /readyz 503 ERR_DATABASE_UNAVAILABLE', async () => {
    const path = join(dir, 'gateway.db');
    const registry = createSqliteAppRegistry({ path });
    let logged = '';
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      }),
    );
    const gateway = createGateway({ registry, port: 0, logger });
    const { port } = await gateway.listen();
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      unlinkSync(path);
      await new Promise((resolve) => setTimeout(resolve, REGISTRY_CHECK_MS + 300));
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { code: string }).code, 'ERR_DATABASE_UNAVAILABLE');
      const line = JSON.parse(logged.trim().split('\n')[0]!) as { level: number; msg: string };
      assert.equal(line.level, 50);
      assert.match(line.msg, /deleted/);
    } finally {
      await gateway.close({ drainMs: 0 });
      registry.close();
    }
  });
});
