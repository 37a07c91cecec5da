/**
 * The REST API for app backends, over real HTTP: a plain http.createServer(handler) on port 0 with
 * the in-memory session core, fake peers joined into sessions, and app JWTs minted per request.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { CLOSE_CODES, ERROR_CODES, type ErrorCode } from '@stagepass/protocol';
import { createAppJwt, readOpenTokSessionId } from '@stagepass/token';
import { createSqliteAppRegistry, type SqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { mediaModeOf } from '../session/media-mode.js';
import { createMemorySessionService } from '../session/memory-session-service.js';
import type { SessionService } from '../session/session-service.js';
import { createRestHandler } from './create-rest-handler.js';
import { admittedClient, createFakePeer, type FakePeer } from './test-support/fakes.js';

const ED = generateKeyPairSync('ed25519', {
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ED_APP = 'ed25519-app';
const OTHER_SECRET = randomBytes(32).toString('hex');

let registry: SqliteAppRegistry;
let sessions: SessionService;
let server: Server;
let base = '';
let HS_APP = '';
let HS_SECRET = '';
let OTHER_APP = '';
const logLines: string[] = [];

const nowS = () => Math.floor(Date.now() / 1000);

/** A fresh app JWT for the HS256 app (or another app / key). */
function jwtFor(options: Partial<Parameters<typeof createAppJwt>[0]> = {}): string {
  return createAppJwt({ appId: HS_APP, secret: HS_SECRET, ...options } as Parameters<typeof createAppJwt>[0]);
}
function edJwt(options: Partial<Parameters<typeof createAppJwt>[0]> = {}): string {
  return createAppJwt({ appId: ED_APP, privateKey: ED.privateKey, ...options } as Parameters<typeof createAppJwt>[0]);
}

