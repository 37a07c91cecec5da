/**
 * `stagepass serve --redis redis://…`: cluster mode's session service (docs/cluster.md) for the gateway
 * `serve` starts. Kept apart from serve.ts so serving one node loads nothing of it.
 */
import type { GatewayOptions, RedisSessionService } from '@stagepass/gateway';
import type { Logger } from 'pino';
import { UsageError } from '../usage-error.js';

/** The environment variable that defaults `--redis`. */
export const REDIS_URL_ENV = 'STAGEPASS_REDIS_URL';
/** The environment variable naming this node in the cluster (default: a random ID at each start). */
export const NODE_ID_ENV = 'STAGEPASS_NODE_ID';

/** The cluster half of a running `serve`: the gateway's `sessions`, and the node's start and stop. */
export interface ServeCluster {
  readonly sessions: NonNullable<GatewayOptions['sessions']>;
  /** Joins the cluster (ERR_UNAVAILABLE when Redis cannot be reached within 3 s). Before `listen`. */
  start(): Promise<void>;
  /** Leaves the cluster. After the gateway closed. */
  stop(): Promise<void>;
}

/** Refuses, as a usage error, a `--redis` that is not a redis:// or rediss:// URL (the message never quotes it). */
export function checkRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--redis: must be a URL like redis://HOST:6379 (or rediss:// for TLS)', '--redis');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError('--redis: must be a redis:// or rediss:// URL', '--redis');
  if (parsed.hostname === '') throw new UsageError('--redis: the URL names no host', '--redis');
}

/** What a node ID must be: it is part of Redis channel names. */
export const NODE_ID_RULE = "must be 1–64 letters, digits, '-', '_' or '.'";

/** Whether `id` may name a node (NODE_ID_RULE). */
export function isNodeId(id: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(id);
}

/**
 * Prepares cluster mode for `serve`: validates the URL (the node ID was checked as a setting), and gives the gateway a factory
 * making the Redis session service (with the gateway's events, metrics, ICE servers and routed media options).
 *
 * @example
 * ```ts
 * const cluster = await prepareCluster('redis://127.0.0.1:6379', undefined, logger);
 * const gateway = createGateway({ registry, sessions: cluster.sessions });
 * await cluster.start();
 * await gateway.listen();
 * ```
 */
export async function prepareCluster(url: string, nodeId: string | undefined, logger: Logger): Promise<ServeCluster> {
  checkRedisUrl(url);
  const { createRedisSessionService } = await import('@stagepass/gateway');
  let service: RedisSessionService | undefined;
  const need = (): RedisSessionService => {
    if (service === undefined) throw new Error('the gateway did not make its session service');
    return service;
  };
  return {
    // media: this node's rtcPorts, announcedIp and media counts, for the routed sessions it owns.
    sessions: (events, { metrics, iceServers, media }) =>
      (service = createRedisSessionService({
        url,
        events,
        metrics,
        iceServers,
        ...media,
        logger,
        ...(nodeId !== undefined && { nodeId }),
      })),
    start: () => need().start(),
    stop: async () => service?.stop(),
  };
}
