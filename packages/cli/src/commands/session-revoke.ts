import type { UnixSeconds } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { formatUnixTime } from '../time-format.js';
import { UsageError } from '../usage-error.js';
import {
  callGateway,
  renderDone,
  renderGatewayFailure,
  type GatewayOptions,
  type GatewayResult,
} from './session-request.js';

/** `stagepass session revoke` options: one token by ID, or every token issued before a time. */
export interface SessionRevokeOptions extends GatewayOptions {
  /** The token's ID (`tokenId` of `stagepass token verify --json`). Needs `expireTime`. */
  readonly tokenId?: string;
  /** The token's expiry, integer UNIX seconds: the gateway remembers the revocation until then. */
  readonly expireTime?: UnixSeconds;
  /** Revoke every token issued before this time, integer UNIX seconds. */
  readonly issuedBefore?: UnixSeconds;
  /** With `issuedBefore`: only this session's tokens. */
  readonly sessionId?: string;
}

/** The revocation the gateway recorded, as sent. */
export type SessionRevoked =
  | { readonly tokenId: string; readonly expireTime: UnixSeconds }
  | { readonly issuedBefore: UnixSeconds; readonly sessionId: string | null };

/**
 * Revokes tokens (`POST /v1/apps/{appId}/revocations`): later admissions are refused
 * `ERR_TOKEN_REVOKED`, and matching live connections are closed (4014).
 *
 * @example
 * ```ts
 * await sessionRevoke({ url, appId, secret, tokenId, expireTime }, io);
 * await sessionRevoke({ url, appId, secret, issuedBefore: Math.floor(Date.now() / 1000), sessionId }, io);
 * ```
 */
export async function sessionRevoke(
  options: SessionRevokeOptions,
  io: CommandIo,
): Promise<GatewayResult<SessionRevoked>> {
  let revocation: SessionRevoked;
  if (options.tokenId !== undefined) {
    if (options.expireTime === undefined) {
      throw new UsageError(
        '--token-id needs --expire-time (the token\'s expiry, UNIX seconds: expireTime of "stagepass token verify --json")',
        '--expire-time',
      );
    }
    revocation = { tokenId: options.tokenId, expireTime: options.expireTime };
  } else {
    if (options.issuedBefore === undefined) throw new UsageError('missing --token-id or --issued-before', '--token-id');
    if (options.expireTime !== undefined) throw new UsageError('--expire-time goes with --token-id', '--expire-time');
    revocation = { issuedBefore: options.issuedBefore, sessionId: options.sessionId ?? null };
  }
  const body =
    'tokenId' in revocation || revocation.sessionId !== null ? revocation : { issuedBefore: revocation.issuedBefore };
  const reply = await callGateway(options, io, { method: 'POST', path: ['revocations'], body });
  return reply.ok ? { ok: true, ...revocation } : reply;
}

/** One line, or the revocation with `--json`. */
export function renderSessionRevoke(result: GatewayResult<SessionRevoked>): CommandOutput {
  if (!result.ok) return renderGatewayFailure(result);
  const { ok: _ok, ...json } = result;
  const time = (seconds: UnixSeconds) => formatUnixTime(seconds) ?? String(seconds);
  const line =
    'tokenId' in result
      ? `revoked token ${result.tokenId} (remembered until ${time(result.expireTime)})`
      : `revoked every token issued before ${time(result.issuedBefore)}${result.sessionId === null ? ' in the app' : ` in session ${result.sessionId}`}`;
  return renderDone(json, line);
}
