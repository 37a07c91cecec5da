import type { EpochMilliseconds } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  notAGateway,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session create` options, as parsed from the command line. */
export interface SessionCreateOptions extends GatewayOptions {
  /** The session ID to use; default: the gateway makes one. */
  readonly sessionId?: string;
}

/** A created session, as the gateway answered. */
export interface SessionCreated {
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
}

/**
 * Creates a session through the gateway's REST API (`POST /v1/apps/{appId}/sessions`). Creating a
 * session that exists answers it as it is.
 *
 * @example
 * ```ts
 * const created = await sessionCreate({ url, appId, secret }, io);
 * if (created.ok) created.sessionId;
 * ```
 */
export async function sessionCreate(
  options: SessionCreateOptions,
  io: CommandIo,
): Promise<GatewayResult<SessionCreated>> {
  const reply = await callGateway(options, io, {
    method: 'POST',
    path: ['sessions'],
    body: options.sessionId === undefined ? {} : { sessionId: options.sessionId },
  });
  if (!reply.ok) return reply;
  const { sessionId, createdAt } = reply.body ?? {};
  if (typeof sessionId !== 'string' || typeof createdAt !== 'number') {
    return notAGateway(reply.status, "the gateway's answer has no sessionId; is --url a Stagepass gateway?");
  }
  return { ok: true, sessionId, createdAt };
}

/**
 * The bare session ID (one line, for `SID=$(stagepass session create)`), or with `--json`
 * `{sessionId, createdAt}`.
 *
 * @example
 * ```ts
 * renderSessionCreate(await sessionCreate(options, io)).text; // 'Zx3…\n'
 * ```
 */
export function renderSessionCreate(result: GatewayResult<SessionCreated>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  return {
    ok: true,
    json: { sessionId: result.sessionId, createdAt: result.createdAt },
    text: `${result.sessionId}\n`,
    warnings: [],
  };
}
