import type { MediaMode } from '@stagepass/protocol';
import { createSessionId, readOpenTokSessionId } from '@stagepass/token';

/**
 * A session's media mode, read from its ID: routed when the ID has the OpenTok shape without the
 * relayed marker (`createSessionId({ appId, mediaMode: 'routed' })`, or a routed session OpenTok
 * made), relayed for every other ID. The mode lives in the ID, not in memory, so it holds after the
 * session emptied and was forgotten, after a restart and on every node of a cluster.
 *
 * @example
 * ```ts
 * mediaModeOf(createSessionId({ appId: 'a1', mediaMode: 'routed' })); // 'routed'
 * mediaModeOf('my-meeting'); // 'relayed'
 * ```
 */
export function mediaModeOf(sessionId: string): MediaMode {
  return readOpenTokSessionId(sessionId)?.mediaMode === 'routed' ? 'routed' : 'relayed';
}

/** A new session ID of `appId` in `mode` (relayed: a plain random ID, as before routed media). */
export function newSessionId(appId: string, mode: MediaMode): string {
  return mode === 'routed' ? createSessionId({ appId, mediaMode: 'routed' }) : createSessionId();
}
