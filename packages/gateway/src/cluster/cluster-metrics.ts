import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What cluster mode counts, in plain numbers on its hot path (synced into prom-client at scrape time). */
export interface ClusterCounts {
  /** PUBLISHes this node sent to other nodes (a batch of records counts once). */
  publishesOut: number;
  /** Records this node sent (deliveries, closes, requests, replies). */
  recordsOut: number;
  /** PUBLISHes this node received on its channels. */
  publishesIn: number;
  recordsIn: number;
  /** PUBLISHes that Redis refused (down, or a timeout): what they carried is lost. */
  publishFailures: number;
  /** Sessions this node became the owner of. */
  leasesAcquired: number;
  /** Sessions this node gave up (empty, at shutdown) or lost (declared dead). */
  leasesReleased: number;
  /** Other nodes this node saw declared dead. */
  nodeDeaths: number;
  /** Members an owner dropped because their node's sync did not list them. */
  reconciledMembers: number;
  /** Sockets closed because their owner's sync answer did not hold them. */
  reconciledSockets: number;
  /** Sessions whose owner died that this node rebuilt from their stored state and owns now. */
  sessionsAdopted: number;
  /** Writes of a session's stored state (one per changed session per write). */
  stateWrites: number;
}

export function createClusterCounts(): ClusterCounts {
  return {
    publishesOut: 0,
    recordsOut: 0,
    publishesIn: 0,
    recordsIn: 0,
    publishFailures: 0,
    leasesAcquired: 0,
    leasesReleased: 0,
    nodeDeaths: 0,
    reconciledMembers: 0,
    reconciledSockets: 0,
    sessionsAdopted: 0,
    stateWrites: 0,
  };
}

/** A counter read from one plain number at each scrape. */
function synced(registry: Registry, name: string, help: string, read: () => number): void {
  let counted = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      this.inc(now - counted);
      counted = now;
    },
  });
}

/**
 * Registers cluster mode's metrics (docs/cluster.md "Metrics") on a gateway's registry; returns the
 * histogram the heartbeat feeds with Redis round-trip times.
 */
export function registerClusterMetrics(registry: Registry, counts: ClusterCounts, owned: () => number): Histogram {
  synced(
    registry,
    'stagepass_cluster_publishes_out_total',
    'PUBLISHes sent to other nodes.',
    () => counts.publishesOut,
  );
  synced(
    registry,
    'stagepass_cluster_records_out_total',
    'Records (messages) sent to other nodes.',
    () => counts.recordsOut,
  );
  synced(
    registry,
    'stagepass_cluster_publishes_in_total',
    'PUBLISHes received from other nodes.',
    () => counts.publishesIn,
  );
  synced(
    registry,
    'stagepass_cluster_records_in_total',
    'Records (messages) received from other nodes.',
    () => counts.recordsIn,
  );
  synced(
    registry,
    'stagepass_cluster_publish_failures_total',
    'PUBLISHes Redis refused (unreachable or timed out); what they carried is lost.',
    () => counts.publishFailures,
  );
  synced(
    registry,
    'stagepass_cluster_leases_acquired_total',
    'Sessions this node became owner of.',
    () => counts.leasesAcquired,
  );
  synced(
    registry,
    'stagepass_cluster_leases_released_total',
    'Sessions this node stopped owning (emptied, shutdown, or lost when declared dead).',
    () => counts.leasesReleased,
  );
  synced(registry, 'stagepass_cluster_node_deaths_total', 'Other nodes seen declared dead.', () => counts.nodeDeaths);
  synced(
    registry,
    'stagepass_cluster_reconciled_members_total',
    "Members of this node's sessions dropped by reconciliation (their node no longer held them).",
    () => counts.reconciledMembers,
  );
  synced(
    registry,
    'stagepass_cluster_reconciled_sockets_total',
    'Sockets closed by reconciliation (their owner no longer held them).',
    () => counts.reconciledSockets,
  );
  synced(
    registry,
    'stagepass_cluster_sessions_adopted_total',
    'Sessions whose owner died that this node rebuilt from their stored state (and owns now).',
    () => counts.sessionsAdopted,
  );
  synced(
    registry,
    'stagepass_cluster_state_writes_total',
    "Writes of an owned session's stored state to Redis (one per changed session per write).",
    () => counts.stateWrites,
  );
  new Gauge({
    name: 'stagepass_cluster_owned_sessions',
    help: 'Sessions this node owns (holds the state of).',
    registers: [registry],
    collect() {
      this.set(owned());
    },
  });
  return new Histogram({
    name: 'stagepass_cluster_redis_rtt_seconds',
    help: "Round-trip time of this node's heartbeat to Redis.",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
}
