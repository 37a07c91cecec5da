/**
 * The real `opentok` Node SDK, unchanged but for its `apiUrl`, against a real gateway on port 0:
 * each supported call's result, and its effect on clients connected through the gateway with
 * tokens the SDK minted for sessions it created here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readOpenTokSessionId } from '@stagepass/token';
import { TestGateway } from '../../test-support/test-gateway.js';
import { OpenTok, call, failure, joinWith, publish, type OpenTokSdk, type OpenTokStream } from './test-support/sdks.js';

const API_KEY = '47123456';
const SECRET = 'opentok-api-secret-0123456789abcdef0123';

let tg: TestGateway;
let ot: OpenTokSdk;

before(async () => {
  tg = await TestGateway.start();
  tg.registry.importApp({ appId: API_KEY, name: 'Legacy OpenTok project', secret: SECRET });
  ot = new OpenTok(API_KEY, SECRET, { apiUrl: tg.base });
});
after(() => tg.stop());

async function newSession(options: Record<string, unknown> = {}): Promise<string> {
  return (await call<{ sessionId: string }>((cb) => ot.createSession(options, cb))).sessionId;
}

function join(sessionId: string, options: Record<string, unknown> = {}) {
  return joinWith(tg, sessionId, ot.generateToken(sessionId, options), API_KEY);
}

describe('opentok SDK: sessions and tokens', () => {
  it('createSession makes an OpenTok-shaped ID recording the media mode; generateToken works for it', async () => {
    const routed = await newSession({ mediaMode: 'routed', location: '10.1.2.3' });
    const relayed = await newSession();
    assert.deepEqual(
      { ...readOpenTokSessionId(routed), createdAt: undefined },
      { appId: API_KEY, location: '10.1.2.3', mediaMode: 'routed', createdAt: undefined },
    );
    assert.equal(readOpenTokSessionId(relayed)?.mediaMode, 'relayed');
    assert.notEqual(routed, relayed);
    // And that is the session's media mode at the gateway: mediaMode 'routed' (p2p.preference=disabled) routes.
    assert.equal((await tg.gateway.sessions.getSession(API_KEY, routed))?.mediaMode, 'routed');
    assert.equal((await join(routed)).connected.mediaMode, 'routed');
    assert.equal((await join(relayed)).connected.mediaMode, 'relayed');
  });

  it('tokens the SDK mints for those sessions admit clients with their role and data', async () => {
    const sessionId = await newSession();
    const moderator = await join(sessionId, { role: 'moderator', data: 'name=Ada&team=a b' });
    assert.equal(moderator.connected.role, 'moderator');
    assert.equal(moderator.connected.connection.data, 'name=Ada&team=a b');
    assert.equal(moderator.connected.capabilities.forceDisconnect, true);
    const subscriber = await join(sessionId, { role: 'subscriber' });
    assert.equal(subscriber.connected.role, 'subscriber');
    assert.equal(subscriber.connected.connection.data, null);
    assert.equal(subscriber.connected.capabilities.publish, false);
    // A token of this session does not open another one.
    const other = await newSession();
    const refused = await tg.refusal(other, { token: ot.generateToken(sessionId), urlAppId: API_KEY });
    assert.equal(refused.reason, 'ERR_TOKEN_SESSION_MISMATCH');
  });
});

describe('opentok SDK: signals, moderation, streams', () => {
  it('signal to the session and to one connection arrive with their type and data', async () => {
    const sessionId = await newSession();
    const a = await join(sessionId);
    const b = await join(sessionId);
    await call<void>((cb) => ot.signal(sessionId, null, { type: 'chat', data: 'hello everyone' }, cb));
    for (const joined of [a, b]) {
      const signal = await joined.client.next('signal');
      assert.deepEqual(
        { from: signal.from, signalType: signal.signalType, data: signal.data },
        { from: null, signalType: 'chat', data: 'hello everyone' },
      );
    }
    await call<void>((cb) => ot.signal(sessionId, b.id, { data: 'just you' }, cb));
    const direct = await b.client.next('signal');
    assert.deepEqual([direct.signalType, direct.data], ['', 'just you']);
    await a.client.nothing('signal');
    const missing = await failure(call((cb) => ot.signal(sessionId, 'no-such-connection', { data: 'x' }, cb)));
    assert.match(missing.message, /not found/);
  });

  it('forceDisconnect closes the client with forceDisconnected, and the others are told so', async () => {
    const sessionId = await newSession();
    const stays = await join(sessionId);
    const leaves = await join(sessionId);
    await call<void>((cb) => ot.forceDisconnect(sessionId, leaves.id, cb));
    assert.deepEqual(await leaves.client.closedWithin(), { code: 4100, reason: 'forceDisconnected' });
    const destroyed = await stays.client.next('connectionDestroyed');
    assert.deepEqual([destroyed.connectionId, destroyed.reason], [leaves.id, 'forceDisconnected']);
    const again = await failure(call((cb) => ot.forceDisconnect(sessionId, leaves.id, cb)));
    assert.match(again.message, /not found/);
  });

  it('forceMuteStream mutes the stream: everyone sees streamPropertyChanged, the publisher muteForced', async () => {
    const sessionId = await newSession();
    const publisher = await join(sessionId);
    const watcher = await join(sessionId, { role: 'subscriber' });
    const streamId = await publish(publisher, 'cam');
    await call((cb) => ot.forceMuteStream(sessionId, streamId, cb));
    for (const joined of [publisher, watcher]) {
      const changed = await joined.client.next('streamPropertyChanged');
      assert.deepEqual(
        [changed.streamId, changed.property, changed.newValue, changed.reason],
        [streamId, 'hasAudio', false, 'forceMuted'],
      );
    }
    assert.equal((await publisher.client.next('muteForced')).streamId, streamId);
  });

  it("forceMuteAll (with opentok's documented excudedStreamIds) and disableForceMute", async () => {
    const sessionId = await newSession();
    const one = await join(sessionId);
    const two = await join(sessionId);
    const muted = await publish(one, 'one');
    const spared = await publish(two, 'two');
    await call((cb) => ot.forceMuteAll(sessionId, { excudedStreamIds: [spared] }, cb));
    const changed = await two.client.next('streamPropertyChanged');
    assert.equal(changed.streamId, muted);
    const state = await two.client.next('forceMuteChanged');
    assert.deepEqual([state.active, state.excludedStreamIds], [true, [spared]]);
    await two.client.nothing('streamPropertyChanged');
    await call((cb) => ot.disableForceMute(sessionId, cb));
    assert.equal((await one.client.next('forceMuteChanged', (m) => !m.active)).active, false);
  });

  it('listStreams and getStream show the streams; setStreamClassLists changes their layout classes', async () => {
    const sessionId = await newSession();
    const publisher = await join(sessionId, { initialLayoutClassList: ['focus', 'big'] });
    const camera = await publish(publisher, 'Ada cam');
    const screen = await publisher.client.request({
      type: 'publish',
      name: 'slides',
      hasAudio: false,
      hasVideo: true,
      videoType: 'screen',
    });
    const screenId = (screen as unknown as { result: { streamId: string } }).result.streamId;
    const listed = await call<OpenTokStream[]>((cb) => ot.listStreams(sessionId, cb));
    assert.deepEqual(
      listed.map((s) => ({ ...s })).sort((x, y) => x.name.localeCompare(y.name)),
      [
        { id: camera, name: 'Ada cam', videoType: 'camera', layoutClassList: ['focus', 'big'] },
        { id: screenId, name: 'slides', videoType: 'screen', layoutClassList: ['focus', 'big'] },
      ],
    );
    await call((cb) => ot.setStreamClassLists(sessionId, [{ id: screenId, layoutClassList: ['full'] }], cb));
    const one = await call<OpenTokStream>((cb) => ot.getStream(sessionId, screenId, cb));
    assert.deepEqual({ ...one }, { id: screenId, name: 'slides', videoType: 'screen', layoutClassList: ['full'] });
    const unknown = await failure(call((cb) => ot.getStream(sessionId, 'no-such-stream', cb)));
    assert.equal(unknown.message, 'Not Found');
    // A session nobody is in has no streams.
    const empty = await newSession();
    assert.deepEqual(await call((cb) => ot.listStreams(empty, cb)), []);
  });
});

describe('opentok SDK: what Stagepass does not support, and bad credentials', () => {
  it('archiving, broadcast, SIP, DTMF, audio connector, captions and render show our 501 message', async () => {
    const sessionId = await newSession();
    const token = ot.generateToken(sessionId);
    const calls: [string, (cb: (err: Error | null) => void) => void][] = [
      ['Archiving', (cb) => ot.startArchive(sessionId, {}, cb)],
      ['Archiving', (cb) => ot.listArchives({}, cb)],
      ['Live streaming broadcasts', (cb) => ot.startBroadcast(sessionId, { outputs: { hls: {} } }, cb)],
      ['SIP interconnect', (cb) => ot.dial(sessionId, token, 'sip:user@example.com', {}, cb)],
      ['DTMF', (cb) => ot.playDTMF(sessionId, null, '1234', cb)],
      ['Audio Connector', (cb) => ot.websocketConnect(sessionId, token, 'wss://example.com/audio', {}, cb)],
      ['Live captions', (cb) => ot.startCaptions(sessionId, token, {}, cb)],
      ['Experience Composer', (cb) => ot.startRender({ sessionId, token, url: 'https://example.com' }, cb)],
    ];
    for (const [feature, fn] of calls) {
      const err = await failure(call(fn));
      assert.match(err.message, /not supported by Stagepass/, feature);
      assert.ok(err.message.includes(feature), `${feature}: ${err.message}`);
    }
    const always = await failure(newSession({ mediaMode: 'routed', archiveMode: 'always' }));
    assert.match(always.message, /Archiving \(archiveMode always\) is not supported by Stagepass/);
  });

  it('a wrong secret or an unknown API key is "Invalid API key or secret"', async () => {
    for (const client of [
      new OpenTok(API_KEY, `${SECRET}-wrong`, { apiUrl: tg.base }),
      new OpenTok('47000000', SECRET, { apiUrl: tg.base }),
    ]) {
      const err = await failure(call((cb) => client.createSession({}, cb)));
      assert.match(err.message, /Invalid API key or secret/);
    }
  });
});
