/**
 * Redis stopped for 35 s (killed, then started again empty on the same port) under two nodes: fail fast
 * during, ready and reconciled within 10 s after (test-support/redis-outage.ts). Under CI=true a missing
 * redis-server fails; locally the suite skips with a loud notice.
 */
import { after, before, describe, it } from 'node:test';
import { runRedisOutage } from '../test-support/redis-outage.js';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster } from '../test-support/test-cluster.js';

const skip = redisSkipReason();

describe('cluster mode: Redis stopped for 35 s', { skip }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 2 });
  });
  after(() => cluster.stop());

  it('fails fast during the outage, keeps admitted members, and is ready and reconciled within 10 s after', async () => {
    await runRedisOutage(cluster, 35_000);
  });
});
