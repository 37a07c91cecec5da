import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import type * as Client from './index.js';
import { Harness, newSessionId } from './test-support/harness.js';

const bundlePath = new URL('./stagepass-client.min.js', import.meta.url).pathname;

describe('dist/stagepass-client.min.js', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  it('stays within the budget: 25 KB min+gzip', () => {
    const gzipped = gzipSync(readFileSync(bundlePath), { level: 9 }).length;
    assert.ok(gzipped <= 25 * 1024, `${gzipped} bytes min+gzip`);
  });

  it('holds no Node built-in and no signing code', () => {
    const code = readFileSync(bundlePath, 'utf8');
    assert.doesNotMatch(code, /\bnode:|require\(|createHmac|subtle\.sign|process\.env/);
  });

  it('is the SDK: it joins the real gateway and signals', async () => {
    const sdk = (await import(bundlePath)) as typeof Client;
    assert.deepEqual(Object.keys(sdk).sort(), [
      'CAPABILITIES',
      'ERR_NOT_CONNECTED',
      'ROLES',
      'StagepassError',
      'connect',
      'isStagepassError',
    ]);
    const sessionId = newSessionId();
    const session = await sdk.connect({ ...h.options(sessionId, 'publisher', { data: 'bundled' }), WebSocket });
    const got = new Promise<string>((resolve) => session.once('signal', (e) => resolve(`${e.from?.data}:${e.data}`)));
    await session.signal({ data: 'hello' });
    assert.equal(await got, 'bundled:hello');
    await session.disconnect();
  });
});
