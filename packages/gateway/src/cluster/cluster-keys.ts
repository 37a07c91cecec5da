/**
 * The Redis names cluster mode uses (docs/cluster.md "Sessions across nodes (Redis)"), and the Lua
 * scripts that change them atomically. Every name starts with the configured prefix (default `sp:`).
 * Times inside the scripts are Redis's own clock (`TIME`), so the nodes' clocks never need to agree.
 */

/** The names under one prefix. */
export interface ClusterKeys {
  /** ZSET: node ID → the Redis time (ms) its liveness runs out; a node missing from it is dead. */
  readonly nodes: string;
  /** ZSET: node ID → the Redis time (ms) it was declared dead (kept 24 h): tells "declared dead" from "Redis lost its data". */
  readonly dead: string;
  /** Pub/sub channel every node listens on (death notices). */
  readonly everyone: string;
  /** Pub/sub channel of one node: everything addressed to it, in the order its senders published. */
  node(nodeId: string): string;
  /** STRING: the ID of the node that owns a session (holds its state). */
  owner(appId: string, sessionId: string): string;
  /** STRING: the owner's copy of a session's state (JSON, session-export.ts), for a takeover when the owner dies. */
  state(appId: string, sessionId: string): string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    nodes: `${prefix}nodes`,
    dead: `${prefix}dead`,
    everyone: `${prefix}all`,
    node: (nodeId) => `${prefix}node:${nodeId}`,
    owner: (appId, sessionId) => `${prefix}owner:${encodeURIComponent(appId)}:${encodeURIComponent(sessionId)}`,
    state: (appId, sessionId) => `${prefix}state:${encodeURIComponent(appId)}:${encodeURIComponent(sessionId)}`,
  };
}

/** Redis time in ms, inside a script. */
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] owner key, KEYS[2] nodes; ARGV[1] this node. The session's live owner, made this node when
 * it has none or its owner was declared dead (is not in `nodes`). Returns the owner's ID.
 */
export const CLAIM_SCRIPT = `
local o = redis.call('GET', KEYS[1])
if o == ARGV[1] then return o end
if o and redis.call('ZSCORE', KEYS[2], o) then return o end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** KEYS[1] owner key, KEYS[2] nodes. The session's live owner, or false (nobody holds it). */
export const OWNER_SCRIPT = `
local o = redis.call('GET', KEYS[1])
if o and redis.call('ZSCORE', KEYS[2], o) then return o end
return false`;

/**
 * KEYS[1] owner key, KEYS[2] state key; ARGV[1] this node. Deletes the owner key and the session's stored
 * state if the session is still this node's (1), else 0.
 */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[2]); return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS[1] nodes, KEYS[2] dead; ARGV[1] this node, ARGV[2] liveness ms, ARGV[3] 1 to join, 0 to renew.
 * Renews this node's liveness (1). A renewal finding it gone: declared dead while it could not renew
 * (it is in `dead`) returns 0 and adds nothing, the node must reset before it joins again; gone without
 * a tombstone means Redis lost its data (restarted empty): it is added back and returns 2, and the node
 * claims its sessions again.
 */
export const HEARTBEAT_SCRIPT = `
${NOW}
local result = 1
if ARGV[3] == '0' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
  result = 2
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return result`;

/**
 * KEYS[1] nodes, KEYS[2] dead; ARGV[1] the channel of every node. Declares dead every node whose liveness
 * ran out: moves it to `dead` (tombstones older than 24 h are dropped) and publishes one notice per node
 * (whichever node runs this first does it). Returns them.
 */
export const JUDGE_SCRIPT = `
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 86400000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, n in ipairs(dead) do
  redis.call('ZREM', KEYS[1], n)
  redis.call('ZADD', KEYS[2], now, n)
  redis.call('PUBLISH', ARGV[1], cjson.encode({ k = 'dead', node = n }))
end
return dead`;
