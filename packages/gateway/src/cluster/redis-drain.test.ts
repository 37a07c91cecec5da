/**
 * Drain in cluster mode (docs/cluster.md "Drain"): a draining node gives its sessions up at the drain's
 * start, so a member it closed 1012 rejoins at once on another node into a session that node owns,
 * while the drain still goes on. Two nodes in this process, a real redis-server. Under CI=true a missing
 * redis-server fails; locally the suite skips with a loud notice.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CAPABILITIES } from '@stagepass/protocol';
import { Redis } from 'ioredis';
import type { AdmittedClient } from '../session/session-service.js';
import { RecordingPeer } from '../test-support/recording-peer.js';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { newSessionId } from '../test-support/test-gateway.js';
import { clusterKeys } from './cluster-keys.js';

const skip = redisSkipReason();

/** Every wait in this file: generous, the machine is shared. */
const WAIT = 10_000;

/** What admission would hand the session service for a publisher of `sessionId`. */
function admitted(appId: string, sessionId: string): AdmittedClient {
  const now = Math.floor(Date.now() / 1000);
  return {
    appId,
    sessionId,
    role: 'publisher',
    capabilities: CAPABILITIES.publisher,
    data: 'in flight',
    tokenId: `t-${Math.random()}`,
    issuedAt: now - 1,
    expireTime: now + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
  };
}

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

  it('a join forwarded to the owner just as it starts draining is answered RELEASED; the asking node admits it, owning the session', async () => {
    const draining = await cluster.addNode();
    const staying = cluster.node(0);
    const appId = draining.tg.app.appId;
    const sessionId = newSessionId('in-flight');
    const ownerKey = clusterKeys('sp:').owner(appId, sessionId);
    const a = await draining.tg.join(sessionId, { data: 'a' }); // node `draining` owns the session
    await staying.tg.join(sessionId, { data: 'b' });
    (a.client.ws as unknown as { _socket: Socket })._socket.pause(); // holds the drain open
    const ownedBefore = staying.service.stats().sessions;
    let drained = false;
    const closing = draining.tg.gateway.close({ drainMs: 8000 }).then(() => (drained = true));
    // In the same turn as the drain's start: the staying node still holds b in that session, so it
    // asks the draining node, which answers once its lease is released.
    const peer = new RecordingPeer();
    const connectionId = await staying.service.join(admitted(appId, sessionId), peer);
    assert.equal(await redis.get(ownerKey), staying.service.nodeId);
    assert.equal(staying.service.stats().sessions, ownedBefore + 1);
    const connected = peer.received.find((m) => m.type === 'connected');
    assert.ok(connected !== undefined && connected.type === 'connected', 'no connected for the admitted join');
    assert.equal(connected.connection.id, connectionId);
    assert.deepEqual(connected.connections, []);
    assert.equal(drained, false);
    staying.service.leave(connectionId, 'clientDisconnected');
    await cluster.stopNode(draining);
    await closing;
  });
});