/** An HS256 app JWT with any claims, signed with the HS256 app's secret (bypassing createAppJwt's checks). */
function forgeJwt(claims: Record<string, unknown>, secret = HS_SECRET): string {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

interface CallOptions {
  /** The app JWT (default: a fresh one for the HS256 app); null sends none. */
  readonly jwt?: string | null;
  /** Sent as JSON with content-type application/json unless it is a string. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const jwt = options.jwt === undefined ? jwtFor() : options.jwt;
  if (jwt !== null && headers['x-opentok-auth'] === undefined) headers.authorization ??= `Bearer ${jwt}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json')
    ? (JSON.parse(text) as Record<string, unknown>)
    : undefined;
  return { status: response.status, headers: response.headers, text, json };
}

function assertRefused(reply: Reply, status: number, code: ErrorCode): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.json?.code, code, reply.text);
  assert.deepEqual(Object.keys(reply.json ?? {}).sort(), ['code', 'message']);
  assert.equal(ERROR_CODES[code].httpStatus === status || status === 405 || status === 415, true);
}

/** A raw HTTP exchange, for what fetch will not send (chunked bodies, odd paths, huge lengths). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  write?: (req: ReturnType<typeof request>) => void,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (chunk: string) => {
          text += chunk;
        })
        .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (write === undefined) req.end();
    else write(req);
  });
}

async function join(
  appId: string,
  sessionId: string,
  extra: Parameters<typeof admittedClient>[2] = {},
): Promise<{ id: string; peer: FakePeer; tokenId: string }> {
  const peer = createFakePeer();
  const client = admittedClient(appId, sessionId, extra);
  const id = await sessions.join(client, peer);
  return { id, peer, tokenId: client.tokenId };
}
function publish(who: { id: string; peer: FakePeer }): string {
  sessions.handle(who.id, { type: 'publish', id: 99, hasAudio: true, hasVideo: true, name: 'cam' });
  const ack = who.peer.sent.find((m) => m.type === 'ack' && m.id === 99);
  assert.ok(ack?.type === 'ack');
  return ack.result.streamId as string;
}
/** How a peer was closed (read through a call: assertions must not narrow it for good). */
const closeOf = (peer: FakePeer): FakePeer['closed'] => peer.closed;
const sessionPath = (sessionId: string, appId = HS_APP) =>
  `/v1/apps/${encodeURIComponent(appId)}/sessions/${encodeURIComponent(sessionId)}`;

before(async () => {
  registry = createSqliteAppRegistry({ path: ':memory:' });
  const created = registry.createApp({ name: 'hs' });
  HS_APP = created.app.appId;
  HS_SECRET = created.secret;
  registry.importApp({ appId: ED_APP, name: 'ed', publicKeyPem: ED.publicKey });
  OTHER_APP = registry.importApp({ appId: 'other-app', name: 'other', secret: OTHER_SECRET }).appId;
  sessions = createMemorySessionService();
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logLines.push(line);
      },
    },
  );
  server = createServer(createRestHandler({ registry, sessions, replay: registry, logger }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  registry.close();
});

describe('REST: sessions', () => {
  it('creates a session with a new ID (201, location), for an HS256 and an EdDSA app', async () => {
    const reply = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: {} });
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual(Object.keys(reply.json!).sort(), ['createdAt', 'mediaMode', 'sessionId']);
    assert.equal(reply.json!.mediaMode, 'relayed');
    const made = reply.json!.sessionId as string;
    assert.match(made, /^[\x21-\x7e]{1,256}$/);
    // OpenTok's shape, relayed marker included: the opentok SDK's generateToken accepts it for this App ID.
    assert.deepEqual(
      { appId: readOpenTokSessionId(made)?.appId, mediaMode: readOpenTokSessionId(made)?.mediaMode },
      { appId: HS_APP, mediaMode: 'relayed' },
    );
    assert.ok(Math.abs((reply.json!.createdAt as number) - Date.now()) < 5000);
    assert.equal(reply.headers.get('location'), sessionPath(reply.json!.sessionId as string));
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    const ed = await call('POST', `/v1/apps/${ED_APP}/sessions`, { jwt: edJwt(), body: { sessionId: 'ed-room' } });
    assert.equal(ed.status, 201, ed.text);
    assert.equal(ed.json!.sessionId, 'ed-room');
  });
  it('an App ID that cannot go into the OpenTok shape still gets a relayed session, with a plain ID', async () => {
    const tilde = registry.importApp({ appId: 'has~tilde', name: 'tilde', secret: OTHER_SECRET }).appId;
    const reply = await call('POST', `/v1/apps/${encodeURIComponent(tilde)}/sessions`, {
      jwt: createAppJwt({ appId: tilde, secret: OTHER_SECRET }),
      body: {},
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(readOpenTokSessionId(reply.json!.sessionId as string), undefined);
    assert.equal(reply.json!.mediaMode, 'relayed');
  });
  it('creates a routed session: the gateway makes its ID, which carries the mode (mediaModeOf)', async () => {
    const reply = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { mediaMode: 'routed' } });
    assert.equal(reply.status, 201, reply.text);
    const sessionId = reply.json!.sessionId as string;
    assert.equal(reply.json!.mediaMode, 'routed');
    assert.equal(mediaModeOf(sessionId), 'routed');
    assert.equal(readOpenTokSessionId(sessionId)?.appId, HS_APP);
    const shown = await call('GET', sessionPath(sessionId));
    assert.equal(shown.json!.mediaMode, 'routed');
    // Asking again with its ID and mode is the idempotent 200; asking it relayed is refused.
    const again = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { sessionId, mediaMode: 'routed' } });
    assert.equal(again.status, 200, again.text);
    const relayed = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { sessionId, mediaMode: 'relayed' } });
    assert.equal(relayed.status, 400, relayed.text);
    assert.equal(relayed.json!.code, 'ERR_MESSAGE_INVALID');
  });
  it('refuses mediaMode routed for an ID of its own choosing, and a mediaMode that is neither', async () => {
    const chosen = await call('POST', `/v1/apps/${HS_APP}/sessions`, {
      body: { sessionId: 'my-room', mediaMode: 'routed' },
    });
    assert.equal(chosen.status, 400, chosen.text);
    assert.equal(chosen.json!.code, 'ERR_MESSAGE_INVALID');
    assert.match(chosen.json!.message as string, /leave sessionId out/);
    const bad = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { mediaMode: 'sfu' } });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.json!.message as string, /mediaMode must be "relayed" or "routed"/);
  });
  it("takes the app's mediaMode setting for a session it makes when not told one, and only then", async () => {
    const { app, secret } = registry.createApp({ name: 'routed by default', settings: { mediaMode: 'routed' } });
    const post = async (body: Record<string, unknown>) =>
      call('POST', `/v1/apps/${app.appId}/sessions`, { jwt: createAppJwt({ appId: app.appId, secret }), body });
    const made = await post({});
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json!.mediaMode, 'routed');
    assert.equal(mediaModeOf(made.json!.sessionId as string), 'routed');
    const relayed = await post({ mediaMode: 'relayed' });
    assert.equal(relayed.json!.mediaMode, 'relayed', 'an asked mode wins over the setting');
    const plain = await post({ sessionId: 'plain-room' });
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.json!.mediaMode, 'relayed', "a plain ID's mode is its own, whatever the setting");
    registry.updateSettings(app.appId, { mediaMode: 'relayed' });
    assert.equal((await post({})).json!.mediaMode, 'relayed', 'a changed setting is seen at once');
  });
  it('creates a session with the given ID, percent-decoded in later paths', async () => {
    const created = await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { sessionId: 'room/1?x' } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), `/v1/apps/${HS_APP}/sessions/room%2F1%3Fx`);
    const shown = await call('GET', created.headers.get('location')!);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json!.sessionId, 'room/1?x');
  });
  it('shows a session: connections, streams and force-mute state', async () => {
    const a = await join(HS_APP, 'show-1');
    const b = await join(HS_APP, 'show-1', { role: 'subscriber', data: 'user=7' });
    const streamId = publish(a);
    const reply = await call('GET', sessionPath('show-1'));
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(Object.keys(reply.json!).sort(), [
      'connections',
      'createdAt',
      'forceMute',
      'mediaMode',
      'sessionId',
      'streams',
    ]);
    assert.equal(reply.json!.sessionId, 'show-1');
    assert.equal(reply.json!.mediaMode, 'relayed');
    const connections = reply.json!.connections as { id: string; data: string | null }[];
    assert.deepEqual(
      connections.map((c) => [c.id, c.data]),
      [
        [a.id, null],
        [b.id, 'user=7'],
      ],
    );
    const streams = reply.json!.streams as { id: string; connectionId: string; name: string; hasAudio: boolean }[];
    assert.deepEqual(
      streams.map((s) => [s.id, s.connectionId, s.name, s.hasAudio]),
      [[streamId, a.id, 'cam', true]],
    );
    assert.deepEqual(reply.json!.forceMute, { active: false, excludedStreamIds: [] });
  });
  it("answers 404 for an unknown session and for another app's session, without its data", async () => {
    const theirs = await join(OTHER_APP, 'their-room', { data: 'secret-user-data' });
    publish(theirs);
    const unknown = await call('GET', sessionPath('no-such-session'));
    assertRefused(unknown, 404, 'ERR_NOT_FOUND');
    const other = await call('GET', sessionPath('their-room'));
    assertRefused(other, 404, 'ERR_NOT_FOUND');
    assert.equal(other.json!.message, unknown.json!.message);
    assert.ok(!other.text.includes(theirs.id) && !other.text.includes('secret-user-data'));
    // Every operation on it is 404 too, and nothing reaches their peers.
    const before = theirs.peer.sent.length;
    const streamId = (await sessions.getSession(OTHER_APP, 'their-room'))!.streams[0]!.id;
    assertRefused(await call('DELETE', `${sessionPath('their-room')}/connections/${theirs.id}`), 404, 'ERR_NOT_FOUND');
    assertRefused(await call('DELETE', `${sessionPath('their-room')}/streams/${streamId}`), 404, 'ERR_NOT_FOUND');
    assertRefused(await call('POST', `${sessionPath('their-room')}/streams/${streamId}/mute`), 404, 'ERR_NOT_FOUND');
    assertRefused(
      await call('POST', `${sessionPath('their-room')}/mute`, { body: { active: true } }),
      404,
      'ERR_NOT_FOUND',
    );
    assertRefused(
      await call('POST', `${sessionPath('their-room')}/signal`, { body: { data: 'x' } }),
      404,
      'ERR_NOT_FOUND',
    );
    assertRefused(
      await call('POST', `${sessionPath('their-room')}/connections/${theirs.id}/signal`, { body: { data: 'x' } }),
      404,
      'ERR_NOT_FOUND',
    );
    assert.equal(theirs.peer.sent.length, before);
    assert.equal(theirs.peer.closed, undefined);
    // The same session ID in this app is another session.
    assert.equal(
      (await call('POST', `/v1/apps/${HS_APP}/sessions`, { body: { sessionId: 'their-room' } })).status,
      201,
    );
    const mine = await call('GET', sessionPath('their-room'));
    assert.deepEqual(mine.json!.connections, []);
  });
});

