import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  renderDone,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session disconnect` options, as parsed from the command line. */
export interface SessionDisconnectOptions extends GatewayOptions {
  readonly sessionId: string;
  readonly connectionId: string;
}

export interface SessionDisconnected {
  readonly sessionId: string;
  readonly connectionId: string;
}

/**
 * Force-disconnects one connection (`DELETE …/sessions/{sessionId}/connections/{connectionId}`):
 * the client is closed with 4100 `forceDisconnected`.
 *
 * @example
 * ```ts
 * await sessionDisconnect({ url, appId, secret, sessionId, connectionId }, io);
 * ```
 */
export async function sessionDisconnect(
  options: SessionDisconnectOptions,
  io: CommandIo,
): Promise<GatewayResult<SessionDisconnected>> {
  const { sessionId, connectionId } = options;
  const reply = await callGateway(options, io, {
    method: 'DELETE',
    path: ['sessions', sessionId, 'connections', connectionId],
  });
  return reply.ok ? { ok: true, sessionId, connectionId } : reply;
}

/** One line, or `{sessionId, connectionId}` with `--json`. */
export function renderSessionDisconnect(result: GatewayResult<SessionDisconnected>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  return renderDone(
    { sessionId: result.sessionId, connectionId: result.connectionId },
    `disconnected connection ${result.connectionId}`,
  );
}
