/**
 * A hung Redis (the process stopped with SIGSTOP: its TCP connections stay open and ioredis still calls
 * them ready, but nothing answers) makes /readyz say not ready, and ready again once Redis answers.
 * Under CI=true a missing redis-server fails; locally the suite skips with a loud notice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisSkipReason } from '../test-support/redis-server.js';
import { TestCluster } from '../test-support/test-cluster.js';

const skip = redisSkipReason();

/** Polls `check` every 100 ms until it holds; fails after `ms`. */
async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cluster mode: a hung Redis', { skip }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 1 });
  });
  after(() => cluster.stop());

  it('/readyz answers 503 ERR_UNAVAILABLE while Redis is hung, and 200 again once it answers', async () => {
    const readyz = async () => {
      const res = await fetch(`${cluster.node(0).tg.base}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    assert.equal((await readyz()).status, 200);
    cluster.redis.hang();
    try {
      // A heartbeat times out after the 1 s command timeout; generous on a shared machine.
      await eventually('503 while hung', 10_000, async () => (await readyz()).status === 503);
      assert.equal((await readyz()).body.code, 'ERR_UNAVAILABLE');
    } finally {
      cluster.redis.wake();
    }
    await eventually('200 once Redis answers', 10_000, async () => (await readyz()).status === 200);
  });
});
