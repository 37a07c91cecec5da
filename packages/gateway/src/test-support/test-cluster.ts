/**
 * Several gateway nodes in this process, each with its own cluster session service and Redis
 * connections, sharing one Redis and one app registry (as nodes share a database).
 */
import {
  createRedisSessionService,
  type RedisSessionService,
  type RedisSessionServiceOptions,
} from '../cluster/redis-session-service.js';
import { createGateway, type GatewayOptions } from '../gateway.js';
import type { SqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { createSqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { TestRedis } from './redis-server.js';
import { TestGateway } from './test-gateway.js';

export interface ClusterNode {
  readonly tg: TestGateway;
  readonly service: RedisSessionService;
}

export interface TestClusterOptions {
  readonly nodes?: number;
  readonly gateway?: Partial<Omit<GatewayOptions, 'registry' | 'sessions'>>;
  readonly service?: Partial<Omit<RedisSessionServiceOptions, 'url'>>;
}

export class TestCluster {
  private constructor(
    readonly redis: TestRedis,
    readonly registry: SqliteAppRegistry,
    readonly nodes: ClusterNode[],
    private readonly options: TestClusterOptions,
  ) {}

  static async start(options: TestClusterOptions = {}): Promise<TestCluster> {
    const redis = await TestRedis.start();
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const cluster = new TestCluster(redis, registry, [], options);
    try {
      for (let i = 0; i < (options.nodes ?? 3); i++) await cluster.addNode();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /**
   * Starts one more node; `overrides` add to (and win over) the cluster's service options for it, `gateway` to
   * the gateway options of every node (e.g. its rtcPorts).
   */
  async addNode(
    overrides: TestClusterOptions['service'] = {},
    gateway: Partial<Omit<GatewayOptions, 'registry' | 'sessions'>> = {},
  ): Promise<ClusterNode> {
    const { registry, redis, options } = this;
    const first = this.nodes[0]?.tg.app;
    const app =
      first ??
      (() => {
        const { app: created, secret } = registry.createApp({ name: 'cluster app' });
        return { appId: created.appId, secret };
      })();
    let service: RedisSessionService | undefined;
    const node = createGateway({
      registry,
      port: 0,
      metricsCacheMs: 0,
      ...options.gateway,
      ...gateway,
      sessions: (events, { metrics, media }) =>
        (service = createRedisSessionService({
          url: redis.url,
          events,
          metrics,
          ...media,
          ...options.service,
          ...overrides,
        })),
    });
    await service!.start();
    const tg = new TestGateway(node, registry, app);
    const { host, port } = await node.listen();
    tg.base = `http://${host}:${port}`;
    const started = { tg, service: service! };
    this.nodes.push(started);
    return started;
  }

  /** Node `i` (round robin over the nodes). */
  node(i: number): ClusterNode {
    return this.nodes[i % this.nodes.length]!;
  }

  /** Stops one node the clean way (gateway closed, cluster left). */
  async stopNode(node: ClusterNode): Promise<void> {
    for (const client of node.tg.clients) client.ws.terminate();
    await node.tg.gateway.close({ drainMs: 200 });
    await node.service.stop();
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  /**
   * Kills a node as SIGKILL would, as far as one process allows: its heartbeat and timers stop and its Redis
   * connections drop at once (no lease released, no leave published, no copy of a session's state written
   * after this), then its HTTP server and sockets close. The others declare it dead after its liveness.
   */
  async crashNode(node: ClusterNode): Promise<void> {
    const inside = node.service as unknown as {
      timers: NodeJS.Timeout[];
      stopped: boolean;
      clients: { commands: { disconnect(): void }; subscriber: { disconnect(): void } } | undefined;
    };
    inside.stopped = true; // its stop() does nothing later: a dead node leaves nothing cleanly
    for (const timer of inside.timers) clearInterval(timer);
    inside.clients?.commands.disconnect();
    inside.clients?.subscriber.disconnect();
    for (const client of node.tg.clients) client.ws.terminate();
    await node.tg.gateway.close({ drainMs: 0 });
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  async stop(): Promise<void> {
    for (const node of [...this.nodes]) await this.stopNode(node);
    this.registry.close();
    await this.redis.stop();
  }
}
