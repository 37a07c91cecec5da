/**
 * The death of a session's owner, in this process (docs/cluster.md "Node death"): three nodes, a real
 * redis-server, the owner "crashed" (its Redis connections and timers cut at once, nothing left cleanly:
 * TestCluster.crashNode). A survivor rebuilds a relayed session from the owner's copy of its state; a session
 * with no copy, a routed one, and a member the copy does not have are closed 1013 instead. The same as
 * processes, with a SIGKILL and the SDK: packages/cli/src/commands/cluster-owner-death.test.ts. Under CI=true a
 * missing redis-server fails; locally the suite skips with a loud notice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionId } from '@stagepass/token';
import { Redis } from 'ioredis';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster, type ClusterNode } from '../test-support/test-cluster.js';
import { newSessionId } from '../test-support/test-gateway.js';
import { clusterKeys } from './cluster-keys.js';

const skip = redisSkipReason();
/** Every wait in this file: generous, the machine is shared. */
const WAIT = 15_000;
/** Liveness of these nodes: a crashed one is declared dead about 1–2 s after. */
const LIVENESS_MS = 1000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cluster mode: the owner of a session dies', { skip }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 2, service: { livenessMs: LIVENESS_MS } });
    redis = new Redis(cluster.redis.url);
  });
  after(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  /** A fresh node that will own the sessions a test starts there (and then dies). */
  const owner = (): Promise<ClusterNode> => cluster.addNode();
  const adoptedOn = async (node: ClusterNode) => node.tg.registryMetric('stagepass_cluster_sessions_adopted_total');

  it("a survivor takes a relayed session over: the others keep connections, streams, subscriptions, force mute; the dead node's leave", async () => {
    const dead = await owner();
    const [b, c] = [cluster.node(0), cluster.node(1)];
    const sessionId = newSessionId('takeover');
    const a1 = await dead.tg.join(sessionId, { data: 'a1', role: 'publisher' }); // first: `dead` owns it
    const b1 = await b.tg.join(sessionId, { data: 'b1', role: 'publisher' });
    const c1 = await c.tg.join(sessionId, { data: 'c1', role: 'moderator' });
    const streamOf = async (who: typeof a1) => {
      const reply = await who.client.request({ type: 'publish', hasAudio: true, hasVideo: true });
      assert.ok(reply.type === 'ack', 'published');
      return reply.result.streamId as string;
    };
    const deadStream = await streamOf(a1);
    const liveStream = await streamOf(b1);
    const subscribed = await c1.client.request({ type: 'subscribe', streamId: liveStream });
    assert.ok(subscribed.type === 'ack', 'subscribed');
    const subscriptionId = subscribed.result.subscriptionId as string;
    assert.equal((await c1.client.request({ type: 'forceMuteAll' })).type, 'ack');
    await pause(300); // the owner's copy is written 50 ms after the last change
    const adoptedBefore = (await adoptedOn(b)) + (await adoptedOn(c));

    await cluster.crashNode(dead);
    for (const member of [b1, c1]) {
      const gone = await member.client.next('connectionDestroyed', (m) => m.connectionId === a1.id, WAIT);
      assert.equal(gone.reason, 'networkDisconnected');
      const ended = await member.client.next('streamDestroyed', (m) => m.streamId === deadStream, WAIT);
      assert.equal(ended.reason, 'connectionClosed');
    }
    assert.equal((await adoptedOn(b)) + (await adoptedOn(c)), adoptedBefore + 1, 'one survivor adopted it');
    const ownerKey = clusterKeys('sp:').owner(b.tg.app.appId, sessionId);
    assert.ok([b.service.nodeId, c.service.nodeId].includes((await redis.get(ownerKey))!), 'a survivor owns it');

    // The session goes on: the old subscription, a signal across nodes, what a newcomer sees.
    assert.equal((await c1.client.request({ type: 'unsubscribe', subscriptionId })).type, 'ack');
    assert.equal((await b1.client.request({ type: 'signal', to: c1.id, data: 'after' })).type, 'ack');
    assert.equal((await c1.client.next('signal', (m) => m.data === 'after', WAIT)).from, b1.id);
    const newcomer = await c.tg.join(sessionId, { data: 'new' });
    assert.deepEqual(newcomer.connected.connections.map((x) => x.id).sort(), [b1.id, c1.id].sort());
    assert.deepEqual(
      newcomer.connected.streams.map((st) => [st.id, st.hasAudio]),
      [[liveStream, false]],
      "b1's stream, its audio still forced off",
    );
    assert.equal(newcomer.connected.forceMute.active, true);
    for (const member of [b1, c1]) assert.equal(member.client.closeInfo, undefined, 'the survivors keep their sockets');
  });

  it('a session with no stored copy, and a routed one, are not taken over: their members elsewhere are closed 1013', async () => {
    const dead = await owner();
    const b = cluster.node(0);
    const relayed = newSessionId('no-copy');
    const routed = createSessionId({ appId: b.tg.app.appId, mediaMode: 'routed' });
    await dead.tg.join(relayed, { data: 'x' });
    await dead.tg.join(routed, { data: 'y' });
    const inRelayed = await b.tg.join(relayed, { data: 'b-relayed' });
    const inRouted = await b.tg.join(routed, { data: 'b-routed' });
    await pause(300);
    assert.equal(await redis.del(clusterKeys('sp:').state(b.tg.app.appId, relayed)), 1, 'the copy was there');
    assert.equal(await redis.exists(clusterKeys('sp:').state(b.tg.app.appId, routed)), 0, 'none for a routed one');

    await cluster.crashNode(dead);
    for (const member of [inRelayed, inRouted])
      assert.deepEqual(await member.client.closedWithin(WAIT), { code: 1013, reason: 'ERR_UNAVAILABLE' });
  });

  it('a member the copy does not have (admitted just before the death) is closed 1013; the others stay', async () => {
    const dead = await owner();
    const b = cluster.node(0);
    const sessionId = newSessionId('gap');
    await dead.tg.join(sessionId, { data: 'a' });
    const kept = await b.tg.join(sessionId, { data: 'kept' });
    await pause(300);
    // Admitted, and the owner dies before its 50 ms copy delay has passed: the copy has `kept` only.
    const late = await b.tg.join(sessionId, { data: 'late' });
    await cluster.crashNode(dead);

    assert.deepEqual(await late.client.closedWithin(WAIT), { code: 1013, reason: 'ERR_UNAVAILABLE' });
    await kept.client.next('connectionDestroyed', () => true, WAIT);
    assert.equal(kept.client.closeInfo, undefined, 'the member in the copy stays');
    assert.equal((await kept.client.request({ type: 'signal', data: 'hello' })).type, 'ack');
  });

  it('a node that hears no `adopted` within takeoverTimeoutMs closes its members 1013; meanwhile their requests are refused at once', async () => {
    const dead = await owner();
    const waiter = await cluster.addNode({ takeoverTimeoutMs: 1500 });
    const sessionId = newSessionId('no-adopted');
    await dead.tg.join(sessionId, { data: 'a' });
    const member = await waiter.tg.join(sessionId, { data: 'waits' });
    await pause(300);
    const keys = clusterKeys('sp:');
    try {
      await cluster.crashNode(dead);
      // A live-looking node that will never send `adopted` holds the session when the survivor claims it.
      await redis.zadd(keys.nodes, Date.now() + 3_600_000, 'ghost');
      await redis.set(keys.owner(waiter.tg.app.appId, sessionId), 'ghost');

      let id = 1000;
      let moving: { id: number | null; code: string } | undefined;
      const deadline = Date.now() + WAIT;
      while (moving === undefined && member.client.closeInfo === undefined && Date.now() < deadline) {
        const reply = await member.client.request({ type: 'signal', data: `try ${id++}` }, 100).catch(() => undefined);
        if (reply?.type === 'error' && /moving/.test(reply.message)) moving = reply;
        else assert.equal(reply, undefined, 'before the death notice, a request to the dead owner gets no reply');
      }
      assert.ok(moving !== undefined, 'a request sent while the session was moving was refused at once');
      assert.equal(moving.code, 'ERR_UNAVAILABLE');
      assert.equal(member.client.closeInfo, undefined, 'still open while it waits for `adopted`');
      assert.deepEqual(await member.client.closedWithin(WAIT), { code: 1013, reason: 'ERR_UNAVAILABLE' });
    } finally {
      await redis.zrem(keys.nodes, 'ghost');
    }
  });

  it('a socket remembers its last maxTrackedRequests unanswered requests: after the takeover, exactly those get ERR_UNAVAILABLE', async () => {
    const dead = await cluster.addNode({ livenessMs: 3000 }); // declared dead ~3 s after its crash: time to send
    const holder = await cluster.addNode({ maxTrackedRequests: 3 });
    const sessionId = newSessionId('tracked');
    const a = await dead.tg.join(sessionId, { data: 'a' });
    const member = await holder.tg.join(sessionId, { data: 'b' });
    await pause(300);
    await cluster.crashNode(dead);
    // Sent to the dead owner before it is declared dead: never answered by it.
    const ids = [101, 102, 103, 104, 105];
    for (const id of ids) member.client.send({ type: 'signal', id, data: `lost ${id}` });

    await member.client.next('connectionDestroyed', (m) => m.connectionId === a.id, WAIT); // taken over
    await member.client.next('error', (m) => m.id === 105, WAIT);
    assert.equal((await member.client.request({ type: 'signal', data: 'after' })).type, 'ack');
    const replies = member.client.received.flatMap((m) =>
      (m.type === 'error' || m.type === 'ack') && ids.includes(m.id ?? -1)
        ? [[m.type, m.id, m.type === 'error' && m.code, m.type === 'error' && /died/.test(m.message)]]
        : [],
    );
    assert.deepEqual(
      replies,
      [103, 104, 105].map((id) => ['error', id, 'ERR_UNAVAILABLE', true]),
      'the three most recent were answered, the two older ones forgotten',
    );
  });
});
