/**
 * How a gateway sees the changes other processes make to the PostgreSQL registry (a new or retired
 * key, settings, a revocation, a new or deleted app):
 *
 * - **LISTEN/NOTIFY**: one dedicated connection LISTENs on {@link REGISTRY_CHANNEL}; every change
 *   NOTIFYs the App ID at commit, and this process reads that app again: seen in milliseconds.
 * - **Poll**: every `pollIntervalMs` one query reads every app's version and refreshes the ones that
 *   moved. It covers notifications lost while the listening connection was down (it reconnects on its
 *   own, then reloads everything), so a change is seen within one poll interval at worst.
 *
 * While the poll fails, `problem()` says so (the gateway's `/readyz` answers 503).
 */
import pg from 'pg';
import { REGISTRY_CHANNEL } from './postgres-apps.js';
import type { PostgresAppCache } from './postgres-app-cache.js';
import { asUnavailable, unavailableReason, type PostgresStore } from './postgres-store.js';

export interface ChangeFeedOptions {
  readonly store: PostgresStore;
  readonly cache: PostgresAppCache;
  /** How to open the listening connection (the pool's settings). */
  readonly connection: pg.ClientConfig;
  readonly pollIntervalMs: number;
}

export interface ChangeFeed {
  /** Why changes may be missed right now (the server unreachable), or undefined. */
  problem(): string | undefined;
  /** Whether the LISTEN connection is up (else changes arrive by the poll only). */
  listening(): boolean;
  close(): Promise<void>;
}

/** Starts listening (resolves once LISTEN is in place) and polling. */
export async function startChangeFeed(options: ChangeFeedOptions): Promise<ChangeFeed> {
  const { store, cache, pollIntervalMs } = options;
  let closed = false;
  let listener: pg.Client | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  let pollProblem: string | undefined;
  let polling = false;

  async function listen(): Promise<void> {
    const client = new pg.Client(options.connection);
    client.on('notification', (message) => {
      if (message.channel === REGISTRY_CHANNEL && message.payload !== undefined)
        cache.refresh(message.payload).catch(() => undefined); // the poll catches up
    });
    const lost = (): void => {
      if (listener !== client) return;
      listener = undefined;
      client.end().catch(() => undefined);
      scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${REGISTRY_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw asUnavailable(err, store.where);
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    listener = client;
  }

  function scheduleReconnect(): void {
    if (closed || reconnect !== undefined) return;
    reconnect = setTimeout(() => {
      reconnect = undefined;
      listen()
        .then(() => cache.reload()) // what was announced while it was down
        .catch(() => scheduleReconnect());
    }, pollIntervalMs);
    reconnect.unref();
  }

  async function poll(): Promise<void> {
    if (polling || closed) return;
    polling = true;
    try {
      const { rows } = await store.query<{ app_id: string; version: string }>('SELECT app_id, version FROM apps');
      await cache.sync(new Map(rows.map((row) => [row.app_id, Number(row.version)])));
      pollProblem = undefined;
    } catch (err) {
      const reason = unavailableReason((err as { cause?: unknown }).cause ?? err) ?? 'ERROR';
      pollProblem = `the PostgreSQL app registry at ${store.where} cannot be read (${reason}): changes made elsewhere are not seen; check the server (retrying every ${pollIntervalMs} ms)`;
    } finally {
      polling = false;
    }
  }

  await listen();
  const timer = setInterval(() => void poll(), pollIntervalMs);
  timer.unref();
  return {
    problem: () => pollProblem,
    listening: () => listener !== undefined,
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(reconnect);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
