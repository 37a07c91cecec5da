/**
 * The REST and registry cases docs/protocol.md decides: `POST /sessions` with an ID that exists, the
 * bodies of 404/405/415, what an app JWT's times are measured against, and apps changed by another
 * process sharing the database file (as `stagepass app …` does while `stagepass serve` runs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppJwt, createToken } from '@stagepass/token';
import { createGateway } from './gateway.js';
import { createSqliteAppRegistry } from './registry/sqlite-app-registry.js';
import { resign } from './test-support/forge-token.js';
import { TestGateway, newSessionId, type HttpAnswer } from './test-support/test-gateway.js';
import { TestClient } from './test-support/test-client.js';
import { PROTOCOL_VERSION } from '@stagepass/protocol';

/** The gateway's clock stands still at this whole second: app JWT boundaries are exact. */
const T = Math.floor(Date.now() / 1000);

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start({ now: () => T * 1000 });
});
after(() => tg.stop());

function bearer(jwt = createAppJwt({ appId: tg.app.appId, secret: tg.app.secret, now: T })) {
  return { authorization: `Bearer ${jwt}` };
}

/** An app JWT with `iat` and `exp` as given (signed with the app's secret). */
function jwtWith(gateway: TestGateway, iat: number, exp: number): string {
  const base = createAppJwt({ appId: gateway.app.appId, secret: gateway.app.secret, now: T });
  const header = JSON.parse(Buffer.from(base.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return resign(
    base,
    gateway.app.secret,
    (claims) => {
      claims.iat = iat;
      claims.exp = exp;
    },
    header,
  );
}

async function createSession(body: unknown): Promise<HttpAnswer> {
  return tg.http(`/v1/apps/${tg.app.appId}/sessions`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('edge cases: REST', () => {
  it('POST /sessions with an ID that exists: 200 with its own createdAt (201 only when created)', async () => {
    const sessionId = newSessionId('rest');
    const created = await createSession({ sessionId });
    assert.equal(created.status, 201);
    const again = await createSession({ sessionId });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json(), created.json());
    assert.equal(again.headers.get('location'), created.headers.get('location'));
    // Without an ID, always a new session.
    const fresh = await createSession({});
    assert.equal(fresh.status, 201);
    assert.notEqual(fresh.json().sessionId, created.json().sessionId);
  });

  it('404, 405 and 415 answer a JSON {code, message}: ERR_NOT_FOUND, ERR_MESSAGE_INVALID (with allow), ERR_MESSAGE_INVALID', async () => {
    const base = `/v1/apps/${tg.app.appId}`;
    const cases: readonly [string, RequestInit, number, string][] = [
      [`${base}/nothing-here`, { headers: bearer() }, 404, 'ERR_NOT_FOUND'],
      ['/no/such/path', {}, 404, 'ERR_NOT_FOUND'],
      [`${base}/sessions`, { method: 'GET', headers: bearer() }, 405, 'ERR_MESSAGE_INVALID'],
      [
        `${base}/sessions`,
        { method: 'POST', headers: { ...bearer(), 'content-type': 'text/plain' }, body: '{}' },
        415,
        'ERR_MESSAGE_INVALID',
      ],
    ];
    for (const [path, init, status, code] of cases) {
      const answer = await tg.http(path, init);
      assert.equal(answer.status, status, path);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
      const body = answer.json();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message'], path);
      assert.equal(body.code, code, path);
    }
    const wrongMethod = await tg.http(`${base}/sessions`, { method: 'GET' });
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
  });

  it("an app JWT's exp is measured from the gateway's clock (not from iat): at most 300 s + the clock tolerance ahead", async () => {
    const status = async (iat: number, exp: number) =>
      (await tg.http(`/v1/apps/${tg.app.appId}/sessions/none`, { headers: bearer(jwtWith(tg, iat, exp)) })).status;
    // Issued an hour ago, expiring in 4 min: accepted (404: the session does not exist, the JWT passed).
    assert.equal(await status(T - 3600, T + 240), 404);
    assert.equal(await status(T, T + 330), 404, 'exp = now + 300 s + 30 s tolerance');
    const tooFar = await tg.http(`/v1/apps/${tg.app.appId}/sessions/none`, {
      headers: bearer(jwtWith(tg, T, T + 331)),
    });
    assert.deepEqual([tooFar.status, tooFar.json().code], [401, 'ERR_AUTH_EXPIRED']);
    // iat: at most the tolerance in the future.
    assert.equal(await status(T + 30, T + 60), 404);
    const future = await tg.http(`/v1/apps/${tg.app.appId}/sessions/none`, {
      headers: bearer(jwtWith(tg, T + 31, T + 60)),
    });
    assert.deepEqual([future.status, future.json().code], [401, 'ERR_AUTH_INVALID']);
    // Expired up to the tolerance ago: still accepted; beyond it, ERR_AUTH_EXPIRED.
    assert.equal(await status(T - 100, T - 30 + 1), 404);
    assert.equal(await status(T - 100, T - 30), 401);
  });

  it("the gateway's clockTolerance is the app JWTs' tolerance too", async () => {
    const strict = await TestGateway.start({ now: () => T * 1000, clockTolerance: 0 });
    try {
      const status = async (iat: number, exp: number) =>
        (
          await strict.http(`/v1/apps/${strict.app.appId}/sessions/none`, {
            headers: bearer(jwtWith(strict, iat, exp)),
          })
        ).status;
      assert.equal(await status(T, T + 300), 404);
      assert.equal(await status(T, T + 301), 401);
      assert.equal(await status(T + 1, T + 60), 401);
    } finally {
      await strict.stop();
    }
  });
});

describe('edge cases: apps changed by another process while the gateway runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagepass-edge-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a new app, a settings change and a key rotation take effect at the next admission and request (no restart)', async () => {
    const path = join(dir, 'shared.db');
    const served = createSqliteAppRegistry({ path });
    // The CLI's `stagepass app …`: another registry on the same file (its own SQLite connection).
    const cli = createSqliteAppRegistry({ path });
    const gateway = createGateway({ registry: served, port: 0, metricsCacheMs: 0 });
    const { host, port } = await gateway.listen();
    const clients: TestClient[] = [];
    const attempt = async (appId: string, secret: string, origin?: string) => {
      const sessionId = newSessionId('shared');
      const client = new TestClient(
        `ws://${host}:${port}/v1/connect?appId=${appId}&sessionId=${sessionId}`,
        origin === undefined ? {} : { origin },
      );
      clients.push(client);
      await client.opened;
      client.send({ type: 'connect', v: PROTOCOL_VERSION, token: createToken({ appId, secret, sessionId }) });
      const outcome = await Promise.race([client.next('connected').then(() => 'connected'), client.closed]);
      return typeof outcome === 'string' ? outcome : outcome.reason;
    };
    try {
      const { app, secret } = cli.createApp({ name: 'made while serving' });
      assert.equal(await attempt(app.appId, secret), 'connected');
      const rest = await fetch(`http://${host}:${port}/v1/apps/${app.appId}/sessions`, {
        method: 'POST',
        headers: { ...bearer(createAppJwt({ appId: app.appId, secret })), 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(rest.status, 201);
      cli.updateSettings(app.appId, { allowedOrigins: ['https://ok.example'] });
      assert.equal(await attempt(app.appId, secret), 'ERR_ORIGIN_NOT_ALLOWED');
      assert.equal(await attempt(app.appId, secret, 'https://ok.example'), 'connected');
      const rotated = cli.rotateSecret(app.appId);
      cli.retireKey(app.appId, 'k1');
      assert.equal(await attempt(app.appId, secret, 'https://ok.example'), 'ERR_TOKEN_SIGNATURE_INVALID');
      assert.equal(await attempt(app.appId, rotated.secret, 'https://ok.example'), 'connected');
    } finally {
      for (const client of clients) client.ws.terminate();
      await gateway.close({ drainMs: 200 });
      cli.close();
      served.close();
    }
  });
});
