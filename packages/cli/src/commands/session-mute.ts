import type { ForceMuteState } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  renderDone,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session mute` options: one stream. */
export interface SessionMuteOptions extends GatewayOptions {
  readonly sessionId: string;
  readonly streamId: string;
}

/** `stagepass session mute-all` options. */
export interface SessionMuteAllOptions extends GatewayOptions {
  readonly sessionId: string;
  /** Streams that keep their audio. */
  readonly excludedStreamIds?: readonly string[];
}

/** `stagepass session unmute-all` options. */
export interface SessionUnmuteAllOptions extends GatewayOptions {
  readonly sessionId: string;
}

export interface StreamMuted {
  readonly sessionId: string;
  readonly streamId: string;
}

export interface ForceMuteSet {
  readonly sessionId: string;
  readonly forceMute: ForceMuteState;
}

/**
 * Force-mutes one stream's audio (`POST …/streams/{streamId}/mute`); its publisher may unmute itself.
 *
 * @example
 * ```ts
 * await sessionMute({ url, appId, secret, sessionId, streamId }, io);
 * ```
 */
export async function sessionMute(options: SessionMuteOptions, io: CommandIo): Promise<GatewayResult<StreamMuted>> {
  const { sessionId, streamId } = options;
  const reply = await callGateway(options, io, {
    method: 'POST',
    path: ['sessions', sessionId, 'streams', streamId, 'mute'],
  });
  return reply.ok ? { ok: true, sessionId, streamId } : reply;
}

/**
 * Mutes every stream of the session but the excluded ones, and streams published later, until
 * `unmute-all` (`POST …/sessions/{sessionId}/mute` with `active: true`).
 *
 * @example
 * ```ts
 * await sessionMuteAll({ url, appId, secret, sessionId, excludedStreamIds: [hostStream] }, io);
 * ```
 */
export async function sessionMuteAll(
  options: SessionMuteAllOptions,
  io: CommandIo,
): Promise<GatewayResult<ForceMuteSet>> {
  const forceMute = { active: true, excludedStreamIds: [...(options.excludedStreamIds ?? [])] };
  const reply = await callGateway(options, io, {
    method: 'POST',
    path: ['sessions', options.sessionId, 'mute'],
    body: forceMute,
  });
  return reply.ok ? { ok: true, sessionId: options.sessionId, forceMute } : reply;
}

/**
 * Ends force mute for the session (`POST …/sessions/{sessionId}/mute` with `active: false`).
 *
 * @example
 * ```ts
 * await sessionUnmuteAll({ url, appId, secret, sessionId }, io);
 * ```
 */
export async function sessionUnmuteAll(
  options: SessionUnmuteAllOptions,
  io: CommandIo,
): Promise<GatewayResult<ForceMuteSet>> {
  const reply = await callGateway(options, io, {
    method: 'POST',
    path: ['sessions', options.sessionId, 'mute'],
    body: { active: false },
  });
  return reply.ok
    ? { ok: true, sessionId: options.sessionId, forceMute: { active: false, excludedStreamIds: [] } }
    : reply;
}

/** One line, or `{sessionId, streamId}` with `--json`. */
export function renderSessionMute(result: GatewayResult<StreamMuted>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  return renderDone({ sessionId: result.sessionId, streamId: result.streamId }, `muted stream ${result.streamId}`);
}

/** One line, or `{sessionId, forceMute}` with `--json`. */
export function renderForceMute(result: GatewayResult<ForceMuteSet>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  const { active, excludedStreamIds } = result.forceMute;
  const line = !active
    ? `force mute off in session ${result.sessionId}`
    : `force mute on in session ${result.sessionId}${excludedStreamIds.length > 0 ? ` (except ${excludedStreamIds.join(', ')})` : ''}`;
  return renderDone({ sessionId: result.sessionId, forceMute: result.forceMute }, line);
}
