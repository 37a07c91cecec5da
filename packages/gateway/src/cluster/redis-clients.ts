import { StagepassError } from '@stagepass/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import { CLAIM_SCRIPT, HEARTBEAT_SCRIPT, JUDGE_SCRIPT, OWNER_SCRIPT, RELEASE_SCRIPT } from './cluster-keys.js';

/** The command connection with cluster mode's scripts (EVALSHA, loaded on first use). */
export interface ClusterCommands extends Redis {
  spClaim(ownerKey: string, nodesKey: string, nodeId: string): Promise<string>;
  spOwner(ownerKey: string, nodesKey: string): Promise<string | null>;
  spRelease(ownerKey: string, stateKey: string, nodeId: string): Promise<number>;
  spHeartbeat(nodesKey: string, deadKey: string, nodeId: string, livenessMs: number, join: 0 | 1): Promise<number>;
  spJudge(nodesKey: string, deadKey: string, everyone: string): Promise<string[]>;
}

export interface ClusterClients {
  /** Commands and PUBLISH: never queued while disconnected (they fail at once), never resent. */
  readonly commands: ClusterCommands;
  /** SUBSCRIBE only; resubscribes by itself after a reconnect. */
  readonly subscriber: Redis;
}

/** `host:port` of a Redis URL, for messages and logs (never its password). */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the Redis URL';
  }
}

/**
 * Opens both connections and waits until they are ready; ERR_UNAVAILABLE when Redis cannot be
 * reached within `connectTimeoutMs` (both are closed then). They are named `stagepass:NODE:commands`
 * and `stagepass:NODE:subscriber` (Redis's CLIENT LIST shows which node holds which connection).
 */
export async function openClusterClients(
  url: string,
  nodeId: string,
  commandTimeoutMs: number,
  connectTimeoutMs: number,
): Promise<ClusterClients> {
  const common: RedisOptions = {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    // Reconnect quickly for as long as it takes: an outage ends by itself.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    enableReadyCheck: true,
  };
  const commands = new Redis(url, {
    ...common,
    connectionName: `stagepass:${nodeId}:commands`,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
  }) as ClusterCommands;
  const subscriber = new Redis(url, {
    ...common,
    connectionName: `stagepass:${nodeId}:subscriber`,
    autoResubscribe: true,
    maxRetriesPerRequest: null,
  });
  commands.defineCommand('spClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
  commands.defineCommand('spOwner', { numberOfKeys: 2, lua: OWNER_SCRIPT });
  commands.defineCommand('spRelease', { numberOfKeys: 2, lua: RELEASE_SCRIPT });
  commands.defineCommand('spHeartbeat', { numberOfKeys: 2, lua: HEARTBEAT_SCRIPT });
  commands.defineCommand('spJudge', { numberOfKeys: 2, lua: JUDGE_SCRIPT });
  // Errors are reported through readiness and refusals; an 'error' without a listener would throw.
  commands.on('error', () => {});
  subscriber.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([commands.connect(), subscriber.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), connectTimeoutMs);
      }),
    ]);
  } catch (err) {
    commands.disconnect();
    subscriber.disconnect();
    throw new StagepassError(
      'ERR_UNAVAILABLE',
      `cannot reach Redis at ${redisAddress(url)} (${(err as Error).message}): start it, or fix --redis / STAGEPASS_REDIS_URL`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
  return { commands, subscriber };
}
