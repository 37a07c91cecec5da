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

/**
 * A new session ID of `appId` in `mode`, in OpenTok's shape (so `opentok`'s `generateToken` accepts it, and
 * the mode is in it). An App ID that cannot go into that shape (it holds `~`, or is too long) gets a plain
 * random ID for a relayed session; a routed one needs the shape, and its refusal is thrown.
 */
export function newSessionId(appId: string, mode: MediaMode): string {
  if (mode === 'routed') return createSessionId({ appId, mediaMode: 'routed' });
  try {
    return createSessionId({ appId, mediaMode: 'relayed' });
  } catch {
    return createSessionId();
  }
}
