import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGateway, createSqliteAppRegistry, type Gateway } from '@stagepass/gateway';
import { createVerifier, readOpenTokSessionId } from '@stagepass/token';
import { startDemoGateway, type DemoGateway } from './test-support/demo-gateway.js';

/** Every hook issue 8 lists for tests, as data-testid. */
const HOOKS = ['name', 'role', 'session', 'join', 'leave', 'status', 'signal-input', 'signal-send', 'mute-all'];
const SCRIPT_HOOKS = ['local-video', 'remote-video', 'participant', 'signal-message', 'force-disconnect'];
const MORE_SCRIPT_HOOKS = ['force-unpublish', 'force-mute', 'error', 'disable-force-mute'];

function post(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/dev/token`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('the demo routes (createGateway({ dev }))', () => {
  let demo: DemoGateway;
  let plain: Gateway;
  let plainUrl: string;
  before(async () => {
    demo = await startDemoGateway();
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    plain = createGateway({ registry, port: 0 });
    plainUrl = `http://127.0.0.1:${(await plain.listen()).port}`;
    after(() => registry.close());
  });
  after(async () => {
    await demo.close();
    await plain.close({ drainMs: 0 });
  });

  it('without dev, neither the page nor /dev/token exists (404 ERR_NOT_FOUND)', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/demo/demo.js', 'GET'],
      ['/dev/token', 'POST'],
    ] as const) {
      const res = await fetch(`${plainUrl}${path}`, { method });
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_NOT_FOUND');
    }
  });

  it('serves the page, its script and style and the client bundle, with every data-testid hook', async () => {
    const page = await fetch(`${demo.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    for (const hook of HOOKS) assert.ok(html.includes(`data-testid="${hook}"`), hook);
    const script = await (await fetch(`${demo.url}/demo/demo.js`)).text();
    assert.match(script, /from '\/demo\/stagepass-client\.min\.js'/);
    for (const hook of [...SCRIPT_HOOKS, ...MORE_SCRIPT_HOOKS])
      assert.ok(script.includes(`'${hook}'`) || html.includes(`data-testid="${hook}"`), hook);
    const bundle = await fetch(`${demo.url}/demo/stagepass-client.min.js`);
    assert.match(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
    const built = readFileSync(fileURLToPath(import.meta.resolve('@stagepass/client/stagepass-client.min.js')), 'utf8');
    assert.equal(await bundle.text(), built);
    assert.equal((await fetch(`${demo.url}/demo/demo.css`)).status, 200);
    assert.equal((await fetch(`${demo.url}/nothing-here`)).status, 404);
  });

  it('POST /dev/token mints a token for the dev app with the role, data and ttl asked for', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await post(demo.url, { sessionId: 'room-1', role: 'moderator', data: 'name=Ada', ttl: 120 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { token: string; appId: string; role: string; expireTime: number };
    assert.equal(body.appId, demo.appId);
    assert.equal(body.role, 'moderator');
    assert.ok(body.expireTime - before >= 120 && body.expireTime - before <= 121, `expireTime ${body.expireTime}`);
    const app = demo.gateway.registry.getApp(demo.appId)!;
    const verifier = createVerifier({ apps: [{ appId: demo.appId, keys: [{ secret: app.keys[0]!.secret! }] }] });
    const granted = verifier.verify(body.token, { appId: demo.appId, sessionId: 'room-1' });
    assert.equal(granted.data, 'name=Ada');
    assert.equal(granted.role, 'moderator');
    assert.equal(granted.expireTime, body.expireTime);
  });

  it('POST /dev/token with mediaMode routed swaps a session name for one routed session ID, the same for every tab', async () => {
    const ask = async (body: Record<string, unknown>) =>
      (await (await post(demo.url, { role: 'publisher', ...body })).json()) as { sessionId: string; message?: string };
    const first = await ask({ sessionId: 'standup', mediaMode: 'routed' });
    const second = await ask({ sessionId: 'standup', mediaMode: 'routed' });
    assert.equal(readOpenTokSessionId(first.sessionId)?.mediaMode, 'routed');
    assert.equal(readOpenTokSessionId(first.sessionId)?.appId, demo.appId);
    assert.equal(second.sessionId, first.sessionId);
    assert.notEqual((await ask({ sessionId: 'retro', mediaMode: 'routed' })).sessionId, first.sessionId);
    assert.equal((await ask({ sessionId: 'standup', mediaMode: 'relayed' })).sessionId, 'standup');
    assert.equal((await ask({ sessionId: 'standup' })).sessionId, 'standup');
    // An ID that already says its mode is kept as it is.
    assert.equal((await ask({ sessionId: first.sessionId, mediaMode: 'routed' })).sessionId, first.sessionId);
    const bad = await post(demo.url, { sessionId: 'standup', role: 'publisher', mediaMode: 'sfu' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /mediaMode/);
  });

  it('refuses a bad body (400 naming the field), another method (405) and a body over 16 KiB (413)', async () => {
    const bad = await post(demo.url, { sessionId: 'room 1', role: 'publisher' });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { code: string; message: string };
    assert.equal(badBody.code, 'ERR_INVALID_OPTION');
    assert.match(badBody.message, /sessionId/);
    const badRole = (await (await post(demo.url, { sessionId: 'r', role: 'admin' })).json()) as { message: string };
    assert.match(badRole.message, /role/);
    assert.equal((await post(demo.url, 'not json')).status, 400);
    assert.equal((await fetch(`${demo.url}/dev/token`)).status, 405);
    const big = await post(demo.url, { sessionId: 'r', data: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { code: string }).code, 'ERR_MESSAGE_TOO_LARGE');
  });
});
