import { inspectToken, type InspectedToken } from '@stagepass/token';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { readTokenArgument } from '../read-token-argument.js';
import { formatUnixTime } from '../time-format.js';
import { tokenFormatName } from '../token-format-name.js';

/** `stagepass token inspect` options, as parsed from the command line. */
export interface TokenInspectOptions {
  /** The token, or `-` for stdin. */
  readonly token: string;
}

/** The first line of human output: inspection proves nothing. */
export const NOT_VERIFIED_BANNER =
  '*** NOT VERIFIED: decoded only; the signature and claims were NOT checked. Never admit anyone on this. ***';

/** Claims holding UNIX times, shown also as ISO-8601 (T1 writes them as decimal strings). */
const TIME_CLAIMS: ReadonlySet<string> = new Set(['iat', 'exp', 'nbf', 'create_time', 'expire_time']);

/**
 * Decodes a token WITHOUT verifying it, for debugging. A token that cannot be decoded at all
 * throws `ERR_TOKEN_MALFORMED` (or `ERR_TOKEN_TOO_LARGE`).
 *
 * @example
 * ```ts
 * const { format, header, claims } = await tokenInspect({ token: '-' }, io);
 * ```
 */
export async function tokenInspect(options: TokenInspectOptions, io: CommandIo): Promise<InspectedToken> {
  return inspectToken(await readTokenArgument(options.token, io));
}

/** A name from an untrusted token, printable as is only when it is plain. */
function showName(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
}

function showTime(name: string, value: unknown): string {
  if (!TIME_CLAIMS.has(name)) return '';
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[0-9]{1,15}$/.test(value)
        ? Number(value)
        : undefined;
  if (seconds === undefined) return '';
  const iso = formatUnixTime(seconds);
  return iso === undefined ? '  (not a UNIX time in seconds)' : `  (${iso})`;
}

function showMembers(members: Readonly<Record<string, unknown>>): string[] {
  // Values are printed as JSON, so control characters in a hostile token cannot rewrite the terminal.
  return Object.entries(members).map(
    ([name, value]) => `  ${showName(name)}: ${JSON.stringify(value)}${showTime(name, value)}`,
  );
}

/**
 * How an inspected token is shown: the NOT VERIFIED banner, then header and claims with readable times.
 *
 * @example
 * ```ts
 * renderTokenInspect(inspectToken(token)).text.startsWith(NOT_VERIFIED_BANNER); // true
 * ```
 */
export function renderTokenInspect(result: InspectedToken): CommandOutput {
  const lines = [
    NOT_VERIFIED_BANNER,
    `format: ${tokenFormatName(result.format)}, by its look`,
    'header:',
    ...showMembers(result.header),
    'claims:',
    ...showMembers(result.claims),
  ];
  return { ok: true, json: { ...result }, text: `${lines.join('\n')}\n`, warnings: [] };
}
