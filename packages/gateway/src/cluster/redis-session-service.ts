import { performance } from 'node:perf_hooks';
import {
  StagepassError,
  isStagepassError,
  wholeNumberOption,
  type ClientRequest,
  type ConnectionDestroyedReason,
  type EpochMilliseconds,
  type Milliseconds,
} from '@stagepass/protocol';
import { randomId } from '@stagepass/token';
import type { Logger } from 'pino';
import type { Histogram, Registry } from 'prom-client';
import type { Revocation } from '../registry/app-registry.js';
import { MemorySessionService, type NodeMediaOptions } from '../session/memory-session-service.js';
import type { LayoutClassListChange } from '../session/session-service.js';
import { Outbound } from '../session/outbound.js';
import type {
  AdmittedClient,
  BackendSignal,
  Peer,
  ResumeRequest,
  SessionEvents,
  SessionService,
  SessionSnapshot,
} from '../session/session-service.js';
import { clusterKeys, type ClusterKeys } from './cluster-keys.js';
import {
  RECORD_SEPARATOR,
  readCloseRecord,
  type ControlMessage,
  type RemoteOperation,
  type RemoteRefusal,
} from './cluster-messages.js';
import { createClusterCounts, registerClusterMetrics, type ClusterCounts } from './cluster-metrics.js';
import { NodeLink, RemotePeer } from './node-link.js';
import type { IceServersFor } from '../ice/ice-servers.js';
import { openClusterClients, redisAddress, type ClusterClients } from './redis-clients.js';
import { DEFAULT_STATE_WRITE_DELAY_MS, SessionStateStore } from './session-state-store.js';
import type { SessionExport } from '../session/session-export.js';
import { mediaModeOf } from '../session/media-mode.js';
import { errorReply, replyIdOf } from '../session/replies.js';

/**
 * The `NodeMediaOptions` (media counts, rtcPorts, announcedIp, mediaStallMs) go to this node's session core: a routed
 * session's media is forwarded by the node that owns it (docs/cluster.md "Routed media").
 */
export interface RedisSessionServiceOptions extends NodeMediaOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Required. */
  readonly url: string;
  /** Prefix of every Redis key and channel; nodes of one cluster share it. Default `sp:`. */
  readonly prefix?: string;
  /** This node's ID (unique in the cluster). Default: random, new at each start. */
  readonly nodeId?: string;
  /**
   * A node that has not renewed its liveness for this long is declared dead by the others: its
   * connections leave their sessions, the sessions it owned are lost. Renewed every fifth of it.
   * Default 5000 ms.
   */
  readonly livenessMs?: Milliseconds;
  /** How long a node waits for another's answer (join, resume, REST) before ERR_UNAVAILABLE. Default 2000 ms. */
  readonly requestTimeoutMs?: Milliseconds;
  /** How long one Redis command may take before it fails. Default 1000 ms. */
  readonly commandTimeoutMs?: Milliseconds;
  /** How long `start` waits for Redis. Default 3000 ms. */
  readonly connectTimeoutMs?: Milliseconds;
  readonly events?: SessionEvents;
  /** Each connection's `iceServers` (the gateway's `iceServers` in the factory's context); every node should have the same. */
  readonly iceServers?: IceServersFor;
  /** The gateway's Prometheus registry: cluster metrics are added to it. */
  readonly metrics?: Registry;
  readonly logger?: Logger;
  /** Passed to this node's session core (see MemorySessionServiceOptions). */
  readonly now?: () => EpochMilliseconds;
  readonly maxStreamsPerConnection?: number;
  readonly maxStreamsPerSession?: number;
  readonly idleSessionTtlMs?: Milliseconds;
  /**
   * How long after a change an owned session's state is copied to Redis (for a takeover if this node
   * dies; docs/cluster.md "Node death"). Default 50 ms.
   */
  readonly stateWriteDelayMs?: Milliseconds;
  /**
   * When the owner of a session this node has members in dies, how long this node waits for the new owner's
   * `adopted` before it closes those members' sockets 1013 (docs/cluster.md "Node death"). Default 3000 ms.
   */
  readonly takeoverTimeoutMs?: Milliseconds;
  /**
   * Per socket, how many of its requests to another node's session are remembered until answered, so that
   * each gets an ERR_UNAVAILABLE if that node dies first; past it, the oldest is forgotten (it gets no reply).
   * Default 512.
   */
  readonly maxTrackedRequests?: number;
}

/** A socket this node holds, in a session owned by `owner` (this node or another). */
interface LocalSocket {
  /** Its key in the owner's eyes (random; a resumed connection's new socket gets a new one). */
  readonly key: string;
  readonly peer: Peer;
  /** The session's owner; another node after a takeover (its owner died). */
  owner: string;
  readonly sessionKey: string;
  connectionId: string | undefined;
  /** IDs of its requests sent to another node's session and not yet answered (only while there are some). */
  inFlight?: Set<number> | undefined;
}

/** On the owner: which socket (node and key) a connection of one of its sessions is on now. */
interface Holder {
  readonly node: string;
  readonly key: string;
}

interface Pending {
  readonly node: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
}

/** How long a timed-out request still waits for a late reply, to undo what the other node did after all. */
const LATE_REPLY_MS = 30_000;

/** A session's owner answered that another node owns it now. */
class Moved extends Error {
  constructor(readonly owner: string) {
    super(`the session moved to node ${owner}`);
  }
}

/**
 * A draining node gave its sessions up (docs/cluster.md "Drain"): the asking node claims the session
 * itself (its lease was released before this answer was sent) and tries again there.
 */
class Released extends Error {
  constructor(readonly node: string) {
    super(`node ${node} is shutting down and gave its sessions up`);
  }
}

/** Default `takeoverTimeoutMs`. */
const DEFAULT_TAKEOVER_TIMEOUT_MS = 3000;

/**
 * Default `maxTrackedRequests`: more than a socket can send under the default rate limit (burst 100, 50/s) in the
 * ~6 s a death takes to be noticed (default liveness 5 s, judged every second).
 */
const DEFAULT_MAX_TRACKED_REQUESTS = 512;

/** Why a request the session's dead owner never answered is refused (ERR_UNAVAILABLE). */
const UNANSWERED =
  'The node that held this session died before answering; the session goes on elsewhere: send it again.';

/** How often an owner refreshes the expiry of its sessions' stored states (which live 24 h), ms. */
const STATE_REFRESH_MS = 60 * 60 * 1000;

/** How long an owned session must stay absent before its Redis key is released, ms. */
const RELEASE_AFTER_MS = 30_000;

function sessionKeyOf(appId: string, sessionId: string): string {
  return `${appId}\u0000${sessionId}`;
}

