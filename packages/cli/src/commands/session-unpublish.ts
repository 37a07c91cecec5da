import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  renderDone,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session unpublish` options, as parsed from the command line. */
export interface SessionUnpublishOptions extends GatewayOptions {
  readonly sessionId: string;
  readonly streamId: string;
}

export interface SessionUnpublished {
  readonly sessionId: string;
  readonly streamId: string;
}

/**
 * Force-unpublishes one stream (`DELETE …/sessions/{sessionId}/streams/{streamId}`).
 *
 * @example
 * ```ts
 * await sessionUnpublish({ url, appId, secret, sessionId, streamId }, io);
 * ```
 */
export async function sessionUnpublish(
  options: SessionUnpublishOptions,
  io: CommandIo,
): Promise<GatewayResult<SessionUnpublished>> {
  const { sessionId, streamId } = options;
  const reply = await callGateway(options, io, {
    method: 'DELETE',
    path: ['sessions', sessionId, 'streams', streamId],
  });
  return reply.ok ? { ok: true, sessionId, streamId } : reply;
}

/** One line, or `{sessionId, streamId}` with `--json`. */
export function renderSessionUnpublish(result: GatewayResult<SessionUnpublished>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  return renderDone(
    { sessionId: result.sessionId, streamId: result.streamId },
    `unpublished stream ${result.streamId}`,
  );
}
