import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { NOW_MS, NOW_S, assertRejected, clock, open, tempDatabases } from './test-support/registry-fixtures.js';

const REGISTRY_MODULE = new URL('./sqlite-app-registry.js', import.meta.url).href;
const { dbPath } = tempDatabases();

describe('ReplayGuard', () => {
  it('a token ID claims once per app; expired IDs are purged lazily', async () => {
    const time = clock();
    const registry = open({ now: time.now });
    const { app } = registry.createApp({ name: 'Single use' });
    const other = registry.createApp({ name: 'Other' }).app;
    assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), true);
    assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), false);
    assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 9999), false);
    assert.equal(await registry.claim(other.appId, 'jti-1', NOW_S + 60), true, 'per app');
    await assertRejected(registry.claim(app.appId, 'a b', NOW_S), 'ERR_INVALID_OPTION', 'tokenId');
    await assertRejected(registry.claim(app.appId, 'j'.repeat(513), NOW_S), 'ERR_INVALID_OPTION', 'tokenId');
    assert.equal(
      await registry.claim(app.appId, `app-jwt:${'j'.repeat(256)}`, NOW_S + 60),
      true,
      'room for a namespace prefix',
    );
    await assertRejected(registry.claim(app.appId, 'j', NOW_MS), 'ERR_INVALID_OPTION', 'expireTime');
    assert.equal(registry.getAppVersion(app.appId), 1, 'claims are not app changes');

    time.advance((60 + 301) * 1000); // past expiry + the largest clock tolerance
    for (let i = 0; i < 1000; i++) await registry.claim(app.appId, `filler-${i}`, NOW_S + 99_999);
    assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), true, 'the expired ID was purged');
    registry.close();
  });

  it('two registries on one file: exactly one of two claims wins', async () => {
    const path = dbPath();
    const a = open({ path });
    const b = open({ path });
    const { app } = a.createApp({ name: 'Shared' });
    const results = await Promise.all([
      a.claim(app.appId, 'jti-x', NOW_S + 60),
      b.claim(app.appId, 'jti-x', NOW_S + 60),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
    a.close();
    b.close();
  });

  it('four threads claiming one ID at the same instant: exactly one wins', async () => {
    const path = dbPath();
    const setup = open({ path });
    const { app } = setup.createApp({ name: 'Race' });
    setup.close();
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.module).then(({ createSqliteAppRegistry }) => {
        const registry = createSqliteAppRegistry({ path: workerData.path, now: () => workerData.now });
        parentPort.postMessage('ready');
        Atomics.wait(workerData.gate, 0, 0);
        return registry.claim(workerData.appId, 'jti-race', workerData.expireTime).then((won) => {
          registry.close();
          parentPort.postMessage(won);
        });
      });`;
    const workers = Array.from(
      { length: 4 },
      () =>
        new Worker(code, {
          eval: true,
          workerData: { module: REGISTRY_MODULE, path, appId: app.appId, gate, now: NOW_MS, expireTime: NOW_S + 60 },
        }),
    );
    const results = workers.map(
      (worker) =>
        new Promise<boolean>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (message: unknown) => {
            if (typeof message === 'boolean') resolve(message);
          });
        }),
    );
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const won = await Promise.all(results);
    assert.equal(won.filter(Boolean).length, 1, `results: ${won.join(', ')}`);
    await Promise.all(workers.map((worker) => worker.terminate()));
  });
});