function unavailable(message: string): StagepassError {
  return new StagepassError('ERR_UNAVAILABLE', message);
}

function shuttingDown(): StagepassError {
  return new StagepassError(
    'ERR_SERVER_SHUTTING_DOWN',
    'This node is shutting down and takes no new session: connect again (the load balancer sends you to another node).',
  );
}

/** A second RELEASED (the lease could not be released, or was taken again by the draining node) reaches the client as ERR_UNAVAILABLE. */
function refusalForClient(err: unknown): unknown {
  return err instanceof Released ? unavailable(`${err.message}; try again in a moment.`) : err;
}

function refusalOf(err: unknown): RemoteRefusal {
  if (err instanceof Moved) return { code: 'MOVED', message: err.message, details: { owner: err.owner } };
  if (err instanceof Released) return { code: 'RELEASED', message: err.message, details: { node: err.node } };
  if (isStagepassError(err)) return { code: err.code, message: err.message, details: err.details };
  return { code: 'ERR_INTERNAL', message: 'The owning node failed; its log has the details.' };
}

function errorOf(refusal: RemoteRefusal): Error {
  if (refusal.code === 'MOVED') return new Moved(String(refusal.details?.owner));
  if (refusal.code === 'RELEASED') return new Released(String(refusal.details?.node));
  return new StagepassError(
    refusal.code,
    refusal.message,
    refusal.details === undefined ? {} : { details: refusal.details },
  );
}

/**
 * Creates cluster mode's session service (docs/cluster.md "Sessions across nodes (Redis)"): each
 * session is owned by one node, whose in-memory core ({@link MemorySessionService}) holds its state;
 * the other nodes relay their clients' requests to the owner and deliver what it sends back, all
 * over Redis pub/sub. Call `start()` before the gateway listens and `stop()` after it closed.
 *
 * @example
 * ```ts
 * let cluster: RedisSessionService | undefined;
 * const gateway = createGateway({ registry, sessions: (events, { metrics, iceServers, media }) => (cluster = createRedisSessionService({ url, events, metrics, iceServers, ...media })) });
 * await cluster!.start();
 * await gateway.listen();
 * ```
 */
export function createRedisSessionService(options: RedisSessionServiceOptions): RedisSessionService {
  return new RedisSessionService(options);
}

/** {@link createRedisSessionService}'s service. */
export class RedisSessionService implements SessionService {
  readonly nodeId: string;
  private readonly keys: ClusterKeys;
  private readonly livenessMs: number;
  private readonly takeoverTimeoutMs: number;
  private readonly maxTrackedRequests: number;
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly counts: ClusterCounts = createClusterCounts();
  private readonly rtt: Histogram | undefined;
  private clients: ClusterClients | undefined;
  private memory: MemorySessionService;
  private readonly links = new Map<string, NodeLink>();
  private readonly byKey = new Map<string, LocalSocket>();
  private readonly byConnection = new Map<string, LocalSocket>();
  /** Owners of the sessions this node has sockets in, with how many. */
  private readonly sessionOwners = new Map<string, { owner: string; sockets: number }>();
  private readonly holders = new Map<string, Holder>();
  /** Owner keys this node set, with when it last claimed them. */
  private readonly ownedKeys = new Map<string, { appId: string; sessionId: string; claimedAt: number }>();
  private readonly pending = new Map<number, Pending>();
  private readonly stateStore: SessionStateStore;
  /** Sessions whose owner died, until a new owner rebuilt them (or the wait ran out): the dead owner's ID. */
  private readonly moving = new Map<string, { dead: string; timer: NodeJS.Timeout }>();
  /** Timed-out requests whose late success must be undone, by request number. */
  private readonly late = new Map<number, (value: unknown) => void>();
  private requestSeq = 0;
  private healthySince: number | undefined = undefined;
  /** Redis was lost (a connection closed or a beat failed) and this node has not reconciled since. */
  private outage = false;
  /** Per node synced with: the keys of the sockets admitted when the list was sent. */
  private readonly syncAdmitted = new Map<string, Set<string>>();
  /** The last heartbeat failed (a hung Redis keeps its connections "ready"): not ready until one succeeds. */
  private beatFailing = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private resetting = false;
  /**
   * Set by `closeAll` (the gateway's drain): this node takes no new session and refuses forwarded
   * joins and resumes; its leases are released at once ({@link released}), its liveness kept until `stop`.
   */
  private draining = false;
  /** The release of this node's leases at the start of its drain. */
  private released: Promise<void> = Promise.resolve();

  constructor(private readonly options: RedisSessionServiceOptions) {
    this.nodeId = options.nodeId ?? randomId(12);
    this.keys = clusterKeys(options.prefix ?? 'sp:');
    this.livenessMs = options.livenessMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    const scope = { scope: 'createRedisSessionService' };
    this.takeoverTimeoutMs = wholeNumberOption(
      options.takeoverTimeoutMs,
      'takeoverTimeoutMs',
      DEFAULT_TAKEOVER_TIMEOUT_MS,
      1,
      60_000,
      { ...scope, unit: 'milliseconds' },
    );
    this.maxTrackedRequests = wholeNumberOption(
      options.maxTrackedRequests,
      'maxTrackedRequests',
      DEFAULT_MAX_TRACKED_REQUESTS,
      1,
      65_536,
      scope,
    );
    this.logger = options.logger;
    this.stateStore = new SessionStateStore(
      {
        exportOf: (appId, sessionId) => this.exportOf(appId, sessionId),
        commands: () => (this.ready() ? this.clients!.commands : undefined),
        keyOf: (appId, sessionId) => this.keys.state(appId, sessionId),
      },
      this.counts,
      options.stateWriteDelayMs ?? DEFAULT_STATE_WRITE_DELAY_MS,
      options.logger,
    );
    this.memory = this.createCore();
    if (options.metrics !== undefined)
      this.rtt = registerClusterMetrics(options.metrics, this.counts, () => this.ownedKeys.size);
  }

  private createCore(): MemorySessionService {
    const o = this.options;
    return new MemorySessionService({
      ...(o.events && { events: o.events }),
      ...(o.now && { now: o.now }),
      ...(o.idleSessionTtlMs !== undefined && { idleSessionTtlMs: o.idleSessionTtlMs }),
      ...(o.maxStreamsPerConnection !== undefined && { maxStreamsPerConnection: o.maxStreamsPerConnection }),
      ...(o.maxStreamsPerSession !== undefined && { maxStreamsPerSession: o.maxStreamsPerSession }),
      ...(o.iceServers && { iceServers: o.iceServers }),
      ...(o.mediaCounts && { mediaCounts: o.mediaCounts }),
      ...(o.rtcPorts && { rtcPorts: o.rtcPorts }),
      ...(o.announcedIp !== undefined && { announcedIp: o.announcedIp }),
      ...(o.streamMediaCounts && { streamMediaCounts: o.streamMediaCounts }),
      ...(o.mediaStallMs !== undefined && { mediaStallMs: o.mediaStallMs }),
      onSessionChanged: (appId, sessionId) => this.stateStore.changed(appId, sessionId),
    });
  }

