import { performance } from 'node:perf_hooks';
import type { Milliseconds } from '@stagepass/protocol';
import type { ClientProtocol } from './client-protocol.js';

export interface ConnectionSweepOptions {
  readonly pingIntervalMs: Milliseconds;
  readonly idleTimeoutMs: Milliseconds;
  readonly admissionTimeoutMs: Milliseconds;
}

/**
 * The node's two sweeps over its sockets, instead of timers per socket: keep-alive (ping, or
 * terminate after idleTimeoutMs of silence) every pingIntervalMs, and admission deadlines every
 * tenth of the admission time (at most every second), so a socket is refused between
 * admissionTimeoutMs and 1.1 × admissionTimeoutMs after its upgrade. Returns `stop`.
 */
export function startConnectionSweeps(
  connections: ReadonlySet<ClientProtocol>,
  options: ConnectionSweepOptions,
): () => void {
  const { idleTimeoutMs } = options;
  const keepAlive = setInterval(() => {
    const t = performance.now();
    for (const connection of connections) connection.sweep(t, idleTimeoutMs);
  }, options.pingIntervalMs);
  keepAlive.unref();
  const admissionSweepMs = Math.min(1000, Math.max(1, Math.floor(options.admissionTimeoutMs / 10)));
  const admissions = setInterval(() => {
    const t = performance.now();
    for (const connection of connections) connection.sweepAdmission(t);
  }, admissionSweepMs);
  admissions.unref();
  return () => {
    clearInterval(keepAlive);
    clearInterval(admissions);
  };
}