describe('REST: moderation', () => {
  it('force-disconnects a connection (204): it is closed 4100, the others told', async () => {
    const a = await join(HS_APP, 'mod-1');
    const b = await join(HS_APP, 'mod-1');
    const reply = await call('DELETE', `${sessionPath('mod-1')}/connections/${a.id}`);
    assert.equal(reply.status, 204, reply.text);
    assert.equal(reply.text, '');
    assert.deepEqual(a.peer.closed, { code: CLOSE_CODES.forceDisconnected, reason: 'forceDisconnected' });
    assert.deepEqual(b.peer.of('connectionDestroyed'), [
      { type: 'connectionDestroyed', connectionId: a.id, reason: 'forceDisconnected' },
    ]);
    assertRefused(await call('DELETE', `${sessionPath('mod-1')}/connections/${a.id}`), 404, 'ERR_NOT_FOUND');
  });
  it('force-unpublishes a stream (204)', async () => {
    const a = await join(HS_APP, 'mod-2');
    const streamId = publish(a);
    assert.equal((await call('DELETE', `${sessionPath('mod-2')}/streams/${streamId}`)).status, 204);
    assert.deepEqual(a.peer.of('streamDestroyed'), [{ type: 'streamDestroyed', streamId, reason: 'forceUnpublished' }]);
    assertRefused(await call('DELETE', `${sessionPath('mod-2')}/streams/${streamId}`), 404, 'ERR_NOT_FOUND');
  });
  it('force-mutes one stream (204): its publisher gets muteForced', async () => {
    const a = await join(HS_APP, 'mod-3');
    const streamId = publish(a);
    assert.equal((await call('POST', `${sessionPath('mod-3')}/streams/${streamId}/mute`)).status, 204);
    assert.deepEqual(a.peer.of('muteForced'), [{ type: 'muteForced', streamId }]);
    assert.deepEqual(a.peer.of('streamPropertyChanged'), [
      {
        type: 'streamPropertyChanged',
        streamId,
        property: 'hasAudio',
        oldValue: true,
        newValue: false,
        reason: 'forceMuted',
      },
    ]);
  });
  it('mutes all streams but the excluded ones, then disables force mute (204)', async () => {
    const a = await join(HS_APP, 'mod-4');
    const b = await join(HS_APP, 'mod-4');
    const kept = publish(a);
    const muted = publish(b);
    const on = await call('POST', `${sessionPath('mod-4')}/mute`, {
      body: { active: true, excludedStreamIds: [kept] },
    });
    assert.equal(on.status, 204, on.text);
    assert.deepEqual(b.peer.of('muteForced'), [{ type: 'muteForced', streamId: muted }]);
    assert.deepEqual(a.peer.of('muteForced'), []);
    assert.deepEqual(a.peer.of('forceMuteChanged'), [
      { type: 'forceMuteChanged', active: true, excludedStreamIds: [kept] },
    ]);
    assert.deepEqual((await call('GET', sessionPath('mod-4'))).json!.forceMute, {
      active: true,
      excludedStreamIds: [kept],
    });
    assert.equal((await call('POST', `${sessionPath('mod-4')}/mute`, { body: { active: false } })).status, 204);
    assert.deepEqual(a.peer.of('forceMuteChanged').at(-1), {
      type: 'forceMuteChanged',
      active: false,
      excludedStreamIds: [],
    });
    assert.equal((await call('POST', `${sessionPath('mod-4')}/mute`, { body: { active: true } })).status, 204);
  });
  it('answers 404 for unknown connection, stream and session IDs, each message naming what is missing where', async () => {
    await join(HS_APP, 'mod-5');
    const connection = await call('DELETE', `${sessionPath('mod-5')}/connections/nobody`);
    assertRefused(connection, 404, 'ERR_NOT_FOUND');
    const stream = await call('DELETE', `${sessionPath('mod-5')}/streams/nothing`);
    assertRefused(stream, 404, 'ERR_NOT_FOUND');
    assertRefused(await call('POST', `${sessionPath('mod-5')}/streams/nothing/mute`), 404, 'ERR_NOT_FOUND');
    const session = await call('POST', `${sessionPath('nowhere')}/mute`, { body: { active: false } });
    assertRefused(session, 404, 'ERR_NOT_FOUND');
    const signal = await call('POST', `${sessionPath('nowhere')}/signal`, { body: { data: 'x' } });
    assertRefused(signal, 404, 'ERR_NOT_FOUND');
    assert.deepEqual(
      [connection, stream, session, signal, await call('GET', sessionPath('nowhere'))].map((r) => r.json!.message),
      [
        'No connection with that ID in this session.',
        'No stream with that ID in this session.',
        'No session with that ID in this app.',
        'No session with that ID in this app.',
        'No session with that ID in this app.',
      ],
    );
  });
});

