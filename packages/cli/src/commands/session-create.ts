import type { EpochMilliseconds, MediaMode } from '@stagepass/protocol';
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
  /** `--routed` / `--relayed`: the mode of the session the gateway makes. Default: the app's `mediaMode` setting. */
  readonly mediaMode?: MediaMode;
}

/** A created session, as the gateway answered. */
export interface SessionCreated {
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
  readonly mediaMode: MediaMode;
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
    body: {
      ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
      ...(options.mediaMode === undefined ? {} : { mediaMode: options.mediaMode }),
    },
  });
  if (!reply.ok) return reply;
  const { sessionId, createdAt, mediaMode } = reply.body ?? {};
  if (typeof sessionId !== 'string' || typeof createdAt !== 'number') {
    return notAGateway(reply.status, "the gateway's answer has no sessionId; is --url a Stagepass gateway?");
  }
  if (options.mediaMode !== undefined && mediaMode !== options.mediaMode) {
    return notAGateway(reply.status, 'the gateway made no routed session: it predates routed media');
  }
  return { ok: true, sessionId, createdAt, mediaMode: mediaMode === 'routed' ? 'routed' : 'relayed' };
}

/**
 * The bare session ID (one line, for `SID=$(stagepass session create)`), or with `--json`
 * `{sessionId, createdAt, mediaMode}`.
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
    json: { sessionId: result.sessionId, createdAt: result.createdAt, mediaMode: result.mediaMode },
    text: `${result.sessionId}\n`,
    warnings: [],
  };
}
