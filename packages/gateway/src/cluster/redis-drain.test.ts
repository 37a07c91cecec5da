/**
 * Drain in cluster mode (docs/cluster.md "Drain"): a draining node gives its sessions up at the drain's
 * start, so a member it closed 1012 rejoins at once on another node into a session that node owns,
 * while the drain still goes on. Two nodes in this process, a real redis-server. Under CI=true a missing
 * redis-server fails; locally the suite skips with a loud notice.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { newSessionId } from '../test-support/test-gateway.js';
import { clusterKeys } from './cluster-keys.js';

const skip = redisSkipReason();

/** Every wait in this file: generous, the machine is shared. */
const WAIT = 10_000;

describe('cluster mode: a draining node releases its sessions at once', { skip }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 2 });
    redis = new Redis(cluster.redis.url);
  });
  after(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  it('a member closed 1012 rejoins on another node at once, into a session that node owns, while the drain lasts', async () => {
    const [draining, staying] = [cluster.node(0), cluster.node(1)];
    const appId = draining.tg.app.appId;
    const sessionId = newSessionId('drain');
    const ownerKey = clusterKeys('sp:').owner(appId, sessionId);
    const a = await draining.tg.join(sessionId, { data: 'a' }); // the first member: node 0 owns the session
    const deaf = await draining.tg.join(sessionId, { data: 'deaf' });
    const b = await staying.tg.join(sessionId, { data: 'b' });
    assert.equal(await redis.get(ownerKey), draining.service.nodeId);
    // Never reads its close frame: it holds the drain open for the whole drain time.
    (deaf.client.ws as unknown as { _socket: Socket })._socket.pause();
    const leasesBefore = await draining.tg.registryMetric('stagepass_cluster_leases_released_total');

    let drained = false;
    const closing = draining.tg.gateway.close({ drainMs: 8000 }).then(() => (drained = true));
    assert.deepEqual(await b.client.closedWithin(WAIT), { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });
    assert.deepEqual(await a.client.closedWithin(WAIT), { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });

    // Both rejoin at once on the node that stays (as the load balancer sends them there).
    const b2 = await staying.tg.join(sessionId, { data: 'b2' });
    assert.deepEqual(b2.connected.connections, [], 'a fresh session state: nothing of the drained one');
    assert.equal(await redis.get(ownerKey), staying.service.nodeId, 'the staying node owns the session now');
    assert.equal(staying.service.stats().sessions, 1);
    assert.equal(draining.service.stats().sessions, 0);
    const a2 = await staying.tg.join(sessionId, { data: 'a2' });
    assert.deepEqual(
      a2.connected.connections.map((c) => c.data),
      ['b2'],
    );
    assert.equal((await b2.client.next('connectionCreated')).connection.id, a2.id);
    // All of it while the drained node still drains (the deaf socket holds it), its liveness kept.
    assert.equal(drained, false, 'the drain ended before the rejoins were checked');
    assert.equal(draining.tg.gateway.draining, true);
    assert.notEqual(await redis.zscore('sp:nodes', draining.service.nodeId), null);
    assert.equal(await draining.tg.registryMetric('stagepass_cluster_leases_released_total'), leasesBefore + 1);
    assert.equal(await draining.tg.registryMetric('stagepass_cluster_owned_sessions'), 0);

    // The drained node leaves; the new session does not notice.
    await cluster.stopNode(draining);
    await closing;
    assert.equal(await redis.zscore('sp:nodes', draining.service.nodeId), null);
    assert.equal((await a2.client.request({ type: 'signal', to: b2.id, data: 'still here' })).type, 'ack');
    assert.equal((await b2.client.next('signal')).data, 'still here');
  });
});
