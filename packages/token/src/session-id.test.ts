import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionId, readOpenTokSessionId, verifyToken } from './index.js';
import { OpenTok, assertRefused, opentokSecret } from './test-support/interop-fixtures.js';

const API_KEY = '47123456';
const SECRET = opentokSecret();

describe('createSessionId', () => {
  it('without options: 32 URL-safe random characters, all distinct', () => {
    const ids = new Set(Array.from({ length: 500 }, () => createSessionId()));
    assert.equal(ids.size, 500);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{32}$/);
    assert.match(createSessionId({}), /^[A-Za-z0-9_-]{32}$/);
  });

  it('with appId: the OpenTok shape, which the real opentok SDK accepts for that API key only', () => {
    const opentok = new OpenTok(API_KEY, SECRET);
    const other = new OpenTok('47000000', SECRET);
    const sessionId = createSessionId({ appId: API_KEY });
    assert.match(sessionId, /^1_[A-Za-z0-9_-]+$/);
    const token = opentok.generateToken(sessionId, { role: 'moderator', data: 'name=Ada' });
    const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId });
    assert.equal(granted.role, 'moderator');
    assert.equal(granted.data, 'name=Ada');
    assert.throws(() => other.generateToken(sessionId), /belongs to the API Key/);
    // The plain IDs do not decode to an API key: opentok refuses them.
    assert.throws(() => opentok.generateToken(createSessionId()), /belongs to the API Key/);
  });

  it('records the media mode, location and creation time, and readOpenTokSessionId reads them back', () => {
    const now = 1_767_225_600_000;
    const relayed = createSessionId({ appId: API_KEY, now });
    const routed = createSessionId({ appId: API_KEY, mediaMode: 'routed', location: '10.1.2.3', now });
    assert.deepEqual(readOpenTokSessionId(relayed), {
      appId: API_KEY,
      location: '',
      createdAt: now,
      mediaMode: 'relayed',
    });
    assert.deepEqual(readOpenTokSessionId(routed), {
      appId: API_KEY,
      location: '10.1.2.3',
      createdAt: now,
      mediaMode: 'routed',
    });
    const inner = Buffer.from(relayed.slice(2), 'base64url').toString();
    assert.match(inner, new RegExp(`^1~${API_KEY}~~${now}~[A-Za-z0-9_-]{24}~P~$`));
    assert.notEqual(createSessionId({ appId: API_KEY, now }), relayed);
  });

  it('works with a UUID App ID (a Vonage application) too', () => {
    const appId = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
    assert.equal(readOpenTokSessionId(createSessionId({ appId }))?.appId, appId);
  });

  it('readOpenTokSessionId: undefined for IDs of another shape, never a throw', () => {
    for (const id of [
      createSessionId(),
      '',
      'x',
      '1_',
      '1_!!!',
      42,
      undefined,
      `1_${Buffer.from('a~b').toString('base64url')}`,
    ]) {
      assert.equal(readOpenTokSessionId(id), undefined, String(id));
    }
  });

  it('refuses bad options with ERR_INVALID_OPTION naming the option', () => {
    const option = (fn: () => unknown, name: string) =>
      assert.equal(assertRefused(fn, 'ERR_INVALID_OPTION').details.option, name);
    option(() => createSessionId({ appId: 'has space' }), 'appId');
    option(() => createSessionId({ appId: 'a~b' }), 'appId');
    option(() => createSessionId({ appId: API_KEY, mediaMode: 'p2p' as never }), 'mediaMode');
    option(() => createSessionId({ appId: API_KEY, location: 'eu' }), 'location');
    option(() => createSessionId({ appId: API_KEY, now: 1.5 }), 'now');
    option(() => createSessionId({ mediaMode: 'routed' }), 'appId');
    option(() => createSessionId(null as never), 'options');
  });
});
