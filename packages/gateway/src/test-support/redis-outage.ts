/**
 * The Redis-outage scenario (docs/cluster.md "Redis outage"), run for several outage lengths by
 * cluster/redis-outage-*.test.ts (nodes in the test's process) and cli's cluster-redis-outage.test.ts (`serve`
 * processes): two nodes, a session owned by node 0 with members on both nodes;
 * Redis is killed (SIGKILL: its data is lost, as in a restart without persistence) and started again
 * on the same port after `outageMs`.
 */
import assert from 'node:assert/strict';
import type { TestRedis } from './redis-server.js';
import { newSessionId, type GatewayClients } from './test-gateway.js';

/** Two nodes (in this process, or `serve` child processes) and the Redis they share. */
export interface OutageCluster {
  readonly redis: TestRedis;
  node(i: number): { readonly tg: GatewayClients };
}

/** Polls `check` every 100 ms until it holds; fails after `ms`. */
export async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readyStatus(cluster: OutageCluster, i: number): Promise<number> {
  return (await fetch(`${cluster.node(i).tg.base}/readyz`)).status;
}

/** Runs the scenario with Redis down for `outageMs`; asserts during and after the outage. */
export async function runRedisOutage(cluster: OutageCluster, outageMs: number): Promise<void> {
  const [n0, n1] = [cluster.node(0).tg, cluster.node(1).tg];
  const sessionId = newSessionId('outage');
  const a = await n0.join(sessionId, { data: 'a' }); // the first member: node 0 owns the session
  const a2 = await n0.join(sessionId, { data: 'a2' });
  const b = await n1.join(sessionId, { data: 'b' });
  const c = await n1.join(sessionId, { data: 'c' });
  for (const who of [a, a2, b]) await who.client.next('connectionCreated', (m) => m.connection.id === c.id);

  await cluster.redis.kill();
  const downAt = Date.now();
  // Not ready on both nodes: the connections closed at once.
  for (const i of [0, 1])
    await eventually(`node ${i} /readyz 503`, 3000, async () => (await readyStatus(cluster, i)) === 503);
  // A join needing Redis fails fast: 1013 ERR_UNAVAILABLE within 3 s.
  const refused = await n1.connect(sessionId, { data: 'late' });
  assert.deepEqual(await refused.closedWithin(3000), { code: 1013, reason: 'ERR_UNAVAILABLE' });
  // A request of an admitted member whose session is owned elsewhere: an error reply, never a hang.
  const relayed = await b.client.request({ type: 'signal', data: 'lost' }, 3000);
  assert.equal(relayed.type, 'error');
  assert.equal((relayed as { code?: string }).code, 'ERR_UNAVAILABLE');
  // Members on the owner keep working among themselves.
  assert.equal((await a.client.request({ type: 'signal', to: a2.id, data: 'local' })).type, 'ack');
  assert.equal((await a2.client.next('signal')).data, 'local');
  // c leaves while its leave cannot reach the owner.
  c.client.close(1000);
  await c.client.closedWithin(3000);
  await new Promise((r) => setTimeout(r, Math.max(0, outageMs - (Date.now() - downAt))));

  await cluster.redis.run();
  const backAt = Date.now();
  for (const i of [0, 1])
    await eventually(`node ${i} /readyz 200`, 10_000, async () => (await readyStatus(cluster, i)) === 200);
  // Reconciled: the owner dropped c (its leave was lost); everyone left was told.
  for (const who of [a, a2, b]) {
    const gone = await who.client.next(
      'connectionDestroyed',
      (m) => m.connectionId === c.id,
      10_000 - (Date.now() - backAt),
    );
    assert.equal(gone.reason, 'networkDisconnected');
  }
  // Cross-node delivery works again, and nobody else was dropped (the outage killed no node).
  assert.equal((await b.client.request({ type: 'signal', data: 'back' })).type, 'ack');
  for (const who of [a, a2]) assert.equal((await who.client.next('signal', (m) => m.data === 'back')).from, b.id);
  const late = await n1.join(sessionId, { data: 'late' });
  assert.deepEqual(late.connected.connections.map((x) => x.data).sort(), ['a', 'a2', 'b']);
  for (const who of [a, a2, b]) assert.equal(who.client.closeInfo, undefined, 'an admitted member was closed');
}