  /** An owned session's state for its stored copy: each connection with the node and socket key holding it. */
  private exportOf(appId: string, sessionId: string): SessionExport | undefined {
    // A routed session's media dies with its owner: it is not taken over, so no copy is kept.
    if (mediaModeOf(sessionId) === 'routed') return undefined;
    const exported = this.memory.exportSession(appId, sessionId);
    if (exported === undefined) return undefined;
    const connections = exported.connections.map((c) => {
      const holder = this.holders.get(c.id);
      return holder === undefined ? c : { ...c, holder: { node: holder.node, key: holder.key } };
    });
    return { ...exported, connections };
  }

  // ------------------------------------------------------------------ lifecycle

  /** Connects to Redis, joins the cluster and starts the heartbeat; ERR_UNAVAILABLE when Redis cannot be reached. */
  async start(): Promise<void> {
    const o = this.options;
    const clients = await openClusterClients(
      o.url,
      this.nodeId,
      o.commandTimeoutMs ?? 1000,
      o.connectTimeoutMs ?? 3000,
    );
    this.clients = clients;
    clients.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    await clients.subscriber.subscribe(this.keys.node(this.nodeId), this.keys.everyone);
    await clients.commands.spHeartbeat(this.keys.nodes, this.keys.dead, this.nodeId, this.livenessMs, 1);
    this.healthySince = performance.now();
    clients.commands.on('close', () => {
      this.healthySince = undefined;
      this.outage = true;
    });
    clients.commands.on('ready', () => (this.healthySince = performance.now()));
    // What was published to this node while its subscription was down is lost (a close, a reply):
    // reconcile once it is back, as after an outage. Its liveness was renewed meanwhile: no judging pause.
    clients.subscriber.on('close', () => (this.outage = true));
    const every = (ms: number, run: () => void) => {
      const timer = setInterval(run, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(50, Math.floor(this.livenessMs / 5)), () => void this.heartbeat());
    every(Math.max(100, Math.min(1000, Math.floor(this.livenessMs / 5))), () => void this.judge());
    every(RELEASE_AFTER_MS / 2, () => this.releaseEmpty());
    every(STATE_REFRESH_MS, () => void this.stateStore.refresh([...this.ownedKeys.values()]));
    this.logger?.info({ nodeId: this.nodeId, redis: redisAddress(o.url) }, 'cluster node joined');
  }

  /** Leaves the cluster: releases its sessions, removes itself, closes both connections. After `closeAll`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.stateStore.stop();
    for (const link of this.links.values()) link.flush();
    await this.released;
    const clients = this.clients;
    if (clients === undefined) return;
    if (this.ready()) {
      try {
        await Promise.all([
          ...[...this.ownedKeys.values()].map((lease) => this.releaseLease(clients, lease)),
          clients.commands.zrem(this.keys.nodes, this.nodeId),
        ]);
        this.counts.leasesReleased += this.ownedKeys.size;
        this.ownedKeys.clear();
        await Promise.all([clients.commands.quit(), clients.subscriber.quit()]);
        return;
      } catch (err) {
        this.logger?.warn({ err }, 'cluster node could not leave cleanly: the others declare it dead');
      }
    }
    clients.commands.disconnect();
    clients.subscriber.disconnect();
  }

  private ready(): boolean {
    const clients = this.clients;
    return clients !== undefined && clients.commands.status === 'ready' && clients.subscriber.status === 'ready';
  }

  unavailable(): string | undefined {
    if (this.ready() && !this.beatFailing) return undefined;
    return `Redis at ${redisAddress(this.options.url)} cannot be reached: this node admits nobody into sessions that need it`;
  }

  private async heartbeat(): Promise<void> {
    if (!this.ready()) return;
    const started = performance.now();
    try {
      const alive = await this.clients!.commands.spHeartbeat(
        this.keys.nodes,
        this.keys.dead,
        this.nodeId,
        this.livenessMs,
        0,
      );
      this.beatFailing = false;
      // Judging starts a whole liveness after beats succeed again (see judge()).
      this.healthySince ??= performance.now();
      this.rtt?.observe((performance.now() - started) / 1000);
      if (alive === 0) await this.reset();
      else if (alive === 2) await this.reclaim();
      if (this.outage) this.recovered();
    } catch {
      // Redis is away, or hung with its connections open (they still say "ready"): /readyz says so
      // until a beat succeeds again; the next beat tries again. The others' liveness could not be renewed
      // either: no judging until this node has beaten for a whole liveness again.
      this.beatFailing = true;
      this.healthySince = undefined;
      this.outage = true;
    }
  }

  private recovered(): void {
    this.outage = false;
    this.stateStore.retry();
    this.logger?.info({ nodeId: this.nodeId }, 'Redis answers again: reconciling with the other nodes');
    void this.reconcile();
    const again = setTimeout(() => void this.reconcile(), 2000);
    again.unref();
    this.timers.push(again);
  }

  /** Declares dead the nodes whose liveness ran out, once this node has been connected for a whole liveness. */
  private async judge(): Promise<void> {
    const since = this.healthySince;
    if (since === undefined || performance.now() - since < this.livenessMs || !this.ready()) return;
    try {
      await this.clients!.commands.spJudge(this.keys.nodes, this.keys.dead, this.keys.everyone);
    } catch {
      // Next time.
    }
  }

  /**
   * Redis came back without its data (restarted empty): this node sets the owner keys of the sessions
   * it holds again. One that another node claimed meanwhile (a join there before this beat) is given up:
   * its members here are closed 1013 ERR_UNAVAILABLE and rejoin at that node.
   */
  private async reclaim(): Promise<void> {
    this.logger?.warn({ nodeId: this.nodeId }, "Redis lost the cluster state: claiming this node's sessions again");
    for (const [sessionKey, owned] of [...this.ownedKeys]) {
      try {
        const owner = await this.clients!.commands.spClaim(
          this.keys.owner(owned.appId, owned.sessionId),
          this.keys.nodes,
          this.nodeId,
        );
        if (owner === this.nodeId) continue;
        this.ownedKeys.delete(sessionKey);
        this.counts.leasesReleased++;
        this.memory.closeSession(owned.appId, owned.sessionId, 1013, 'ERR_UNAVAILABLE');
      } catch {
        // Redis away again: the next beat that finds this node missing tries again.
      }
    }
  }

  /** Deletes a session's owner key, and its stored state with it, if the session is still this node's. */
  private releaseLease(clients: ClusterClients, lease: { appId: string; sessionId: string }): Promise<number> {
    const { appId, sessionId } = lease;
    return clients.commands.spRelease(
      this.keys.owner(appId, sessionId),
      this.keys.state(appId, sessionId),
      this.nodeId,
    );
  }

  /** Releases the owner keys of sessions this node no longer holds (emptied, not claimed again lately). */
  private releaseEmpty(): void {
    if (!this.ready()) return;
    const now = performance.now();
    for (const [sessionKey, owned] of this.ownedKeys) {
      if (this.memory.hasSession(owned.appId, owned.sessionId) || now - owned.claimedAt < RELEASE_AFTER_MS) continue;
      this.ownedKeys.delete(sessionKey);
      this.counts.leasesReleased++;
      this.releaseLease(this.clients!, owned).catch(() => {});
    }
  }

  /**
   * This node was declared dead while it could not renew (the others removed its connections and may
   * own its sessions now): it closes every socket (1013 ERR_UNAVAILABLE), forgets everything, joins again.
   */
  private async reset(): Promise<void> {
    if (this.resetting) return;
    this.resetting = true;
    this.logger?.warn({ nodeId: this.nodeId }, 'this node was declared dead: closing its clients and rejoining');
    for (const socket of [...this.byConnection.values()])
      if (socket.owner !== this.nodeId) socket.peer.close(1013, 'ERR_UNAVAILABLE');
    this.memory.closeAll(1013, 'ERR_UNAVAILABLE');
    this.memory = this.createCore();
    this.byKey.clear();
    this.byConnection.clear();
    this.sessionOwners.clear();
    this.holders.clear();
    for (const { timer } of this.moving.values()) clearTimeout(timer);
    this.moving.clear();
    this.counts.leasesReleased += this.ownedKeys.size;
    this.ownedKeys.clear();
    for (const pending of this.pending.values()) pending.reject(unavailable('This node lost the cluster; try again.'));
    this.pending.clear();
    try {
      await this.clients!.commands.spHeartbeat(this.keys.nodes, this.keys.dead, this.nodeId, this.livenessMs, 1);
    } finally {
      this.resetting = false;
    }
  }

  // ------------------------------------------------------------------ talking to other nodes

  private link(nodeId: string): NodeLink {
    let link = this.links.get(nodeId);
    if (link === undefined) {
      link = new NodeLink(nodeId, this.keys.node(nodeId), (channel, text) => this.publish(channel, text));
      this.links.set(nodeId, link);
    }
    return link;
  }

  private publish(channel: string, text: string): void {
    const counts = this.counts;
    counts.publishesOut++;
    if (this.clients === undefined || this.clients.commands.status !== 'ready') {
      counts.publishFailures++;
      return;
    }
    this.clients.commands.publish(channel, text).catch(() => counts.publishFailures++);
  }

  private send(nodeId: string, message: ControlMessage): void {
    this.counts.recordsOut++;
    this.link(nodeId).push(JSON.stringify(message));
  }

  /**
   * Asks another node and waits for its reply; ERR_UNAVAILABLE when Redis is away or it does not answer in time.
   * `onLate` gets the value of a success that arrives after the timeout (for {@link LATE_REPLY_MS}).
   */
  private request<T>(nodeId: string, make: (r: number) => ControlMessage, onLate?: (value: T) => void): Promise<T> {
    if (!this.ready()) return Promise.reject(unavailable(this.unavailable()!));
    const r = ++this.requestSeq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(r);
        if (onLate !== undefined) this.awaitLate(r, onLate as (value: unknown) => void);
        reject(
          unavailable(`Node ${nodeId}, which owns the session, did not answer within ${this.requestTimeoutMs} ms.`),
        );
      }, this.requestTimeoutMs);
      this.pending.set(r, {
        node: nodeId,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
        timer,
      });
      this.send(nodeId, make(r));
    });
  }

  private awaitLate(r: number, onLate: (value: unknown) => void): void {
    this.late.set(r, onLate);
    setTimeout(() => this.late.delete(r), LATE_REPLY_MS).unref();
  }

  private reply(nodeId: string, r: number, value: unknown): void {
    this.send(nodeId, { k: 'reply', r, ok: true, value: value ?? null });
  }

  private refuse(nodeId: string, r: number, err: unknown): void {
    if (!(err instanceof Moved) && !isStagepassError(err))
      this.logger?.error({ err }, 'a request from another node failed');
    this.send(nodeId, { k: 'reply', r, ok: false, refusal: refusalOf(err) });
  }

  /** The session's live owner, made this node when it has none. */
  private async claim(appId: string, sessionId: string): Promise<string> {
    if (!this.ready()) throw unavailable(this.unavailable()!);
    if (this.draining) {
      // A draining node takes no session: only one another node owns can still be reached through it.
      const current = await this.redisCall(() =>
        this.clients!.commands.spOwner(this.keys.owner(appId, sessionId), this.keys.nodes),
      );
      if (current === null || current === this.nodeId) throw shuttingDown();
      return current;
    }
    const owner = await this.redisCall(() =>
      this.clients!.commands.spClaim(this.keys.owner(appId, sessionId), this.keys.nodes, this.nodeId),
    );
    if (owner === this.nodeId) {
      const sessionKey = sessionKeyOf(appId, sessionId);
      if (!this.ownedKeys.has(sessionKey)) this.counts.leasesAcquired++;
      this.ownedKeys.set(sessionKey, { appId, sessionId, claimedAt: performance.now() });
    }
    return owner;
  }

  /** The session's live owner, or null. */
  private async ownerOf(appId: string, sessionId: string): Promise<string | null> {
    if (this.memory.hasSession(appId, sessionId)) return this.nodeId;
    const known = this.sessionOwners.get(sessionKeyOf(appId, sessionId));
    if (known !== undefined) return known.owner;
    if (!this.ready()) throw unavailable(this.unavailable()!);
    return this.redisCall(() => this.clients!.commands.spOwner(this.keys.owner(appId, sessionId), this.keys.nodes));
  }

  private async redisCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new StagepassError('ERR_UNAVAILABLE', `Redis did not answer: ${(err as Error).message}`, { cause: err });
    }
  }

  // ------------------------------------------------------------------ what arrives

  private receive(text: string): void {
    this.counts.publishesIn++;
    if (text.indexOf(RECORD_SEPARATOR) === -1) {
      this.receiveRecord(text);
      return;
    }
    for (const record of text.split(RECORD_SEPARATOR)) this.receiveRecord(record);
  }

  private receiveRecord(record: string): void {
    this.counts.recordsIn++;
    try {
      this.dispatch(record);
    } catch (err) {
      this.logger?.error({ err }, 'a record from another node could not be handled');
    }
  }

  private dispatch(record: string): void {
    const kind = record.charCodeAt(0);
    if (kind === 68 /* D */) {
      const newline = record.indexOf('\n');
      const outbound = new Outbound(record.slice(newline + 1));
      const keys = record.slice(1, newline);
      if (keys.indexOf(',') === -1) this.deliverTo(this.byKey.get(keys), outbound);
      else for (const key of keys.split(',')) this.deliverTo(this.byKey.get(key), outbound);
    } else if (kind === 88 /* X */) {
      const { key, code, reason } = readCloseRecord(record);
      const socket = this.byKey.get(key);
      if (socket === undefined) return;
      this.untrack(socket);
      socket.peer.close(code, reason);
    } else {
      this.control(JSON.parse(record) as ControlMessage);
    }
  }

  private deliverTo(socket: LocalSocket | undefined, outbound: Outbound): void {
    if (socket === undefined) return;
    socket.peer.send(outbound);
    const inFlight = socket.inFlight;
    if (inFlight === undefined) return;
    const id = replyIdOf(outbound.text);
    if (id !== undefined) inFlight.delete(id);
    if (inFlight.size === 0) socket.inFlight = undefined;
  }

  private control(m: ControlMessage): void {
    switch (m.k) {
      case 'join':
        void this.joinFor(m.from, m.r, m.key, m.client);
        return;
      case 'resume':
        void this.resumeFor(m.from, m.r, m.key, m.request);
        return;
      case 'handle':
        if (this.holders.get(m.c)?.key === m.key) this.memory.handle(m.c, m.q);
        return;
      case 'suspend':
        if (this.holders.get(m.c)?.key === m.key) this.memory.suspend(m.c);
        return;
      case 'leave':
        if (this.holders.get(m.c)?.key === m.key) {
          this.holders.delete(m.c);
          this.memory.leave(m.c, m.why);
        }
        return;
      case 'op':
        void this.operateFor(m.from, m.r, m.op, m.args);
        return;
      case 'revoke':
        this.memory.disconnectRevoked(m.appId, m.revocation).then(
          (count) => this.reply(m.from, m.r, count),
          (err: unknown) => this.refuse(m.from, m.r, err),
        );
        return;
      case 'reply': {
        const pending = this.pending.get(m.r);
        if (pending === undefined) {
          const onLate = this.late.get(m.r);
          this.late.delete(m.r);
          if (onLate !== undefined && m.ok) onLate(m.value);
          return;
        }
        this.pending.delete(m.r);
        if (m.ok) pending.resolve(m.value);
        else pending.reject(errorOf(m.refusal));
        return;
      }
      case 'sync':
        this.syncFrom(m.from, m.keys);
        return;
      case 'synced':
        this.syncedBy(m.from, m.missing);
        return;
      case 'dead':
        if (m.node === this.nodeId) void this.reset();
        else this.buryNode(m.node);
        return;
      case 'adopted':
        this.moved(sessionKeyOf(m.appId, m.sessionId), m.from);
        return;
    }
  }

  // ------------------------------------------------------------------ reconciliation (docs/cluster.md "Redis outage")

  /**
   * Tells every other live node which of this node's sockets are in the sessions it owns; each drops
   * what it holds for this node that is not listed, and names what it does not hold (closed here).
   * Run when Redis answers again after an outage (and once more 2 s later: a node whose subscription
   * was not back yet missed the first), and after a join whose reply timed out.
   */
  private async reconcile(): Promise<void> {
    let nodes: string[];
    try {
      nodes = await this.redisCall(() => this.clients!.commands.zrange(this.keys.nodes, '0', '-1'));
    } catch {
      return; // Redis away again: the next recovery runs it.
    }
    for (const node of nodes) if (node !== this.nodeId) this.syncWith(node);
  }

  private syncWith(node: string): void {
    const keys: string[] = [];
    const admitted = new Set<string>();
    for (const socket of this.byKey.values()) {
      if (socket.owner !== node) continue;
      keys.push(socket.key);
      if (socket.connectionId !== undefined) admitted.add(socket.key);
    }
    this.syncAdmitted.set(node, admitted);
    this.send(node, { k: 'sync', from: this.nodeId, keys });
  }

  /** On the owner: `from`'s members that its socket list does not name are gone (a lost leave, a timed-out join). */
  private syncFrom(from: string, keys: readonly string[]): void {
    const listed = new Set(keys);
    const held = new Set<string>();
    for (const [connectionId, holder] of [...this.holders]) {
      if (holder.node !== from) continue;
      if (listed.has(holder.key)) {
        held.add(holder.key);
        continue;
      }
      this.holders.delete(connectionId);
      this.counts.reconciledMembers++;
      this.memory.leave(connectionId, 'networkDisconnected');
    }
    const missing = keys.filter((key) => !held.has(key));
    this.send(from, { k: 'synced', from: this.nodeId, missing });
  }

  /** The owner holds no connection for these sockets (e.g. its own removal of them was lost): they close, 1013, and rejoin. */
  private syncedBy(owner: string, missing: readonly string[]): void {
    // Only sockets admitted before the list was sent: a join answered after it may not have been seen yet.
    const admitted = this.syncAdmitted.get(owner);
    this.syncAdmitted.delete(owner);
    for (const key of missing) {
      const socket = this.byKey.get(key);
      if (socket === undefined || admitted?.has(key) !== true) continue;
      this.untrack(socket);
      this.counts.reconciledSockets++;
      socket.peer.close(1013, 'ERR_UNAVAILABLE');
    }
  }

  /**
   * Another node was declared dead: its connections leave this node's sessions, and the sessions it owned
   * that this node has members in are taken over ({@link takeOver}).
   */
  private buryNode(node: string): void {
    this.counts.nodeDeaths++;
    this.logger?.warn({ nodeId: node }, 'cluster node declared dead');
    for (const [connectionId, holder] of [...this.holders]) {
      if (holder.node !== node) continue;
      this.holders.delete(connectionId);
      this.memory.leave(connectionId, 'networkDisconnected');
    }
    const orphaned = new Set<string>();
    for (const socket of [...this.byKey.values()]) {
      if (socket.owner !== node) continue;
      // A join still waiting for its reply is refused by the rejection below instead.
      if (socket.connectionId === undefined) this.untrack(socket);
      else orphaned.add(socket.sessionKey);
    }
    for (const [r, pending] of [...this.pending]) {
      if (pending.node !== node) continue;
      this.pending.delete(r);
      pending.reject(unavailable(`Node ${node}, which owned the session, died.`));
    }
    this.links.delete(node);
    for (const sessionKey of orphaned) {
      // Until the new owner says it rebuilt the session, its members' requests here are refused at once.
      const timer = setTimeout(() => this.moved(sessionKey, undefined), this.takeoverTimeoutMs);
      timer.unref();
      this.moving.set(sessionKey, { dead: node, timer });
      void this.takeOver(sessionKey, node);
    }
  }

  /**
   * The owner of a session this node has members in died (docs/cluster.md "Node death"). Each node with
   * members claims it; the first rebuilds it from its stored state ({@link adopt}) and tells the other
   * nodes holding members (`adopted`), which then point their sockets at it. A routed session (its media
   * died with the owner), or one with no stored state, is not taken over: its sockets here close 1013.
   */
  private async takeOver(sessionKey: string, dead: string): Promise<void> {
    const [appId, sessionId] = sessionKey.split('\u0000') as [string, string];
    try {
      if (mediaModeOf(sessionId) === 'routed') return this.moved(sessionKey, undefined);
      const owner = await this.claim(appId, sessionId);
      if (owner !== this.nodeId) return; // its `adopted` (or the timeout) moves the sockets
      const holders = await this.adopt(appId, sessionId, dead);
      if (holders === undefined) return this.moved(sessionKey, undefined);
      this.moved(sessionKey, this.nodeId);
      for (const node of holders) this.send(node, { k: 'adopted', from: this.nodeId, appId, sessionId });
    } catch (err) {
      this.logger?.warn({ err, appId, sessionId }, 'a session whose owner died could not be taken over');
      this.moved(sessionKey, undefined);
    }
  }

  /**
   * A session whose owner died has a new owner (`owner`), or none could take it (undefined): this node's
   * sockets in it are that owner's now, each told ERR_UNAVAILABLE for the requests the dead owner never
   * answered; or, with no owner (or one that does not hold the socket), closed 1013 to join again.
   */
  private moved(sessionKey: string, owner: string | undefined): void {
    const entry = this.moving.get(sessionKey);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.moving.delete(sessionKey);
    for (const socket of [...this.byKey.values()]) {
      if (socket.sessionKey !== sessionKey || socket.owner !== entry.dead) continue;
      const held = owner !== this.nodeId || this.holders.get(socket.connectionId!)?.key === socket.key;
      if (owner === undefined || !held) {
        this.untrack(socket);
        socket.peer.close(1013, 'ERR_UNAVAILABLE');
        continue;
      }
      socket.owner = owner;
      for (const id of socket.inFlight ?? []) this.refuseRequest(socket, id, UNANSWERED);
      socket.inFlight = undefined;
    }
    const owners = this.sessionOwners.get(sessionKey);
    if (owners !== undefined && owner !== undefined) owners.owner = owner;
    // The new owner drops what it holds for this node that is gone, and names what it lacks (closed here).
    if (owner !== undefined && owner !== this.nodeId) this.syncWith(owner);
  }

  /**
   * Rebuilds a session whose owner died from its stored state, here (this node claimed it): connections
   * held by live nodes stay, the others (the dead node's, suspended ones, sockets gone) leave, told to all.
   * Returns the other nodes that hold members of it; undefined when there is no stored state to rebuild from.
   */
  private async adopt(appId: string, sessionId: string, dead: string): Promise<Set<string> | undefined> {
    if (this.memory.hasSession(appId, sessionId)) return new Set();
    const commands = this.clients!.commands;
    const [exported, live] = await Promise.all([
      this.redisCall(() => this.stateStore.read(commands, appId, sessionId)),
      this.redisCall(() => commands.zrange(this.keys.nodes, '0', '-1')),
    ]);
    if (exported === undefined || this.memory.hasSession(appId, sessionId)) return undefined;
    const alive = new Set(live);
    alive.delete(dead);
    const gone = new Set<string>();
    const adopted = new Set(
      this.memory.adoptSession(exported, (c) => {
        const peer = c.suspended || c.holder === undefined ? undefined : this.peerFor(c.id, c.holder, alive);
        if (peer === undefined) gone.add(c.id);
        return peer;
      }),
    );
    const nodes = new Set<string>();
    for (const c of exported.connections) {
      if (c.holder === undefined || gone.has(c.id) || !adopted.has(c.id)) continue;
      this.holders.set(c.id, c.holder);
      if (c.holder.node !== this.nodeId) nodes.add(c.holder.node);
    }
    for (const id of gone) this.memory.leave(id, 'networkDisconnected');
    this.counts.sessionsAdopted++;
    this.logger?.warn(
      { appId, sessionId, deadNode: dead, kept: adopted.size - gone.size, left: gone.size },
      'took over a session whose owner died',
    );
    return nodes;
  }

  /** The peer of an adopted connection held by `holder`: a socket here, or a remote one on a live node. */
  private peerFor(connectionId: string, holder: Holder, alive: ReadonlySet<string>): Peer | undefined {
    if (holder.node === this.nodeId) return this.byKey.get(holder.key)?.peer;
    if (!alive.has(holder.node)) return undefined;
    return new RemotePeer(this.link(holder.node), holder.key, () => this.dropHolder(connectionId, holder.key));
  }

  /** On the owner: makes sure this node still owns a session it does not hold (it may have been released). */
  private async ensureOwned(appId: string, sessionId: string): Promise<void> {
    if (this.memory.hasSession(appId, sessionId)) return;
    // Claimed and not released since (a release deletes the entry before it is sent): still ours.
    const owned = this.ownedKeys.get(sessionKeyOf(appId, sessionId));
    if (owned !== undefined) {
      owned.claimedAt = performance.now();
      return;
    }
    const owner = await this.claim(appId, sessionId);
    if (owner !== this.nodeId) throw new Moved(owner);
  }

  private async joinFor(from: string, r: number, key: string, client: AdmittedClient): Promise<void> {
    try {
      await this.refuseIfDraining();
      await this.ensureOwned(client.appId, client.sessionId);
      let connectionId = '';
      const peer = new RemotePeer(this.link(from), key, () => this.dropHolder(connectionId, key));
      connectionId = await this.memory.join(client, peer);
      this.holders.set(connectionId, { node: from, key });
      this.reply(from, r, connectionId);
    } catch (err) {
      this.refuse(from, r, err);
    }
  }

  private async resumeFor(from: string, r: number, key: string, request: ResumeRequest): Promise<void> {
    try {
      // Its session was closed with the drain's start: nothing is left to resume.
      if (this.draining)
        throw new StagepassError(
          'ERR_RESUME_REFUSED',
          'The node that held this session is shutting down: join again with a fresh token.',
        );
      const peer = new RemotePeer(this.link(from), key, () => this.dropHolder(request.connectionId, key));
      const client = await this.memory.resume(request, peer);
      this.holders.set(request.connectionId, { node: from, key });
      this.reply(from, r, client);
    } catch (err) {
      this.refuse(from, r, err);
    }
  }

  /** Draining: once this node's leases are released, the asking node is told to claim the session itself. */
  private async refuseIfDraining(): Promise<void> {
    if (!this.draining) return;
    await this.released;
    throw new Released(this.nodeId);
  }

  /** The core closed a remote socket (moderation, revocation, a resume elsewhere): it no longer holds the connection. */
  private dropHolder(connectionId: string, key: string): void {
    if (this.holders.get(connectionId)?.key === key) this.holders.delete(connectionId);
  }

  private async operateFor(from: string, r: number, op: RemoteOperation, args: readonly unknown[]): Promise<void> {
    try {
      if (op === 'createSession') {
        await this.refuseIfDraining();
        await this.ensureOwned(args[0] as string, args[1] as string);
      }
      this.reply(from, r, await this.operateHere(op, args));
    } catch (err) {
      this.refuse(from, r, err);
    }
  }

  private operateHere(op: RemoteOperation, args: readonly unknown[]): Promise<unknown> {
    const call = this.memory[op] as (...a: unknown[]) => Promise<unknown>;
    return call.apply(this.memory, args as unknown[]);
  }

  // ------------------------------------------------------------------ this node's sockets

  private track(socket: LocalSocket, connectionId: string): void {
    const previous = this.byConnection.get(connectionId);
    if (previous !== undefined && previous !== socket) this.untrack(previous);
    socket.connectionId = connectionId;
    this.byConnection.set(connectionId, socket);
    const owners = this.sessionOwners.get(socket.sessionKey);
    if (owners === undefined) this.sessionOwners.set(socket.sessionKey, { owner: socket.owner, sockets: 1 });
    else owners.sockets++;
  }

  private untrack(socket: LocalSocket): void {
    if (this.byKey.get(socket.key) === socket) this.byKey.delete(socket.key);
    const id = socket.connectionId;
    if (id === undefined || this.byConnection.get(id) !== socket) return;
    this.byConnection.delete(id);
    const owners = this.sessionOwners.get(socket.sessionKey);
    if (owners !== undefined && --owners.sockets === 0) this.sessionOwners.delete(socket.sessionKey);
  }

  // ------------------------------------------------------------------ SessionService

  async join(client: AdmittedClient, peer: Peer): Promise<string> {
    if (this.draining) throw shuttingDown();
    const { appId, sessionId } = client;
    let owner = await this.ownerForJoin(appId, sessionId);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.joinAt(owner, client, peer);
      } catch (err) {
        if (attempt > 0 || !(err instanceof Moved || err instanceof Released)) throw refusalForClient(err);
        // Released: the draining owner let the session go; this node (or whoever came first) takes it.
        owner = err instanceof Moved ? err.owner : await this.claim(appId, sessionId);
      }
    }
  }

  private async ownerForJoin(appId: string, sessionId: string): Promise<string> {
    if (this.memory.hasSession(appId, sessionId)) return this.nodeId;
    return this.sessionOwners.get(sessionKeyOf(appId, sessionId))?.owner ?? (await this.claim(appId, sessionId));
  }

  private async joinAt(owner: string, client: AdmittedClient, peer: Peer): Promise<string> {
    const socket: LocalSocket = {
      key: randomId(12),
      peer,
      owner,
      sessionKey: sessionKeyOf(client.appId, client.sessionId),
      connectionId: undefined,
    };
    let connectionId: string;
    if (owner === this.nodeId) {
      await this.ensureOwned(client.appId, client.sessionId);
      connectionId = await this.memory.join(client, peer);
      this.holders.set(connectionId, { node: this.nodeId, key: socket.key });
    } else {
      // Known before asking: the owner's `connected` for it may arrive before its reply.
      this.byKey.set(socket.key, socket);
      try {
        connectionId = await this.request<string>(
          owner,
          (r) => ({ k: 'join', r, from: this.nodeId, key: socket.key, client }),
          // Admitted after all, once this node had refused the client: the member leaves at once.
          (late) => this.send(owner, { k: 'leave', c: late, key: socket.key, why: 'networkDisconnected' }),
        );
      } catch (err) {
        this.byKey.delete(socket.key);
        // The owner may have admitted it after all: a late reply is undone above; a lost one by this sync.
        if (err instanceof StagepassError && err.code === 'ERR_UNAVAILABLE') {
          const later = setTimeout(() => this.syncWith(owner), this.requestTimeoutMs);
          later.unref();
        }
        throw err;
      }
    }
    this.track(socket, connectionId);
    return connectionId;
  }

  suspend(connectionId: string): boolean {
    const socket = this.byConnection.get(connectionId);
    if (socket === undefined) return false;
    if (socket.owner === this.nodeId) {
      return this.holders.get(connectionId)?.key === socket.key && this.memory.suspend(connectionId);
    }
    this.send(socket.owner, { k: 'suspend', c: connectionId, key: socket.key });
    return true;
  }

  async resume(request: ResumeRequest, peer: Peer): Promise<AdmittedClient> {
    const owner = await this.ownerOf(request.appId, request.sessionId);
    if (owner === null) return this.memory.resume(request, peer); // nobody holds it: the core's one refusal
    const socket: LocalSocket = {
      key: randomId(12),
      peer,
      owner,
      sessionKey: sessionKeyOf(request.appId, request.sessionId),
      connectionId: undefined,
    };
    let client: AdmittedClient;
    if (owner === this.nodeId) {
      client = await this.memory.resume(request, peer);
      this.holders.set(request.connectionId, { node: this.nodeId, key: socket.key });
    } else {
      this.byKey.set(socket.key, socket);
      try {
        client = await this.request<AdmittedClient>(owner, (r) => ({
          k: 'resume',
          r,
          from: this.nodeId,
          key: socket.key,
          request,
        }));
      } catch (err) {
        this.byKey.delete(socket.key);
        throw err;
      }
    }
    this.track(socket, request.connectionId);
    return client;
  }

  leave(connectionId: string, reason: ConnectionDestroyedReason): void {
    const socket = this.byConnection.get(connectionId);
    if (socket === undefined) return;
    this.untrack(socket);
    if (socket.owner !== this.nodeId) {
      this.send(socket.owner, { k: 'leave', c: connectionId, key: socket.key, why: reason });
      return;
    }
    if (this.holders.get(connectionId)?.key !== socket.key) return;
    this.holders.delete(connectionId);
    this.memory.leave(connectionId, reason);
  }

  /** Answers one of a socket's requests here: `error` ERR_UNAVAILABLE, saying why. */
  private refuseRequest(socket: LocalSocket, id: number | null, message: string): void {
    socket.peer.send(new Outbound(JSON.stringify(errorReply(id, unavailable(message)))));
  }

  handle(connectionId: string, request: ClientRequest): void {
    const socket = this.byConnection.get(connectionId);
    if (socket === undefined) return;
    if (socket.owner === this.nodeId) {
      this.memory.handle(connectionId, request);
      return;
    }
    const moving = this.moving.size === 0 ? undefined : this.moving.get(socket.sessionKey);
    const isMoving = moving?.dead === socket.owner;
    if (!this.ready() || isMoving) {
      const message = isMoving ? 'The session is moving to another node: send it again.' : this.unavailable()!;
      this.refuseRequest(socket, request.id ?? null, message);
      return;
    }
    if (request.id !== undefined) {
      const inFlight = (socket.inFlight ??= new Set());
      if (inFlight.size >= this.maxTrackedRequests) inFlight.delete(inFlight.values().next().value!);
      inFlight.add(request.id);
    }
    this.send(socket.owner, { k: 'handle', c: connectionId, key: socket.key, q: request });
  }

  /** A REST operation, at the session's owner; `create`: the session is made (and owned here) when nobody holds it. */
  private async operate<T>(op: RemoteOperation, args: readonly unknown[], create = false): Promise<T> {
    const appId = args[0] as string;
    const sessionId = args[1] as string;
    let owner = create ? await this.ownerForJoin(appId, sessionId) : await this.ownerOf(appId, sessionId);
    // Nobody holds it: the core answers as for any unknown session (not found, or undefined).
    if (owner === null) return (await this.operateHere(op, args)) as T;
    for (let attempt = 0; ; attempt++) {
      try {
        if (owner === this.nodeId) {
          if (create) await this.ensureOwned(appId, sessionId);
          return (await this.operateHere(op, args)) as T;
        }
        return await this.request<T>(owner, (r) => ({ k: 'op', r, from: this.nodeId, op, args }));
      } catch (err) {
        if (attempt > 0 || !(err instanceof Moved || err instanceof Released)) throw refusalForClient(err);
        // Released answers only createSession (`create`): claim it here.
        owner = err instanceof Moved ? err.owner : await this.claim(appId, sessionId);
      }
    }
  }

  createSession(appId: string, sessionId?: string): Promise<SessionSnapshot> {
    return this.operate('createSession', [appId, sessionId ?? randomId(12)], true);
  }

  async getSession(appId: string, sessionId: string): Promise<SessionSnapshot | undefined> {
    return (await this.operate<SessionSnapshot | null>('getSession', [appId, sessionId])) ?? undefined;
  }

  forceDisconnect(appId: string, sessionId: string, connectionId: string): Promise<void> {
    return this.operate('forceDisconnect', [appId, sessionId, connectionId]);
  }

  forceUnpublish(appId: string, sessionId: string, streamId: string): Promise<void> {
    return this.operate('forceUnpublish', [appId, sessionId, streamId]);
  }

  forceMuteStream(appId: string, sessionId: string, streamId: string): Promise<void> {
    return this.operate('forceMuteStream', [appId, sessionId, streamId]);
  }

  forceMuteAll(appId: string, sessionId: string, excludedStreamIds: readonly string[]): Promise<void> {
    return this.operate('forceMuteAll', [appId, sessionId, excludedStreamIds]);
  }

  disableForceMute(appId: string, sessionId: string): Promise<void> {
    return this.operate('disableForceMute', [appId, sessionId]);
  }

  setLayoutClassLists(appId: string, sessionId: string, changes: readonly LayoutClassListChange[]): Promise<void> {
    return this.operate('setLayoutClassLists', [appId, sessionId, changes]);
  }

  signal(appId: string, sessionId: string, signal: BackendSignal): Promise<void> {
    return this.operate('signal', [appId, sessionId, signal]);
  }

  /** Every live node closes the connections it owns that the revocation reaches; resolves with their sum. */
  async disconnectRevoked(appId: string, revocation: Revocation): Promise<number> {
    if (!this.ready()) throw unavailable(this.unavailable()!);
    const nodes = await this.redisCall(() => this.clients!.commands.zrange(this.keys.nodes, '0', '-1'));
    const counts = await Promise.allSettled(
      nodes.map((node) =>
        node === this.nodeId
          ? this.memory.disconnectRevoked(appId, revocation)
          : this.request<number>(node, (r) => ({ k: 'revoke', r, from: this.nodeId, appId, revocation })),
      ),
    );
    let total = 0;
    for (const [i, result] of counts.entries()) {
      if (result.status === 'fulfilled') total += result.value;
      else this.logger?.warn({ nodeId: nodes[i], err: result.reason }, 'a node did not apply a revocation');
    }
    return total;
  }

  /** Sessions and streams this node owns; connections whose sockets this node holds. */
  stats(): { sessions: number; connections: number; streams: number } {
    const owned = this.memory.stats();
    return { sessions: owned.sessions, connections: this.byConnection.size, streams: owned.streams };
  }

  /**
   * The drain's start (and a stop's): closes every socket, leaves the sessions owned elsewhere, and
   * releases this node's leases (docs/cluster.md "Drain"); from now on it takes no session.
   */
  closeAll(code: number, reason: string): void {
    this.draining = true;
    this.memory.closeAll(code, reason);
    for (const socket of [...this.byConnection.values()]) {
      this.untrack(socket);
      if (socket.owner === this.nodeId) continue;
      this.send(socket.owner, { k: 'leave', c: socket.connectionId!, key: socket.key, why: 'networkDisconnected' });
      socket.peer.close(code, reason);
    }
    this.holders.clear();
    for (const link of this.links.values()) link.flush();
    // After the closes just published (the same connection, so Redis handles them first): the members
    // closed on other nodes rejoin there at once, into sessions their node now claims.
    this.released = this.releaseLeases();
  }

  /** At the drain's start: gives up every lease this node holds (one that fails is tried again by `stop`). */
  private async releaseLeases(): Promise<void> {
    const clients = this.clients;
    if (clients === undefined || !this.ready()) return;
    const owned = [...this.ownedKeys];
    this.ownedKeys.clear();
    await Promise.all(
      owned.map(async ([sessionKey, lease]) => {
        try {
          await this.releaseLease(clients, lease);
          this.counts.leasesReleased++;
        } catch {
          this.ownedKeys.set(sessionKey, lease);
        }
      }),
    );
  }
}
