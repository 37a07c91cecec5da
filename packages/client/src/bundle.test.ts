import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import type * as Client from './index.js';
import type * as OTModule from './ot/index.js';
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

  describe('the OT facade bundles', () => {
    const otScript = new URL('./stagepass-ot.min.js', import.meta.url).pathname;
    const otModule = new URL('./stagepass-ot.esm.min.js', import.meta.url).pathname;

    it('stay within the budget: 20 KB min+gzip each, no Node built-in, no signing code, no @opentok', () => {
      for (const file of [otScript, otModule]) {
        const code = readFileSync(file);
        assert.ok(gzipSync(code, { level: 9 }).length <= 20 * 1024, `${file}: ${gzipSync(code).length} bytes`);
        assert.doesNotMatch(code.toString(), /\bnode:|require\(|createHmac|subtle\.sign|process\.env|@opentok/);
      }
    });

    it('the classic script sets the global OT, as opentok.min.js does', () => {
      const sandbox: { OT?: typeof OTModule.OT } = {};
      runInNewContext(readFileSync(otScript, 'utf8'), sandbox);
      assert.equal(typeof sandbox.OT?.initSession, 'function');
      assert.equal(typeof sandbox.OT?.initPublisher, 'function');
      assert.equal(sandbox.OT?.ExceptionCodes.AUTHENTICATION_ERROR, 1004);
    });

    it('the ESM one is the facade: its default OT joins the real gateway and signals', async () => {
      const { default: OT } = (await import(otModule)) as typeof OTModule;
      const sessionId = newSessionId();
      const session = OT.initSession(h.appId, sessionId, { url: h.url, WebSocket });
      await session.connect.promise(h.token(sessionId, { data: 'bundled' }));
      const got = new Promise<string>((resolve) =>
        session.once('signal:hi', (e) => resolve(`${e.from?.data}:${e.data}`)),
      );
      await session.signal({ type: 'hi', data: 'hello' });
      assert.equal(await got, 'bundled:hello');
      await session.disconnect();
    });
  });
});
