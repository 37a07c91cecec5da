import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { NOW_MS, NOW_S, open, tempDatabases } from './test-support/registry-fixtures.js';

const REGISTRY_MODULE = new URL('./sqlite-app-registry.js', import.meta.url).href;
const { dbPath } = tempDatabases();

describe('ReplayGuard', () => {
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
