import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  renderDone,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session signal` options, as parsed from the command line. */
export interface SessionSignalOptions extends GatewayOptions {
  readonly sessionId: string;
  /** One connection; default: everyone in the session. */
  readonly to?: string;
  /** The signal type (≤ 128 of A-Za-z0-9-_~); default "". */
  readonly type?: string;
  /** Text, at most 8 KiB once UTF-8 encoded. */
  readonly data: string;
}

export interface SessionSignalled {
  readonly sessionId: string;
  readonly to: string | null;
  readonly type: string;
}

/**
 * Sends a signal from the app's backend (`from: null`) to everyone in the session
 * (`POST …/signal`) or to one connection (`POST …/connections/{connectionId}/signal`).
 *
 * @example
 * ```ts
 * await sessionSignal({ url, appId, secret, sessionId, type: 'chat', data: 'Starting in 5 minutes' }, io);
 * ```
 */
export async function sessionSignal(
  options: SessionSignalOptions,
  io: CommandIo,
): Promise<GatewayResult<SessionSignalled>> {
  const { sessionId, to, type, data } = options;
  const path =
    to === undefined ? ['sessions', sessionId, 'signal'] : ['sessions', sessionId, 'connections', to, 'signal'];
  const reply = await callGateway(options, io, {
    method: 'POST',
    path,
    body: type === undefined ? { data } : { type, data },
  });
  return reply.ok ? { ok: true, sessionId, to: to ?? null, type: type ?? '' } : reply;
}

/** One line, or `{sessionId, to, type}` with `--json` (the data is not repeated). */
export function renderSessionSignal(result: GatewayResult<SessionSignalled>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  const line = `signal${result.type === '' ? '' : ` "${result.type}"`} sent to ${result.to === null ? `everyone in session ${result.sessionId}` : `connection ${result.to}`}`;
  return renderDone({ sessionId: result.sessionId, to: result.to, type: result.type }, line);
}
