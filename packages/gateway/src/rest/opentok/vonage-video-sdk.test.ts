/**
 * The real `@vonage/video` SDK, unchanged but for its `videoHost`, against a real gateway on port 0:
 * a Vonage application registered with its ID and public key (`stagepass app import --public-key`),
 * the SDK signing RS256 with the private key. Each supported call's result, and its effect on
 * clients connected through the gateway with tokens the SDK minted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Video } from '@vonage/video';
import { readOpenTokSessionId } from '@stagepass/token';
import { TestGateway } from '../../test-support/test-gateway.js';
import { failure, joinWith, publish, vonageKeys } from './test-support/sdks.js';

const APP_ID = randomUUID();
const KEYS = vonageKeys();

let tg: TestGateway;
let video: Video;

before(async () => {
  tg = await TestGateway.start();
  tg.registry.importApp({ appId: APP_ID, name: 'Vonage application', publicKeyPem: KEYS.publicKey });
  video = new Video({ applicationId: APP_ID, privateKey: KEYS.privateKey }, { videoHost: tg.base });
});
after(() => tg.stop());

async function newSession(): Promise<string> {
  return (await video.createSession({})).sessionId;
}

function join(sessionId: string, options: Parameters<Video['generateClientToken']>[1] = {}) {
  return joinWith(tg, sessionId, video.generateClientToken(sessionId, options), APP_ID);
}

describe('@vonage/video SDK against the gateway', () => {
  it('createSession (routed by default, location null) and client tokens admit with role and data', async () => {
    const sessionId = await newSession();
    assert.equal(readOpenTokSessionId(sessionId)?.appId, APP_ID);
    assert.equal(readOpenTokSessionId(sessionId)?.mediaMode, 'routed');
    const moderator = await join(sessionId, { role: 'moderator', data: 'user=7' });
    assert.deepEqual([moderator.connected.role, moderator.connected.connection.data], ['moderator', 'user=7']);
    const publisheronly = await join(sessionId, { role: 'publisheronly' });
    assert.equal(publisheronly.connected.role, 'publisheronly');
    assert.equal(publisheronly.connected.capabilities.subscribe, false);
  });

  it('sendSignal to the session and to one connection', async () => {
    const sessionId = await newSession();
    const a = await join(sessionId);
    const b = await join(sessionId);
    await video.sendSignal({ type: 'note', data: 'to all' }, sessionId);
    for (const joined of [a, b]) {
      const signal = await joined.client.next('signal');
      assert.deepEqual([signal.signalType, signal.data, signal.from], ['note', 'to all', null]);
    }
    await video.sendSignal({ type: 'dm', data: 'to b' }, sessionId, b.id);
    assert.equal((await b.client.next('signal')).data, 'to b');
    await a.client.nothing('signal');
  });

  it('disconnectClient closes the client with forceDisconnected', async () => {
    const sessionId = await newSession();
    const stays = await join(sessionId);
    const leaves = await join(sessionId);
    await video.disconnectClient(sessionId, leaves.id);
    assert.deepEqual(await leaves.client.closedWithin(), { code: 4100, reason: 'forceDisconnected' });
    assert.equal((await stays.client.next('connectionDestroyed')).reason, 'forceDisconnected');
  });

  it('muteStream (no body) answers the project without a secret; everyone sees streamPropertyChanged', async () => {
    const sessionId = await newSession();
    const publisher = await join(sessionId);
    const watcher = await join(sessionId, { role: 'subscriber' });
    const streamId = await publish(publisher, 'cam');
    const project = (await video.muteStream(sessionId, streamId)) as unknown as Record<string, unknown>;
    const app = tg.registry.getApp(APP_ID)!;
    assert.deepEqual(project, {
      id: APP_ID,
      status: 'ACTIVE',
      name: 'Vonage application',
      environment: 'standard',
      createdAt: app.createdAt,
    });
    for (const joined of [publisher, watcher]) {
      const changed = await joined.client.next('streamPropertyChanged');
      assert.deepEqual([changed.streamId, changed.newValue, changed.reason], [streamId, false, 'forceMuted']);
    }
  });

  it('forceMuteAll with excludedStreamIds, and disableForceMute (active false, excludedStreamIds [])', async () => {
    const sessionId = await newSession();
    const one = await join(sessionId);
    const two = await join(sessionId);
    const muted = await publish(one, 'one');
    const spared = await publish(two, 'two');
    assert.equal((await video.forceMuteAll(sessionId, [spared])).status, 'ACTIVE');
    assert.equal((await two.client.next('streamPropertyChanged')).streamId, muted);
    assert.deepEqual((await one.client.next('forceMuteChanged')).excludedStreamIds, [spared]);
    await video.disableForceMute(sessionId);
    assert.equal((await one.client.next('forceMuteChanged', (m) => !m.active)).active, false);
  });

  it('getStreamInfo lists and gets streams (objects, not text); setStreamClassLists', async () => {
    const sessionId = await newSession();
    const publisher = await join(sessionId);
    const streamId = await publish(publisher, 'Grace cam');
    const list = (await video.getStreamInfo(sessionId)) as unknown as Record<string, unknown>;
    assert.deepEqual(list, {
      count: 1,
      items: [{ id: streamId, videoType: 'camera', name: 'Grace cam', layoutClassList: [] }],
    });
    await video.setStreamClassLists(sessionId, [{ id: streamId, layoutClassList: ['focus'] }]);
    const one = (await video.getStreamInfo(sessionId, streamId)) as unknown as Record<string, unknown>;
    assert.deepEqual(one, { id: streamId, videoType: 'camera', name: 'Grace cam', layoutClassList: ['focus'] });
  });

  it('unsupported features fail with 501 ERR_NOT_SUPPORTED; another key fails with 401', async () => {
    const sessionId = await newSession();
    for (const promise of [video.startArchive(sessionId), video.searchBroadcasts(), video.playDTMF(sessionId, '12')]) {
      const err = await failure(promise);
      assert.equal(err.response?.status, 501);
    }
    const stranger = new Video({ applicationId: APP_ID, privateKey: vonageKeys().privateKey }, { videoHost: tg.base });
    assert.equal((await failure(stranger.createSession({}))).response?.status, 401);
  });
});
