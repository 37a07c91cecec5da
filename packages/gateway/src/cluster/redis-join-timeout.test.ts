/**
 * A join whose reply from the owner comes too late (the joining node already refused the client) while the
 * owner did admit it: the joining node, on the late reply, makes that member leave (docs/cluster.md
 * "Redis outage", reconciliation). Under CI=true a missing redis-server fails; locally the suite skips.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster, type ClusterNode } from '../test-support/test-cluster.js';
import { newSessionId } from '../test-support/test-gateway.js';

const skip = redisSkipReason();

describe('cluster mode: a join whose reply timed out', { skip }, () => {
  let cluster: TestCluster;
  let impatient: ClusterNode;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 1 });
    // Its requests to other nodes time out before any reply can travel through Redis and back.
    impatient = await cluster.addNode({ requestTimeoutMs: 0 });
  });
  after(() => cluster.stop());

  it('leaves no member at the owner that no socket holds', async () => {
    const sessionId = newSessionId('late-reply');
    const a = await cluster.node(0).tg.join(sessionId, { data: 'a' });
    const refusal = await impatient.tg.refusal(sessionId, { data: 'ghost' });
    assert.deepEqual(refusal, { code: 1013, reason: 'ERR_UNAVAILABLE' });
    // The owner admitted it (a is told), then the late reply makes it leave (a is told again).
    const created = await a.client.next('connectionCreated');
    assert.equal(created.connection.data, 'ghost');
    const gone = await a.client.next('connectionDestroyed', (m) => m.connectionId === created.connection.id);
    assert.equal(gone.reason, 'networkDisconnected');
    const late = await cluster.node(0).tg.join(sessionId, { data: 'late' });
    assert.deepEqual(
      late.connected.connections.map((x) => x.data),
      ['a'],
    );
  });
});
