import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import {
  createMediaCounts,
  createStreamCountsTable,
  type MediaCounts,
  type StreamCountsTable,
} from '../media/forwarding-gate.js';

/** The counts a gateway keeps in plain numbers on its hot paths, read into the metrics at each scrape. */
export interface HotCounts {
  /** Frames received from admitted clients. */
  messagesIn: number;
  /** Messages queued to clients (each recipient of a fan-out counts once). */
  messagesOut: number;
  /** Routed media's RTP packets, by kind: received from publishers, forwarded (a copy per subscriber), dropped by policy. */
  readonly media: MediaCounts;
  /** The same, of each live routed stream (at most `maxStreamMetrics` of them). */
  readonly streamMedia: StreamCountsTable;
}

/** Zeroed hot counts, for one gateway; per-stream media counts for at most `maxStreamMetrics` streams. */
export function createHotCounts(maxStreamMetrics = 0): HotCounts {
  return {
    messagesIn: 0,
    messagesOut: 0,
    media: createMediaCounts(),
    streamMedia: createStreamCountsTable(maxStreamMetrics),
  };
}

const KINDS = ['audio', 'video'] as const;
const OUTCOMES = ['received', 'forwarded', 'dropped', 'stalled'] as const;

export interface GatewayMetricsOptions {
  /** Current session counts (the session service's `stats()`). */
  readonly stats: () => { sessions: number; connections: number; streams: number };
  /** WebSocket sockets open right now, admitted or not. */
  readonly sockets: () => number;
  readonly hot: HotCounts;
  /** Also export Node's default process metrics (CPU, memory, event loop lag, GC). */
  readonly processMetrics: boolean;
}

/** The metrics of one gateway, in a registry of its own (never prom-client's global one). */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** Admissions by result: `ok` or the refusal code. */
  readonly admissions: Counter<'result'>;
  readonly capabilityDenials: Counter<'capability'>;
  /** Closed sockets by close code. */
  readonly closes: Counter<'code'>;
  readonly upgradeRefusals: Counter<'status'>;
  /** Connections and requests refused by the HTTP guard (transport/http-guard.ts), by reason. */
  readonly httpRefusals: Counter<'reason'>;
}

/** The routed media counters: the node's totals, and each live stream's (rebuilt at each collection). */
function registerMediaCounters(registers: Registry[], hot: HotCounts): void {
  const countedMedia = createMediaCounts();
  new Counter({
    name: 'stagepass_media_packets_total',
    help: 'Routed media RTP packets by kind and outcome: received from publishers, forwarded (one per subscriber), dropped by policy (force-muted audio, video off), stalled (not sent to a subscriber silent for the stall limit, one per such subscriber).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
    collect() {
      for (const kind of KINDS) {
        for (const outcome of OUTCOMES) {
          this.inc({ kind, outcome }, hot.media[kind][outcome] - countedMedia[kind][outcome]);
          countedMedia[kind][outcome] = hot.media[kind][outcome];
        }
      }
    },
  });

  new Counter({
    name: 'stagepass_media_stream_packets_total',
    help: 'Routed media RTP packets of each live stream (at most maxStreamMetrics streams), by kind and outcome as stagepass_media_packets_total; a series goes when its stream ends.',
    labelNames: ['stream_id', 'kind', 'outcome'] as const,
    registers,
    collect() {
      // Rebuilt from the live streams at each collection: an ended stream's series are gone.
      this.reset();
      for (const [streamId, counts] of hot.streamMedia.byStream)
        for (const kind of KINDS)
          for (const outcome of OUTCOMES) this.inc({ stream_id: streamId, kind, outcome }, counts[kind][outcome]);
    },
  });
}

/**
 * Creates the metrics of one gateway. Gauges read the session service when scraped; the counts of
 * the fan-out path (messages in and out) are plain numbers in {@link HotCounts}, added to the
 * prom-client counters at scrape time, so a fan-out costs an integer increment per recipient.
 * Admissions and closes go straight to their labelled counters (measured: syncing them at scrape
 * time saved 0.6 % of an admission, docs/benchmarks.md "Shortcut ledger").
 */
export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const { stats, hot } = options;

  new Gauge({
    name: 'stagepass_connections',
    help: 'Admitted connections.',
    registers,
    collect() {
      this.set(stats().connections);
    },
  });
  new Gauge({
    name: 'stagepass_sessions',
    help: 'Sessions with at least one connection (or created through the API and not yet expired).',
    registers,
    collect() {
      this.set(stats().sessions);
    },
  });
  new Gauge({
    name: 'stagepass_streams',
    help: 'Published streams.',
    registers,
    collect() {
      this.set(stats().streams);
    },
  });
  new Gauge({
    name: 'stagepass_sockets',
    help: 'Open WebSocket sockets, admitted or still being admitted.',
    registers,
    collect() {
      this.set(options.sockets());
    },
  });

  let countedIn = 0;
  let countedOut = 0;
  new Counter({
    name: 'stagepass_messages_in_total',
    help: 'Messages received from admitted clients.',
    registers,
    collect() {
      this.inc(hot.messagesIn - countedIn);
      countedIn = hot.messagesIn;
    },
  });
  new Counter({
    name: 'stagepass_messages_out_total',
    help: 'Messages sent to clients (a fan-out counts each recipient).',
    registers,
    collect() {
      this.inc(hot.messagesOut - countedOut);
      countedOut = hot.messagesOut;
    },
  });

  registerMediaCounters(registers, hot);

  const admissions = new Counter({
    name: 'stagepass_admissions_total',
    help: 'Admission attempts by result: "ok" or the refusal code.',
    labelNames: ['result'] as const,
    registers,
  });
  const capabilityDenials = new Counter({
    name: 'stagepass_capability_denials_total',
    help: 'Requests refused ERR_CAPABILITY_DENIED, by the capability the role lacked.',
    labelNames: ['capability'] as const,
    registers,
  });
  const closes = new Counter({
    name: 'stagepass_closes_total',
    help: "Closed WebSocket connections by close code (the gateway's when it closed, else the client's; 1006 when terminated).",
    labelNames: ['code'] as const,
    registers,
  });
  const upgradeRefusals = new Counter({
    name: 'stagepass_upgrade_refusals_total',
    help: 'WebSocket upgrades refused with an HTTP status before the upgrade.',
    labelNames: ['status'] as const,
    registers,
  });

  const httpRefusals = new Counter({
    name: 'stagepass_http_refusals_total',
    help: 'TCP connections and HTTP requests refused to one address: sockets_per_ip (429 at accept), requests_in_flight (connection destroyed), rate (429).',
    labelNames: ['reason'] as const,
    registers,
  });

  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  return { registry, admissions, capabilityDenials, closes, upgradeRefusals, httpRefusals };
}
