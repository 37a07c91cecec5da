import type { ConnectionInfo, EpochMilliseconds, ForceMuteState, StreamInfo } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import {
  callGateway,
  notAGateway,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session show` options, as parsed from the command line. */
export interface SessionShowOptions extends GatewayOptions {
  readonly sessionId: string;
}

/** A session as the gateway shows it to the app's backend. Times are milliseconds since the epoch. */
export interface SessionShown {
  readonly sessionId: string;
  readonly createdAt: EpochMilliseconds;
  readonly connections: readonly ConnectionInfo[];
  readonly streams: readonly StreamInfo[];
  readonly forceMute: ForceMuteState;
}

/**
 * Shows a session's connections, streams and force-mute state (`GET …/sessions/{sessionId}`).
 *
 * @example
 * ```ts
 * const shown = await sessionShow({ url, appId, secret, sessionId }, io);
 * if (shown.ok) shown.connections.length;
 * ```
 */
export async function sessionShow(options: SessionShowOptions, io: CommandIo): Promise<GatewayResult<SessionShown>> {
  const reply = await callGateway(options, io, { method: 'GET', path: ['sessions', options.sessionId] });
  if (!reply.ok) return reply;
  const body = reply.body ?? {};
  if (typeof body.sessionId !== 'string' || !Array.isArray(body.connections) || !Array.isArray(body.streams)) {
    return notAGateway(reply.status, "the gateway's answer is not a session; is --url a Stagepass gateway?");
  }
  return { ok: true, ...(body as unknown as SessionShown) };
}

function when(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms)
    ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : String(ms);
}

/**
 * A readable summary (connections with their data, streams, force mute), or with `--json` the
 * session exactly as the gateway answered.
 *
 * @example
 * ```ts
 * process.stdout.write(renderSessionShow(shown).text);
 * ```
 */
export function renderSessionShow(result: GatewayResult<SessionShown>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  const { ok: _ok, ...json } = result;
  const lines = [`session ${result.sessionId}, created ${when(result.createdAt)}`];
  lines.push(`connections: ${result.connections.length}`);
  for (const c of result.connections) {
    lines.push(`  ${c.id}  since ${when(c.creationTime)}${c.data === null ? '' : `  data: ${JSON.stringify(c.data)}`}`);
  }
  lines.push(`streams: ${result.streams.length}`);
  for (const s of result.streams) {
    const media = `audio ${s.hasAudio ? 'on' : 'off'}, video ${s.hasVideo ? 'on' : 'off'}, ${s.videoType}`;
    lines.push(`  ${s.id}  connection ${s.connectionId}  ${JSON.stringify(s.name)}  ${media}`);
  }
  const { active, excludedStreamIds } = result.forceMute;
  lines.push(
    `force mute: ${active ? `on${excludedStreamIds.length > 0 ? ` (except ${excludedStreamIds.join(', ')})` : ''}` : 'off'}`,
  );
  return { ok: true, json, text: `${lines.join('\n')}\n`, warnings: [] };
}