describe('REST: signals', () => {
  it('signals everyone in the session: exactly this JSON reaches each peer, from null', async () => {
    const a = await join(HS_APP, 'sig-1');
    const b = await join(HS_APP, 'sig-1', { role: 'publisheronly' });
    const elsewhere = await join(HS_APP, 'sig-other');
    const reply = await call('POST', `${sessionPath('sig-1')}/signal`, { body: { type: 'chat', data: 'héllo 🎉' } });
    assert.equal(reply.status, 204, reply.text);
    const expected = '{"type":"signal","from":null,"signalType":"chat","data":"héllo 🎉"}';
    assert.equal(a.peer.texts.at(-1), expected);
    assert.equal(b.peer.texts.at(-1), expected);
    assert.equal(elsewhere.peer.of('signal').length, 0);
    assert.equal((await call('POST', `${sessionPath('sig-1')}/signal`, { body: { data: '' } })).status, 204);
    assert.equal(a.peer.texts.at(-1), '{"type":"signal","from":null,"signalType":"","data":""}');
  });
  it('signals one connection only', async () => {
    const a = await join(HS_APP, 'sig-2');
    const b = await join(HS_APP, 'sig-2');
    const reply = await call('POST', `${sessionPath('sig-2')}/connections/${b.id}/signal`, {
      body: { data: 'just you' },
    });
    assert.equal(reply.status, 204, reply.text);
    assert.equal(b.peer.texts.at(-1), '{"type":"signal","from":null,"signalType":"","data":"just you"}');
    assert.equal(a.peer.of('signal').length, 0);
    assertRefused(
      await call('POST', `${sessionPath('sig-2')}/connections/nobody/signal`, { body: { data: 'x' } }),
      404,
      'ERR_NOT_FOUND',
    );
  });
  it("enforces the protocol's signal limits: data ≤ 8 KiB UTF-8, type ≤ 128 of A-Za-z0-9-_~", async () => {
    const a = await join(HS_APP, 'sig-3');
    const path = `${sessionPath('sig-3')}/signal`;
    assert.equal((await call('POST', path, { body: { type: 'x'.repeat(128), data: 'é'.repeat(4096) } })).status, 204);
    assertRefused(await call('POST', path, { body: { data: 'é'.repeat(4096) + 'x' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: { type: 'x'.repeat(129), data: 'x' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: { type: 'a b', data: 'x' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: { type: 'chat' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: { data: 42 } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: { data: 'x', to: a.id } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path, { body: '{"data":"\\ud800"}' }), 400, 'ERR_MESSAGE_INVALID');
    assert.equal(a.peer.of('signal').length, 1);
  });
});

describe('REST: revocations', () => {
  it('revokes a token ID: its live connection is closed 4014, later isRevoked is true', async () => {
    const victim = await join(HS_APP, 'rev-1');
    const bystander = await join(HS_APP, 'rev-1');
    const theirs = await join(OTHER_APP, 'rev-1', { tokenId: victim.tokenId });
    const expireTime = nowS() + 3600;
    const reply = await call('POST', `/v1/apps/${HS_APP}/revocations`, {
      body: { tokenId: victim.tokenId, expireTime },
    });
    assert.equal(reply.status, 204, reply.text);
    assert.deepEqual(victim.peer.closed, {
      code: ERROR_CODES.ERR_TOKEN_REVOKED.closeCode,
      reason: 'ERR_TOKEN_REVOKED',
    });
    assert.equal(ERROR_CODES.ERR_TOKEN_REVOKED.closeCode, 4014);
    assert.equal(bystander.peer.closed, undefined);
    assert.equal(theirs.peer.closed, undefined, "another app's connection with the same token ID stays");
    assert.deepEqual(bystander.peer.of('connectionDestroyed'), [
      { type: 'connectionDestroyed', connectionId: victim.id, reason: 'forceDisconnected' },
    ]);
    assert.equal(await registry.isRevoked(HS_APP, 'rev-1', victim.tokenId, nowS()), true);
    assert.equal(await registry.isRevoked(OTHER_APP, 'rev-1', victim.tokenId, nowS()), false);
  });
  it('revokes every token issued before a time, in one session or the whole app', async () => {
    const t = nowS();
    const old = await join(HS_APP, 'rev-2', { issuedAt: t - 100 });
    const fresh = await join(HS_APP, 'rev-2', { issuedAt: t + 10 });
    const oldElsewhere = await join(HS_APP, 'rev-3', { issuedAt: t - 100 });
    assert.equal(
      (await call('POST', `/v1/apps/${HS_APP}/revocations`, { body: { issuedBefore: t, sessionId: 'rev-2' } })).status,
      204,
    );
    assert.equal(old.peer.closed?.code, 4014);
    assert.equal(fresh.peer.closed, undefined);
    assert.equal(oldElsewhere.peer.closed, undefined);
    assert.equal((await call('POST', `/v1/apps/${HS_APP}/revocations`, { body: { issuedBefore: t } })).status, 204);
    assert.equal(closeOf(oldElsewhere.peer)?.code, 4014);
    assert.equal(fresh.peer.closed, undefined);
    assert.equal(await registry.isRevoked(HS_APP, 'any', 'any', t - 1), true);
  });
  it('refuses malformed revocations', async () => {
    const path = `/v1/apps/${HS_APP}/revocations`;
    for (const body of [
      {},
      { tokenId: 'x' },
      { tokenId: 'x', expireTime: Date.now() },
      { tokenId: 'x', expireTime: -1 },
      { tokenId: 'x', expireTime: 1.5 },
      { tokenId: '', expireTime: 1 },
      { tokenId: 'x', expireTime: 1, sessionId: 's' },
      { issuedBefore: '1' },
      { issuedBefore: 1, sessionId: 'a b' },
      { issuedBefore: 1, tokenId: 5 },
      { issuedBefore: 1, extra: true },
      { issuedBefore: nowS() + 3600 }, // the registry refuses a revocation of the future
    ]) {
      assertRefused(await call('POST', path, { body }), 400, 'ERR_MESSAGE_INVALID');
    }
  });
});

describe('REST: app JWT authentication', () => {
  const path = () => `/v1/apps/${HS_APP}/sessions`;
  it('accepts X-OPENTOK-AUTH, as the OpenTok SDKs send it, and a lowercase bearer scheme', async () => {
    assert.equal(
      (await call('POST', path(), { jwt: null, body: {}, headers: { 'x-opentok-auth': jwtFor() } })).status,
      201,
    );
    assert.equal(
      (await call('POST', path(), { jwt: null, body: {}, headers: { authorization: `bearer ${jwtFor()}` } })).status,
      201,
    );
  });
  it('refuses a request without an app JWT (401 with www-authenticate)', async () => {
    const reply = await call('POST', path(), { jwt: null, body: {} });
    assertRefused(reply, 401, 'ERR_AUTH_INVALID');
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/);
    assertRefused(
      await call('POST', path(), {
        jwt: null,
        body: {},
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      }),
      401,
      'ERR_AUTH_INVALID',
    );
    assertRefused(
      await call('POST', path(), {
        jwt: null,
        body: {},
        headers: { authorization: `Bearer ${jwtFor()}`, 'x-opentok-auth': jwtFor() },
      }),
      401,
      'ERR_AUTH_INVALID',
    );
  });
  it("refuses another app's JWT, a wrong secret and an unknown app, alike", async () => {
    const otherApp = await call('POST', path(), {
      jwt: createAppJwt({ appId: OTHER_APP, secret: OTHER_SECRET }),
      body: {},
    });
    assertRefused(otherApp, 401, 'ERR_AUTH_INVALID');
    const otherOnPath = await call('POST', path(), { jwt: jwtFor({ appId: OTHER_APP }), body: {} });
    assertRefused(otherOnPath, 401, 'ERR_AUTH_INVALID');
    const wrongSecret = await call('POST', path(), { jwt: jwtFor({ secret: OTHER_SECRET }), body: {} });
    assertRefused(wrongSecret, 401, 'ERR_AUTH_INVALID');
    const unknown = await call('POST', '/v1/apps/no-such-app/sessions', {
      jwt: jwtFor({ appId: 'no-such-app' }),
      body: {},
    });
    assertRefused(unknown, 401, 'ERR_AUTH_INVALID');
    assert.equal(unknown.json!.message, wrongSecret.json!.message, 'an unknown app is answered like a bad signature');
    assert.equal(otherApp.json!.message, wrongSecret.json!.message);
    // An EdDSA JWT on the HS256 app, and an HS256 JWT on the EdDSA app.
    assertRefused(await call('POST', path(), { jwt: edJwt({ appId: HS_APP }), body: {} }), 401, 'ERR_AUTH_INVALID');
    assertRefused(
      await call('POST', `/v1/apps/${ED_APP}/sessions`, { jwt: jwtFor({ appId: ED_APP }), body: {} }),
      401,
      'ERR_AUTH_INVALID',
    );
  });
  it('refuses alg none and a malformed JWT', async () => {
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${segment({ alg: 'none', typ: 'JWT' })}.${segment({ iss: HS_APP, ist: 'project', iat: nowS(), exp: nowS() + 60, jti: 'n1' })}.`;
    assertRefused(await call('POST', path(), { jwt: unsigned, body: {} }), 401, 'ERR_AUTH_INVALID');
    assertRefused(await call('POST', path(), { jwt: 'not.a.jwt', body: {} }), 401, 'ERR_AUTH_INVALID');
  });
  it('refuses an expired JWT and one whose exp is more than 5 minutes ahead (ERR_AUTH_EXPIRED)', async () => {
    assertRefused(
      await call('POST', path(), { jwt: jwtFor({ now: nowS() - 400, ttl: 60 }), body: {} }),
      401,
      'ERR_AUTH_EXPIRED',
    );
    const t = nowS();
    const tooFar = forgeJwt({
      iss: HS_APP,
      ist: 'project',
      iat: t,
      exp: t + 400,
      jti: randomBytes(16).toString('base64url'),
    });
    assertRefused(await call('POST', path(), { jwt: tooFar, body: {} }), 401, 'ERR_AUTH_EXPIRED');
    const atLimit = forgeJwt({
      iss: HS_APP,
      ist: 'project',
      iat: t,
      exp: t + 300,
      jti: randomBytes(16).toString('base64url'),
    });
    assert.equal((await call('POST', path(), { jwt: atLimit, body: {} })).status, 201);
  });
  it('accepts each JWT once (ERR_AUTH_REPLAYED), also when the first use was refused later on', async () => {
    const jwt = jwtFor();
    assert.equal((await call('POST', path(), { jwt, body: {} })).status, 201);
    assertRefused(await call('POST', path(), { jwt, body: {} }), 401, 'ERR_AUTH_REPLAYED');
    assertRefused(await call('GET', sessionPath('nowhere'), { jwt }), 401, 'ERR_AUTH_REPLAYED');
    const other = jwtFor();
    assertRefused(await call('GET', sessionPath('nowhere'), { jwt: other }), 404, 'ERR_NOT_FOUND');
    assertRefused(await call('GET', sessionPath('nowhere'), { jwt: other }), 401, 'ERR_AUTH_REPLAYED');
  });
  it('follows key rotation: a new key works at once, a retired key stops working', async () => {
    const { key, secret } = registry.rotateSecret(ED_APP);
    const edPath = `/v1/apps/${ED_APP}/sessions`;
    assert.equal(
      (await call('POST', edPath, { jwt: createAppJwt({ appId: ED_APP, secret, kid: key.kid }), body: {} })).status,
      201,
    );
    assert.equal((await call('POST', edPath, { jwt: createAppJwt({ appId: ED_APP, secret }), body: {} })).status, 201);
    assert.equal((await call('POST', edPath, { jwt: edJwt(), body: {} })).status, 201);
    registry.retireKey(ED_APP, key.kid);
    assertRefused(
      await call('POST', edPath, { jwt: createAppJwt({ appId: ED_APP, secret }), body: {} }),
      401,
      'ERR_AUTH_INVALID',
    );
    assert.equal((await call('POST', edPath, { jwt: edJwt(), body: {} })).status, 201);
  });
  it('refuses before anything else: a bad JWT on a bad path ID or body is still 401', async () => {
    assertRefused(await call('GET', sessionPath('a b'), { jwt: null }), 401, 'ERR_AUTH_INVALID');
    assertRefused(
      await call('POST', path(), { jwt: jwtFor({ secret: OTHER_SECRET }), body: 'not json' }),
      401,
      'ERR_AUTH_INVALID',
    );
  });
});

describe('REST: bodies', () => {
  const path = () => `/v1/apps/${HS_APP}/sessions`;
  it('requires content-type application/json (415)', async () => {
    assertRefused(
      await call('POST', path(), { body: '{}', headers: { 'content-type': 'text/plain' } }),
      415,
      'ERR_MESSAGE_INVALID',
    );
    assertRefused(
      await call('POST', path(), { body: '{}', headers: { 'content-type': 'application/json; charset=latin1' } }),
      415,
      'ERR_MESSAGE_INVALID',
    );
    assertRefused(await call('POST', path()), 415, 'ERR_MESSAGE_INVALID');
    assert.equal(
      (await call('POST', path(), { body: '{}', headers: { 'content-type': 'Application/JSON; charset=UTF-8' } }))
        .status,
      201,
    );
  });
  it('refuses bad JSON, invalid UTF-8, a non-object and unknown members (400)', async () => {
    assertRefused(await call('POST', path(), { body: '{"sessionId":' }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: '[]' }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: 'null' }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: '' }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: { sessionID: 'typo' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: { sessionId: 'a b' } }), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('POST', path(), { body: { sessionId: 'x'.repeat(513) } }), 400, 'ERR_MESSAGE_INVALID');
    const badUtf8 = await raw(
      'POST',
      path(),
      { authorization: `Bearer ${jwtFor()}`, 'content-type': 'application/json', 'content-length': '5' },
      (req) => req.end(Buffer.from([0x7b, 0x7d, 0x20, 0xff, 0x20])),
    );
    assert.equal(badUtf8.status, 400);
    assert.equal(JSON.parse(badUtf8.text).code, 'ERR_MESSAGE_INVALID');
  });
  it('refuses a body over 64 KiB (413), by its content-length or as it streams', async () => {
    const big = JSON.stringify({ sessionId: 'x', pad: 'y'.repeat(70_000) });
    assertRefused(await call('POST', path(), { body: big }), 413, 'ERR_MESSAGE_TOO_LARGE');
    // Chunked, with no length: refused once past the limit; the rest is never read.
    let written = 0;
    const reply = await raw(
      'POST',
      path(),
      { authorization: `Bearer ${jwtFor()}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      (req) => {
        req.on('error', () => {}); // the server may close while we still write
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = () => {
          while (written < 8 * 1024 * 1024) {
            written += chunk.length;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      },
    );
    assert.equal(reply.status, 413);
    assert.equal(JSON.parse(reply.text).code, 'ERR_MESSAGE_TOO_LARGE');
    assert.equal(reply.headers.connection, 'close');
    assert.ok(written < 8 * 1024 * 1024, `the server read the whole body (${written} bytes written)`);
  });
  it('refuses a body where none is expected (400)', async () => {
    const reply = await raw(
      'GET',
      sessionPath('x'),
      { authorization: `Bearer ${jwtFor()}`, 'content-type': 'application/json', 'content-length': '2' },
      (req) => req.end('{}'),
    );
    assert.equal(reply.status, 400);
    assert.equal(JSON.parse(reply.text).code, 'ERR_MESSAGE_INVALID');
    assertRefused(
      await call('DELETE', `${sessionPath('x')}/connections/c`, { body: { why: 'x' } }),
      400,
      'ERR_MESSAGE_INVALID',
    );
  });
  it('honours a smaller maxBodyBytes, and refuses bad options', async () => {
    assert.throws(() => createRestHandler({ registry, sessions, replay: registry, maxBodyBytes: 0 }), {
      code: 'ERR_INVALID_OPTION',
    });
    assert.throws(() => createRestHandler({ registry, sessions, replay: undefined as never }), {
      code: 'ERR_INVALID_OPTION',
    });
  });
});

describe('REST: routing', () => {
  it('answers 404 for an unknown path, 405 with allow for another method', async () => {
    assertRefused(await call('GET', `/v1/apps/${HS_APP}/nothing`), 404, 'ERR_NOT_FOUND');
    assertRefused(await call('GET', `/v1/apps/${HS_APP}/sessions/`), 404, 'ERR_NOT_FOUND');
    assertRefused(await call('GET', `/v1/apps/${HS_APP}`), 404, 'ERR_NOT_FOUND');
    const get = await call('GET', `/v1/apps/${HS_APP}/sessions`);
    assertRefused(get, 405, 'ERR_MESSAGE_INVALID');
    assert.equal(get.headers.get('allow'), 'POST');
    const put = await call('PUT', sessionPath('x'));
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET');
    assert.equal((await call('POST', `${sessionPath('x')}/connections/c1`)).headers.get('allow'), 'DELETE');
  });
  it('percent-decodes path IDs and checks their shape (400)', async () => {
    const bad = await raw('GET', `/v1/apps/${HS_APP}/sessions/%E0%A4%A`, { authorization: `Bearer ${jwtFor()}` });
    assert.equal(bad.status, 400);
    assertRefused(await call('GET', `/v1/apps/${HS_APP}/sessions/a%20b`), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(await call('GET', sessionPath('x'.repeat(513))), 400, 'ERR_MESSAGE_INVALID');
    assertRefused(
      await call('DELETE', `${sessionPath('s')}/connections/${'c'.repeat(65)}`),
      400,
      'ERR_MESSAGE_INVALID',
    );
    assertRefused(await call('DELETE', `${sessionPath('s')}/streams/%00`), 400, 'ERR_MESSAGE_INVALID');
    // Dot segments are IDs like any other, never path navigation.
    assertRefused(await call('GET', `/v1/apps/${HS_APP}/sessions/%2E%2E`), 404, 'ERR_NOT_FOUND');
  });
});

describe('REST: logs', () => {
  beforeEach(() => {
    logLines.length = 0;
  });
  it('logs method, route pattern, status and App ID, never a JWT, a body or a secret', async () => {
    const a = await join(HS_APP, 'log-1');
    const jwt = jwtFor();
    await call('POST', `${sessionPath('log-1')}/signal`, { jwt, body: { data: 'private-signal-data' } });
    await call('POST', `${sessionPath('log-1')}/signal`, { jwt, body: { data: 'private-signal-data' } });
    assert.equal(a.peer.of('signal').length, 1);
    const entries = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e.msg === 'rest request');
    assert.deepEqual(
      entries.map((e) => [e.method, e.route, e.status, e.appId, e.code]),
      [
        ['POST', '/v1/apps/:appId/sessions/:sessionId/signal', 204, HS_APP, null],
        ['POST', '/v1/apps/:appId/sessions/:sessionId/signal', 401, HS_APP, 'ERR_AUTH_REPLAYED'],
      ],
    );
    const all = logLines.join('\n');
    for (const secret of [jwt, jwt.split('.')[2]!, HS_SECRET, 'private-signal-data', 'log-1'])
      assert.ok(!all.includes(secret));
  });
});
