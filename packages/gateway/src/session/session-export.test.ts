import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Role } from '@stagepass/protocol';
import { ADMITTED_AT_S, admittedClient } from '../test-support/admitted-client.js';
import { RecordingPeer } from '../test-support/recording-peer.js';
import { MemorySessionService } from './memory-session-service.js';
import { parseSessionExport } from './session-export.js';
import type { AdmittedClient } from './session-service.js';

const NOW_S = ADMITTED_AT_S;

const client = (role: Role, data: string): AdmittedClient => admittedClient(role, { data });

function ackOf(peer: RecordingPeer, id: number): Record<string, unknown> {
  const ack = peer.received.find((m) => m.type === 'ack' && m.id === id);
  assert.ok(ack !== undefined && ack.type === 'ack', `request ${id} was not acked`);
  return ack.result;
}

/** A session on core A: a publisher with a stream, a subscriber subscribed to it, a moderator; a force mute on. */
async function populated() {
  const changed: string[] = [];
  const a = new MemorySessionService({
    now: () => NOW_S * 1000,
    onSessionChanged: (appId, sessionId) => changed.push(`${appId}/${sessionId}`),
  });
  const peers = { pub: new RecordingPeer(), sub: new RecordingPeer(), mod: new RecordingPeer() };
  const pub = await a.join(client('publisher', 'pub'), peers.pub);
  const sub = await a.join(client('subscriber', 'sub'), peers.sub);
  const mod = await a.join(client('moderator', 'mod'), peers.mod);
  a.handle(pub, { type: 'publish', id: 1, name: 'cam', hasAudio: true, hasVideo: true });
  const streamId = ackOf(peers.pub, 1).streamId as string;
  a.handle(sub, { type: 'subscribe', id: 2, streamId });
  const subscriptionId = ackOf(peers.sub, 2).subscriptionId as string;
  a.handle(mod, { type: 'forceMuteAll', id: 3 });
  const connected = peers.sub.received.find((m) => m.type === 'connected')!;
  return { a, peers, ids: { pub, sub, mod }, streamId, subscriptionId, changed, connected };
}

describe('session export and adoption (a takeover after an owner died)', () => {
  it('rebuilds the session on another core with its IDs, streams, subscriptions and force mute, telling nobody', async () => {
    const { a, ids, streamId, subscriptionId } = await populated();
    const text = JSON.stringify(a.exportSession('app-1', 's1'));
    const b = new MemorySessionService({ now: () => NOW_S * 1000 });
    const fresh = { pub: new RecordingPeer(), sub: new RecordingPeer(), mod: new RecordingPeer() };
    const byId = new Map([
      [ids.pub, fresh.pub],
      [ids.sub, fresh.sub],
      [ids.mod, fresh.mod],
    ]);
    const adopted = b.adoptSession(parseSessionExport(text), (c) => byId.get(c.id));
    assert.deepEqual(adopted.sort(), [ids.pub, ids.sub, ids.mod].sort());
    assert.deepEqual(await b.getSession('app-1', 's1'), await a.getSession('app-1', 's1'), 'the same snapshot');
    for (const peer of Object.values(fresh)) assert.deepEqual(peer.received, [], 'nobody is told of an adoption');

    // The subscription came along: its subscriber ends it by its old ID, on B.
    b.handle(ids.sub, { type: 'unsubscribe', id: 7, subscriptionId });
    assert.deepEqual(ackOf(fresh.sub, 7), {});
    // The publisher leaves: its stream is destroyed, every other member of B is told.
    b.leave(ids.pub, 'networkDisconnected');
    for (const peer of [fresh.sub, fresh.mod]) {
      assert.ok(peer.received.some((m) => m.type === 'streamDestroyed' && m.streamId === streamId));
      assert.ok(peer.received.some((m) => m.type === 'connectionDestroyed' && m.connectionId === ids.pub));
    }
    assert.equal((await b.getSession('app-1', 's1'))!.forceMute.active, true, 'the force mute is still on');
  });

  it('keeps resume secrets: a connection resumes on the adopting core with the secret it was given', async () => {
    const { a, ids, connected } = await populated();
    assert.equal(connected.type, 'connected');
    const secret = (connected as { resumeSecret: string }).resumeSecret;
    const b = new MemorySessionService({ now: () => NOW_S * 1000 });
    b.adoptSession(parseSessionExport(JSON.stringify(a.exportSession('app-1', 's1'))), () => undefined);
    const back = new RecordingPeer();
    const resumed = await b.resume(
      { appId: 'app-1', sessionId: 's1', connectionId: ids.sub, resumeSecret: secret },
      back,
    );
    assert.equal(resumed.data, 'sub');
    assert.equal(back.received[0]?.type, 'resumed');
  });

  it('adopts nothing that would clash with what the core holds already', async () => {
    const { a } = await populated();
    const exported = parseSessionExport(JSON.stringify(a.exportSession('app-1', 's1')));
    assert.deepEqual(
      a.adoptSession(exported, () => new RecordingPeer()),
      [],
      'the session is there: nothing adopted',
    );
  });

  it('tells onSessionChanged of every state change, not of signals', async () => {
    const { a, ids, changed } = await populated();
    assert.deepEqual(changed, Array(6).fill('app-1/s1'), '3 joins, a publish, a subscribe, a force mute');
    a.handle(ids.pub, { type: 'signal', id: 9, data: 'hi' });
    assert.equal(changed.length, 6, 'a signal changes no state');
    await a.setLayoutClassLists('app-1', 's1', []);
    assert.equal(changed.length, 7, 'a layout change does');
  });

  it('refuses a stored connection whose admitted client is incomplete (it would be adopted without its capabilities)', async () => {
    const { a } = await populated();
    const exported = JSON.parse(JSON.stringify(a.exportSession('app-1', 's1'))) as {
      connections: { client: Record<string, unknown> }[];
    };
    assert.doesNotThrow(() => parseSessionExport(JSON.stringify(exported)), 'the export as made is read');
    delete exported.connections[0]!.client.capabilities;
    assert.throws(() => parseSessionExport(JSON.stringify(exported)), /malformed \(connections\)/);
  });

  it('refuses a stored state that is not one: wrong JSON, version or shape', () => {
    for (const text of ['{', '{"v":2}', '{"v":1,"appId":"a","sessionId":"s","createdAt":1}', '[]']) {
      assert.throws(() => parseSessionExport(text), /stored session state is malformed/, text);
    }
  });
});
