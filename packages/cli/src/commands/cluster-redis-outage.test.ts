/**
 * Redis stopped for 5 s under two `stagepass serve --redis` child processes (docs/cluster.md "Redis outage"): the
 * same scenario as the in-process gateway/src/cluster/redis-outage-5s.test.ts (gateway test-support
 * redis-outage.ts), with each node a process of its own: fail fast during the outage (1013 ERR_UNAVAILABLE within
 * 3 s, /readyz 503), admitted members kept, ready and reconciled within 10 s after. Locally a missing
 * redis-server skips with a loud notice; under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRedisOutage } from '../../../gateway/dist/test-support/redis-outage.js';
import { redisSkipReason, TestRedis } from '../../../gateway/dist/test-support/redis-server.js';
import { GatewayClients } from '../../../gateway/dist/test-support/test-gateway.js';
import { killNodes, startClusterNode, type ClusterNode } from '../test-support/cluster-nodes.js';
import { runCli } from '../test-support/run-cli.js';

const skip = redisSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'stagepass-redis-outage-'));
const db = join(dir, 'apps.db');
let redis: TestRedis | undefined;
const nodes: ClusterNode[] = [];
const clients: GatewayClients[] = [];

before(async () => {
  if (skip !== undefined) return;
  redis = await TestRedis.start();
  const created = await runCli(['app', 'create', '--name', 'Outage', '--db', db, '--json'], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  const parsed = JSON.parse(created.stdout) as { app: { appId: string }; secret: string };
  for (let i = 0; i < 2; i++) {
    const node = await startClusterNode(db, redis.url);
    nodes.push(node);
    clients.push(
      new GatewayClients({ appId: parsed.app.appId, secret: parsed.secret }, `http://127.0.0.1:${node.port}`),
    );
  }
});
after(async () => {
  for (const c of clients) for (const client of c.clients) client.ws.terminate();
  killNodes(nodes);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --redis processes: Redis stopped for 5 s', { skip }, () => {
  it('fail fast during the outage, keep admitted members, and are ready and reconciled within 10 s after', async () => {
    await runRedisOutage({ redis: redis!, node: (i) => ({ tg: clients[i]! }) }, 5_000);
    for (const node of nodes) assert.equal(node.child.exitCode, null, `a node exited:\n${node.output()}`);
  });
});
