/**
 * Admission over real sockets: every refusal with its close code and the code as reason, the 400s
 * before the upgrade, single use (also two sockets at the same instant), revocation, eject at expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES, PROTOCOL_VERSION, type ErrorCode } from '@stagepass/protocol';
import { createAppJwt, createToken } from '@stagepass/token';
import { claimsOf, resign } from './test-support/forge-token.js';
import { HeldJoins } from './test-support/held-joins.js';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

const nowS = () => Math.floor(Date.now() / 1000);

function expectClose(info: { code: number; reason: string }, code: ErrorCode): void {
  assert.deepEqual(info, { code: ERROR_CODES[code].closeCode, reason: code });
}

describe("gateway admission: refusals close with the code's close code and the code as reason", () => {
  it('ERR_APP_UNKNOWN (4012): no app under the App ID in the URL', async () => {
    const sessionId = newSessionId();
    expectClose(await tg.refusal(sessionId, { urlAppId: 'no-such-app' }), 'ERR_APP_UNKNOWN');
  });

  it('ERR_ORIGIN_NOT_ALLOWED (4016): another origin, or no Origin at all, when the app lists origins', async () => {
    const app = tg.createApp({ allowedOrigins: ['https://ok.example'] });
    const sessionId = newSessionId();
    expectClose(
      await tg.refusal(sessionId, { app, client: { origin: 'https://evil.example' } }),
      'ERR_ORIGIN_NOT_ALLOWED',
    );
    expectClose(await tg.refusal(sessionId, { app }), 'ERR_ORIGIN_NOT_ALLOWED');
    expectClose(
      await tg.refusal(sessionId, { app, client: { origin: 'https://ok.example:8443' } }),
      'ERR_ORIGIN_NOT_ALLOWED',
    );
    const admitted = await tg.join(sessionId, { app, client: { origin: 'https://ok.example' } });
    assert.equal(admitted.connected.sessionId, sessionId);
    // An app without a list admits any origin, and clients without one.
    await tg.join(sessionId, { client: { origin: 'https://anything.example' } });
  });

  it('token codes: expired, not yet valid, session mismatch, app mismatch, bad signature, malformed, too large', async () => {
    const sessionId = newSessionId();
    const cases: readonly [string, ErrorCode][] = [
      [tg.token({ sessionId, now: nowS() - 7200, ttl: 3600 }), 'ERR_TOKEN_EXPIRED'],
      [tg.token({ sessionId, notBefore: nowS() + 3600, ttl: 7200 }), 'ERR_TOKEN_NOT_YET_VALID'],
      [tg.token({ sessionId: 'another-session' }), 'ERR_TOKEN_SESSION_MISMATCH'],
      [createToken({ appId: 'some-other-app', secret: tg.app.secret, sessionId }), 'ERR_TOKEN_APP_MISMATCH'],
      [tg.token({ sessionId, app: { appId: tg.app.appId, secret: 'x'.repeat(40) } }), 'ERR_TOKEN_SIGNATURE_INVALID'],
      [tg.token({ sessionId, app: tg.createApp() }), 'ERR_TOKEN_SIGNATURE_INVALID'],
      ['not-a-token', 'ERR_TOKEN_MALFORMED'],
      ['é'.repeat(4200), 'ERR_TOKEN_TOO_LARGE'],
      // Longer than 8 KiB in characters too (a ~12 KB OpenTok T1 token): 4001, not the validator's 4019.
      ['T1==' + 'x'.repeat(12_000), 'ERR_TOKEN_TOO_LARGE'],
      ['x'.repeat(8193), 'ERR_TOKEN_TOO_LARGE'],
    ];
    for (const [token, code] of cases) {
      expectClose(await tg.refusal(sessionId, { token }), code);
    }
  });

  it('token codes from altered claims: algorithm, claim, lifetime', async () => {
    const sessionId = newSessionId();
    const base = tg.token({ sessionId });
    const cases: readonly [string, ErrorCode][] = [
      [resign(base, tg.app.secret, () => {}, { alg: 'RS256', typ: 'JWT' }), 'ERR_TOKEN_ALGORITHM_NOT_ALLOWED'],
      [
        resign(base, tg.app.secret, (c) => {
          c.role = 'admin';
        }),
        'ERR_TOKEN_CLAIM_INVALID',
      ],
      [
        resign(base, tg.app.secret, (c) => {
          c.scope = 'session.admin';
        }),
        'ERR_TOKEN_CLAIM_INVALID',
      ],
      [
        resign(base, tg.app.secret, (c) => {
          c.exp = (c.iat as number) + 31 * 24 * 3600;
          c.expire_time = c.exp;
        }),
        'ERR_TOKEN_LIFETIME_TOO_LONG',
      ],
    ];
    for (const [token, code] of cases) {
      expectClose(await tg.refusal(sessionId, { token }), code);
    }
    // The unaltered token is fine.
    await tg.join(sessionId, { token: base });
  });

  it('legacy T1 tokens: ERR_TOKEN_FORMAT_DISABLED (4011) unless the app enables legacyT1', async () => {
    const sessionId = newSessionId();
    expectClose(await tg.refusal(sessionId, { format: 'opentok-t1', role: 'moderator' }), 'ERR_TOKEN_FORMAT_DISABLED');
    const legacy = tg.createApp({ legacyT1: true });
    const joined = await tg.join(sessionId, { app: legacy, format: 'opentok-t1', role: 'moderator', data: 'name=T1' });
    assert.equal(joined.connected.role, 'moderator');
    assert.equal(joined.connected.connection.data, 'name=T1');
  });
});

describe('gateway admission: revocation, single use, session size', () => {
  it('ERR_TOKEN_REVOKED (4014): a revoked token ID, or every token issued before a time', async () => {
    const sessionId = newSessionId();
    const token = tg.token({ sessionId });
    tg.registry.revoke(tg.app.appId, {
      kind: 'token',
      tokenId: claimsOf(token).jti as string,
      expireTime: claimsOf(token).exp as number,
    });
    expectClose(await tg.refusal(sessionId, { token }), 'ERR_TOKEN_REVOKED');
    await tg.join(sessionId);

    const app = tg.createApp();
    const old = tg.token({ sessionId, app, now: nowS() - 60 });
    tg.registry.revoke(app.appId, { kind: 'issuedBefore', sessionId, issuedBefore: nowS() - 10 });
    expectClose(await tg.refusal(sessionId, { app, token: old }), 'ERR_TOKEN_REVOKED');
    await tg.join(sessionId, { app });
  });

  it('revocation through the REST API closes matching connections with 4014 ERR_TOKEN_REVOKED', async () => {
    const sessionId = newSessionId();
    const token = tg.token({ sessionId });
    const victim = await tg.join(sessionId, { token });
    const bystander = await tg.join(sessionId);
    const { jti, exp } = claimsOf(token);
    const answer = await tg.http(`/v1/apps/${tg.app.appId}/revocations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${createAppJwt({ appId: tg.app.appId, secret: tg.app.secret })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ tokenId: jti, expireTime: exp }),
    });
    assert.equal(answer.status, 204, answer.text);
    expectClose(await victim.client.closedWithin(), 'ERR_TOKEN_REVOKED');
    assert.equal((await bystander.client.next('connectionDestroyed')).connectionId, victim.id);
    expectClose(await tg.refusal(sessionId, { token }), 'ERR_TOKEN_REVOKED');
  });

  it('single-use tokens: a token admits once, ever (ERR_TOKEN_REPLAYED, 4013)', async () => {
    const app = tg.createApp({ singleUseTokens: true });
    const sessionId = newSessionId();
    const token = tg.token({ sessionId, app });
    const first = await tg.join(sessionId, { app, token });
    expectClose(await tg.refusal(sessionId, { app, token }), 'ERR_TOKEN_REPLAYED');
    first.client.close(1000);
    await first.client.closed;
    expectClose(await tg.refusal(sessionId, { app, token }), 'ERR_TOKEN_REPLAYED');
    // Another token of the same app is fine; an app without single use admits a token twice.
    await tg.join(sessionId, { app });
    const reusable = tg.token({ sessionId });
    await tg.join(sessionId, { token: reusable });
    await tg.join(sessionId, { token: reusable });
  });

  it('single-use tokens: two sockets presenting one token at the same instant → exactly one admitted, the other 4013', async () => {
    const app = tg.createApp({ singleUseTokens: true });
    for (let round = 0; round < 5; round++) {
      const sessionId = newSessionId();
      const token = tg.token({ sessionId, app });
      const sockets = [tg.open(sessionId, app.appId), tg.open(sessionId, app.appId)];
      await Promise.all(sockets.map((s) => s.opened));
      for (const socket of sockets) socket.send({ type: 'connect', v: PROTOCOL_VERSION, token });
      const outcomes = await Promise.all(
        sockets.map((s) =>
          Promise.race([
            s.next('connected').then(() => 'admitted'),
            s.closed.then((info) => `${info.code} ${info.reason}`),
          ]),
        ),
      );
      assert.deepEqual(outcomes.sort(), ['4013 ERR_TOKEN_REPLAYED', 'admitted']);
    }
  });

  it("ERR_SESSION_FULL (4015): past the app's maxConnectionsPerSession", async () => {
    const app = tg.createApp({ maxConnectionsPerSession: 2 });
    const sessionId = newSessionId();
    await tg.join(sessionId, { app });
    const second = await tg.join(sessionId, { app });
    expectClose(await tg.refusal(sessionId, { app }), 'ERR_SESSION_FULL');
    // Another session of the app is not affected; a freed place admits again.
    await tg.join(newSessionId(), { app });
    second.client.close(1000);
    await second.client.closed;
    await tg.join(sessionId, { app });
  });
});

describe('gateway admission: the first message, the upgrade, metrics, key changes', () => {
  it('ERR_PROTOCOL_VERSION (4018) for another v; ERR_MESSAGE_INVALID (4019) for a first message that is not a valid connect', async () => {
    const sessionId = newSessionId();
    const token = tg.token({ sessionId });
    const firstMessages: readonly [(c: ReturnType<TestGateway['open']>) => void, ErrorCode][] = [
      [(c) => c.send({ type: 'connect', v: PROTOCOL_VERSION + 1, token }), 'ERR_PROTOCOL_VERSION'],
      [(c) => c.send({ type: 'publish', hasAudio: true, hasVideo: true }), 'ERR_MESSAGE_INVALID'],
      [(c) => c.send({ type: 'connect', v: PROTOCOL_VERSION, token, extra: 1 }), 'ERR_MESSAGE_INVALID'],
      [(c) => c.send({ type: 'connect', v: PROTOCOL_VERSION }), 'ERR_MESSAGE_INVALID'],
      [(c) => c.sendText('{"type":"connect",'), 'ERR_MESSAGE_INVALID'],
      [
        (c) => c.ws.send(Buffer.from(JSON.stringify({ type: 'connect', v: PROTOCOL_VERSION, token }))),
        'ERR_MESSAGE_INVALID',
      ],
    ];
    for (const [send, code] of firstMessages) {
      const client = tg.open(sessionId);
      await client.opened;
      send(client);
      expectClose(await client.closedWithin(), code);
      assert.equal(client.received.length, 0, 'nothing is sent before connected');
    }
  });

  it('refuses a malformed upgrade before it, with a plain HTTP status and {"code"}', async () => {
    const appId = encodeURIComponent(tg.app.appId);
    const cases: readonly [string, number, ErrorCode][] = [
      [`/v1/connect?sessionId=s1`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}&sessionId=a&sessionId=b`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}&appId=${appId}&sessionId=s1`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}&sessionId=has%20space`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}&sessionId=`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${appId}&sessionId=${'x'.repeat(513)}`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${'a'.repeat(257)}&sessionId=s1`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/other?appId=${appId}&sessionId=s1`, 404, 'ERR_NOT_FOUND'],
      [`/v1/connect/extra?appId=${appId}&sessionId=s1`, 404, 'ERR_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const client = tg.openPath(path);
      const err = await client.opened.then(
        () => undefined,
        (e: { status?: number; body?: string }) => e,
      );
      assert.ok(err !== undefined, `${path} was upgraded`);
      assert.equal(err.status, status, path);
      assert.equal(JSON.parse(err.body!).code, code, path);
    }
    // Longest valid IDs pass the URL check (and then meet admission).
    const longest = tg.openPath(`/v1/connect?appId=${'a'.repeat(256)}&sessionId=${'x'.repeat(512)}`);
    await longest.opened;
    longest.send({ type: 'connect', v: PROTOCOL_VERSION, token: 'x' });
    expectClose(await longest.closedWithin(), 'ERR_APP_UNKNOWN');
    // A plain GET of the connect path is not an upgrade.
    const plain = await tg.http(`/v1/connect?appId=${appId}&sessionId=s1`);
    assert.equal(plain.status, 400);
    assert.equal(plain.json().code, 'ERR_INVALID_OPTION');
  });

  it('counts every admission by result on /metrics', async () => {
    const refusedBefore = await tg.metric('stagepass_admissions_total', 'result="ERR_APP_UNKNOWN"');
    const okBefore = await tg.metric('stagepass_admissions_total', 'result="ok"');
    const sessionId = newSessionId();
    await tg.refusal(sessionId, { urlAppId: 'unknown-app-for-metrics' });
    await tg.join(sessionId);
    assert.equal(await tg.metric('stagepass_admissions_total', 'result="ERR_APP_UNKNOWN"'), refusedBefore + 1);
    assert.equal(await tg.metric('stagepass_admissions_total', 'result="ok"'), okBefore + 1);
    assert.ok((await tg.metric('stagepass_admissions_total', 'result="ERR_TOKEN_EXPIRED"')) >= 1);
    assert.ok((await tg.metric('stagepass_closes_total', 'code="4012"')) >= 1);
    assert.ok((await tg.metric('stagepass_upgrade_refusals_total', 'status="400"')) >= 1);
  });

  it("the app's key changes are picked up at the next admission (rotation, retirement)", async () => {
    const app = tg.createApp();
    const sessionId = newSessionId();
    await tg.join(sessionId, { app });
    const rotated = tg.registry.rotateSecret(app.appId);
    const newApp = { appId: app.appId, secret: rotated.secret };
    await tg.join(sessionId, { app: newApp });
    await tg.join(sessionId, { app });
    const oldKid = tg.registry.getApp(app.appId)!.keys.find((k) => k.kid !== rotated.key.kid)!.kid;
    tg.registry.retireKey(app.appId, oldKid);
    expectClose(await tg.refusal(sessionId, { app }), 'ERR_TOKEN_SIGNATURE_INVALID');
    await tg.join(sessionId, { app: newApp });
  });
});

describe('gateway admission: time limits', () => {
  it('ERR_ADMISSION_TIMEOUT (4017): no connect within admissionTimeoutMs', async () => {
    const quick = await TestGateway.start({ admissionTimeoutMs: 80 });
    try {
      const client = quick.open(newSessionId());
      await client.opened;
      expectClose(await client.closedWithin(), 'ERR_ADMISSION_TIMEOUT');
      // A client that connects in time is not affected by the timer afterwards.
      const joined = await quick.join(newSessionId());
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(joined.client.closeInfo, undefined);
    } finally {
      await quick.stop();
    }
  });

  it("ejectAtExpiry: the connection closes 4007 ERR_TOKEN_EXPIRED at its token's expiry; the others see tokenExpired", async () => {
    // The gateway's clock stands 150 ms before the tokens' expiry and runs.
    const mintedAt = nowS();
    const expireTime = mintedAt + 600;
    const started = Date.now();
    const clock = () => expireTime * 1000 - 150 + (Date.now() - started);
    // No clock tolerance: the eject comes at exp itself (gateway-edge-cases.test.ts: exp + tolerance).
    const timed = await TestGateway.start({ now: clock, clockTolerance: 0, appSettings: { ejectAtExpiry: true } });
    try {
      const sessionId = newSessionId();
      const expiring = await timed.join(sessionId, { now: mintedAt, expireTime });
      const watcher = await timed.join(sessionId, { now: mintedAt, expireTime: mintedAt + 3600 });
      expectClose(await expiring.client.closedWithin(), 'ERR_TOKEN_EXPIRED');
      assert.deepEqual(await watcher.client.next('connectionDestroyed'), {
        type: 'connectionDestroyed',
        connectionId: expiring.id,
        reason: 'tokenExpired',
      });
      assert.equal(watcher.client.closeInfo, undefined);
    } finally {
      await timed.stop();
    }
  });
});

describe('gateway admission: while a join is in flight', () => {
  let held: HeldJoins;
  let slow: TestGateway;
  before(async () => {
    slow = await TestGateway.start({ sessions: (events) => (held = new HeldJoins({ events })) });
  });
  after(() => slow.stop());

  it('single-use tokens: two sockets whose connect frames interleave (the first still joining) → one admitted, the other 4013', async () => {
    const app = slow.createApp({ singleUseTokens: true });
    const sessionId = newSessionId();
    const token = slow.token({ sessionId, app });
    const sockets = [slow.open(sessionId, app.appId), slow.open(sessionId, app.appId)];
    await Promise.all(sockets.map((s) => s.opened));
    held.hold();
    try {
      for (const socket of sockets) socket.send({ type: 'connect', v: PROTOCOL_VERSION, token });
      // One admission claimed the token and waits in its join; the other is answered meanwhile.
      await held.joinsWaiting(1);
      const refused = await Promise.race(sockets.map((s, i) => s.closed.then((info) => ({ i, info }))));
      expectClose(refused.info, 'ERR_TOKEN_REPLAYED');
      const admitted = sockets[1 - refused.i]!;
      assert.equal(admitted.received.length, 0, 'both were pending at once: the other is not answered yet');
      held.release();
      assert.equal((await admitted.next('connected')).sessionId, sessionId);
      assert.equal(admitted.closeInfo, undefined);
    } finally {
      held.release();
    }
  });

  it('requests pipelined after connect are handled in order once connected; a second connect is refused, not admitted', async () => {
    const sessionId = newSessionId();
    const client = slow.open(sessionId);
    await client.opened;
    held.hold();
    try {
      client.send({ type: 'connect', v: PROTOCOL_VERSION, token: slow.token({ sessionId }) });
      client.send({ type: 'connect', v: PROTOCOL_VERSION, token: slow.token({ sessionId }) });
      client.send({ type: 'publish', id: 1, hasAudio: true, hasVideo: true });
      client.send({ type: 'signal', id: 2, data: 'after connect' });
      await held.joinsWaiting(1);
      assert.equal(held.waiting, 1, 'one join, not two');
      held.release();
      // The last thing sent: the signal, after its ack (the reply comes before what it caused).
      await client.next('signal');
      assert.deepEqual(
        client.received.map((m) => m.type),
        ['connected', 'error', 'ack', 'streamCreated', 'ack', 'signal'],
      );
      const error = client.received[1]!;
      assert.equal(error.type === 'error' && error.code, 'ERR_MESSAGE_INVALID');
      assert.equal((await slow.gateway.sessions.getSession(slow.app.appId, sessionId))!.connections.length, 1);
    } finally {
      held.release();
    }
  });

  it('a socket that closes while its join is pending is not left behind', async () => {
    const sessionId = newSessionId();
    const watcher = await slow.join(sessionId);
    const before = slow.gateway.sessions.stats().connections;
    held.hold();
    try {
      const leaving = await slow.connect(sessionId);
      await held.joinsWaiting(1);
      const socketsBefore = await slow.registryMetric('stagepass_sockets');
      leaving.ws.terminate();
      await leaving.closed;
      // The gateway must have seen the close too before the join lands (else it is a drop after the
      // join: suspended for the resume window, see gateway-resume.test.ts).
      for (let waited = 0; (await slow.registryMetric('stagepass_sockets')) >= socketsBefore; waited += 10) {
        if (waited > 10_000) throw new Error('the gateway did not see the close');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      held.release();
      // The join lands after the close: it is undone at once.
      const destroyed = await watcher.client.next('connectionDestroyed');
      assert.equal(destroyed.reason, 'networkDisconnected');
      assert.equal(slow.gateway.sessions.stats().connections, before);
      assert.deepEqual(
        (await slow.gateway.sessions.getSession(slow.app.appId, sessionId))!.connections.map((c) => c.id),
        [watcher.id],
      );
    } finally {
      held.release();
    }
  });
});

describe('gateway admission: shutdown while a join is in flight', () => {
  it('closes the socket 1012 ERR_SERVER_SHUTTING_DOWN and leaves no connection behind', async () => {
    let held: HeldJoins | undefined;
    const gw = await TestGateway.start({ sessions: (events) => (held = new HeldJoins({ events })) });
    held!.hold();
    const sessionId = newSessionId();
    const client = await gw.connect(sessionId);
    await held!.joinsWaiting(1);
    const closing = gw.gateway.close({ drainMs: 500 });
    expectClose(await client.closedWithin(), 'ERR_SERVER_SHUTTING_DOWN');
    await closing;
    held!.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(gw.gateway.sessions.stats(), { sessions: 0, connections: 0, streams: 0 });
    assert.equal(client.received.length, 0, 'never connected');
    gw.registry.close();
  });
});
