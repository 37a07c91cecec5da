/**
 * The auth profile of the OpenTok-compatible routes and their refusals, over plain HTTP against a
 * real gateway: each rule asserts its status and code.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Video } from '@vonage/video';
import { createAppJwt, createSessionId } from '@stagepass/token';
import { TestGateway, type HttpAnswer } from '../../test-support/test-gateway.js';
import { OpenTok, vonageKeys } from './test-support/sdks.js';

const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken') as { sign(claims: object, key: string, options?: object): string };

const API_KEY = '47123456';
const SECRET = 'opentok-api-secret-0123456789abcdef0123';
const VONAGE_ID = randomUUID();
const VONAGE_KEYS = vonageKeys();
const SESSION = createSessionId({ appId: API_KEY });

let tg: TestGateway;

before(async () => {
  tg = await TestGateway.start();
  tg.registry.importApp({ appId: API_KEY, name: 'Legacy', secret: SECRET });
  tg.registry.importApp({ appId: VONAGE_ID, name: 'Vonage', publicKeyPem: VONAGE_KEYS.publicKey });
});
after(() => tg.stop());

const unix = () => Math.floor(Date.now() / 1000);
/** A project JWT as opentok signs it (HS256, no jti), with changes. */
const opentokJwt = (changes: Record<string, unknown> = {}, secret = SECRET) =>
  jwt.sign({ iss: API_KEY, ist: 'project', iat: unix(), exp: unix() + 300, ...changes }, secret);
/** A project JWT as @vonage/video signs it (RS256, jti, exp = iat + 900), with changes. */
const vonageJwt = (changes: Record<string, unknown> = {}) =>
  jwt.sign(
    { application_id: VONAGE_ID, jti: randomUUID(), iat: unix(), exp: unix() + 900, ...changes },
    VONAGE_KEYS.privateKey,
    {
      algorithm: 'RS256',
    },
  );

/** Signals the session `SESSION` of `appId` (a connection must be in it for 204). */
function signal(appId: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return tg.http(`/v2/project/${appId}/session/${SESSION}/signal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ type: 't', data: 'd' }),
  });
}

function assertRefused(answer: HttpAnswer, status: number, code: string, message?: RegExp): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  const body = answer.json();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  assert.equal(body.code, code);
  if (message !== undefined) assert.match(body.message as string, message);
}

describe('OpenTok-compatible routes: the auth profile', () => {
  before(async () => {
    await tg.join(SESSION, { token: new OpenTok(API_KEY, SECRET).generateToken(SESSION), urlAppId: API_KEY });
    await tg.join(SESSION, {
      token: new Video({ applicationId: VONAGE_ID, privateKey: VONAGE_KEYS.privateKey }).generateClientToken(SESSION),
      urlAppId: VONAGE_ID,
    });
  });

  it("takes opentok's JWT without jti, the same bytes twice (never a replay)", async () => {
    const same = opentokJwt();
    assert.equal((await signal(API_KEY, { 'x-opentok-auth': same })).status, 204);
    assert.equal((await signal(API_KEY, { 'x-opentok-auth': same })).status, 204);
  });

  it("takes @vonage/video's RS256 Bearer JWT with exp 15 minutes ahead; a repeated jti is refused", async () => {
    const once = vonageJwt();
    assert.equal((await signal(VONAGE_ID, { authorization: `Bearer ${once}` })).status, 204);
    assertRefused(await signal(VONAGE_ID, { authorization: `Bearer ${once}` }), 401, 'ERR_AUTH_REPLAYED');
    // opentok's Vonage mode: iss, ist, application_id and jti together.
    const both = vonageJwt({ iss: VONAGE_ID, ist: 'project' });
    assert.equal((await signal(VONAGE_ID, { authorization: `Bearer ${both}` })).status, 204);
  });

  it('refuses exp more than 15 minutes (+ 30 s tolerance) ahead, and an expired JWT: 401 ERR_AUTH_EXPIRED', async () => {
    assertRefused(
      await signal(API_KEY, { 'x-opentok-auth': opentokJwt({ exp: unix() + 960 }) }),
      401,
      'ERR_AUTH_EXPIRED',
      /900 s/,
    );
    assertRefused(
      await signal(API_KEY, { 'x-opentok-auth': opentokJwt({ iat: unix() - 600, exp: unix() - 60 }) }),
      401,
      'ERR_AUTH_EXPIRED',
    );
  });

  it("refuses an App ID claim other than the path's, none at all, and a bad signature: 401 ERR_AUTH_INVALID", async () => {
    assertRefused(
      await signal(API_KEY, { 'x-opentok-auth': opentokJwt({ iss: '47000000' }) }),
      401,
      'ERR_AUTH_INVALID',
      /iss/,
    );
    assertRefused(
      await signal(VONAGE_ID, { authorization: `Bearer ${vonageJwt({ application_id: randomUUID() })}` }),
      401,
      'ERR_AUTH_INVALID',
    );
    const unnamed = jwt.sign({ iat: unix(), exp: unix() + 60 }, SECRET);
    assertRefused(await signal(API_KEY, { 'x-opentok-auth': unnamed }), 401, 'ERR_AUTH_INVALID', /names no app/);
    const forged = await signal(API_KEY, { 'x-opentok-auth': opentokJwt({}, `${SECRET}-x`) });
    const unknownApp = await signal('47000000', { 'x-opentok-auth': opentokJwt({ iss: '47000000' }) });
    assertRefused(forged, 401, 'ERR_AUTH_INVALID');
    assertRefused(unknownApp, 401, 'ERR_AUTH_INVALID');
    assert.equal(forged.json().message, unknownApp.json().message);
  });

  it('never takes a client session token (opentok or Vonage) as a project JWT', async () => {
    const opentokToken = new OpenTok(API_KEY, SECRET).generateToken(SESSION, { role: 'moderator' });
    assertRefused(await signal(API_KEY, { 'x-opentok-auth': opentokToken }), 401, 'ERR_AUTH_INVALID', /session token/);
    const vonageToken = new Video({ applicationId: VONAGE_ID, privateKey: VONAGE_KEYS.privateKey }).generateClientToken(
      SESSION,
      { role: 'moderator', expireTime: unix() + 600 },
    );
    assertRefused(
      await signal(VONAGE_ID, { authorization: `Bearer ${vonageToken}` }),
      401,
      'ERR_AUTH_INVALID',
      /session token/,
    );
  });

  it('refuses no credentials, two headers, a header twice, a non-Bearer Authorization', async () => {
    assertRefused(await signal(API_KEY, {}), 401, 'ERR_AUTH_INVALID', /no project JWT/);
    assertRefused(
      await signal(API_KEY, { 'x-opentok-auth': opentokJwt(), authorization: `Bearer ${opentokJwt()}` }),
      401,
      'ERR_AUTH_INVALID',
      /one header/,
    );
    assertRefused(await signal(API_KEY, { authorization: `Basic ${btoa('a:b')}` }), 401, 'ERR_AUTH_INVALID', /Bearer/);
    const twice = new Headers({ 'content-type': 'application/json' });
    twice.append('x-opentok-auth', opentokJwt());
    twice.append('x-opentok-auth', opentokJwt());
    const answer = await tg.http(`/v2/project/${API_KEY}/session/${SESSION}/signal`, {
      method: 'POST',
      headers: twice,
      body: '{"data":"x"}',
    });
    // fetch joins repeated headers with ", ": one value that is not a JWT.
    assertRefused(answer, 401, 'ERR_AUTH_INVALID');
  });

  it('is its own profile: /v1 still refuses a JWT without jti, and a compat JWT is checked against the path', async () => {
    const v1 = await tg.http(`/v1/apps/${API_KEY}/sessions/${SESSION}/signal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opentokJwt()}`, 'content-type': 'application/json' },
      body: '{"data":"x"}',
    });
    assertRefused(v1, 401, 'ERR_AUTH_INVALID', /jti/);
    // A /v1 app JWT (iss, ist, jti) is a valid project JWT here too, once.
    const appJwt = createAppJwt({ appId: API_KEY, secret: SECRET });
    assert.equal((await signal(API_KEY, { 'x-opentok-auth': appJwt })).status, 204);
    assertRefused(await signal(API_KEY, { 'x-opentok-auth': appJwt }), 401, 'ERR_AUTH_REPLAYED');
  });

  it('/session/create takes its App ID from the JWT: an unknown app is refused like a bad signature', async () => {
    const create = (token: string) =>
      tg.http('/session/create', {
        method: 'POST',
        headers: { 'x-opentok-auth': token, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'p2p.preference=enabled',
      });
    const ok = await create(opentokJwt());
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
    const [created] = JSON.parse(ok.text) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(created!).sort(), [
      'create_dt',
      'media_server_url',
      'partner_id',
      'project_id',
      'session_id',
    ]);
    assert.deepEqual([created!.project_id, created!.partner_id], [API_KEY, API_KEY]);
    assertRefused(await create(opentokJwt({ iss: '47000000' })), 401, 'ERR_AUTH_INVALID', /does not verify/);
    assertRefused(await create('not-a-jwt'), 401, 'ERR_AUTH_INVALID');
  });
});

describe('OpenTok-compatible routes: paths and bodies', () => {
  const auth = () => ({ 'x-opentok-auth': opentokJwt() });

  it('answers 501 ERR_NOT_SUPPORTED for the known unsupported routes, before any auth', async () => {
    for (const [method, path] of [
      ['POST', `/v2/project/${API_KEY}/archive`],
      ['GET', `/v2/project/${API_KEY}/archive/a1`],
      ['POST', `/v2/project/${API_KEY}/broadcast`],
      ['POST', `/v2/project/${API_KEY}/dial`],
      ['POST', `/v2/project/${API_KEY}/connect`],
      ['POST', `/v2/project/${API_KEY}/captions`],
      ['POST', `/v2/project/${API_KEY}/render`],
      ['POST', `/v2/project/${API_KEY}/session/${SESSION}/play-dtmf`],
      ['POST', `/v2/project/${API_KEY}/session/${SESSION}/connection/c1/play-dtmf`],
      ['POST', `/v2/project/${API_KEY}/callback`],
    ] as const) {
      assertRefused(await tg.http(path, { method }), 501, 'ERR_NOT_SUPPORTED', /not supported by Stagepass/);
    }
  });

  it('404 for unknown paths, 405 with allow for another method: JSON {code, message}', async () => {
    assertRefused(await tg.http(`/v2/project/${API_KEY}/nothing`, { headers: auth() }), 404, 'ERR_NOT_FOUND');
    assertRefused(await tg.http('/v2/project/', { headers: auth() }), 404, 'ERR_NOT_FOUND');
    const wrong = await tg.http(`/v2/project/${API_KEY}/session/${SESSION}/stream`, {
      method: 'POST',
      headers: auth(),
    });
    assertRefused(wrong, 405, 'ERR_MESSAGE_INVALID');
    assert.equal(wrong.headers.get('allow'), 'GET, PUT');
    assertRefused(await tg.http('/session/create', { headers: auth() }), 405, 'ERR_MESSAGE_INVALID');
  });

  it('refuses bad bodies with 400 / 415 and says what was wrong', async () => {
    const post = (path: string, body: string, type = 'application/json') =>
      tg.http(`/v2/project/${API_KEY}/session/${SESSION}/${path}`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': type },
        body,
      });
    assertRefused(await post('signal', '{"data":5}'), 400, 'ERR_MESSAGE_INVALID', /data/);
    assertRefused(await post('signal', 'data=x', 'application/x-www-form-urlencoded'), 415, 'ERR_MESSAGE_INVALID');
    assertRefused(await post('mute', '{"active":"yes"}'), 400, 'ERR_MESSAGE_INVALID', /active/);
    assertRefused(
      await post('mute', '{"active":true,"excludedStreamIds":[],"excudedStreamIds":[]}'),
      400,
      'ERR_MESSAGE_INVALID',
      /once/,
    );
    assertRefused(
      await post('mute', '{"active":false,"excludedStreamIds":["s1"]}'),
      400,
      'ERR_MESSAGE_INVALID',
      /empty/,
    );
    assertRefused(await post('stream/s1/mute', '{"x":1}'), 400, 'ERR_MESSAGE_INVALID');
    const form = (body: string) =>
      tg.http('/session/create', {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    assertRefused(await form('p2p.preference=maybe'), 400, 'ERR_MESSAGE_INVALID', /p2p.preference/);
    assertRefused(await form('archiveMode=manual&archiveMode=always'), 400, 'ERR_MESSAGE_INVALID', /more than once/);
    assert.equal((await form('location=null&e2ee=false&unknownKey=1')).status, 200);
    const layout = await tg.http(`/v2/project/${API_KEY}/session/${SESSION}/stream`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{"items":[{"id":"no-such-stream","layoutClassList":["a"]}]}',
    });
    assertRefused(layout, 404, 'ERR_NOT_FOUND');
  });
});
