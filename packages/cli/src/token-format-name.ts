import type { TokenFormat } from '@stagepass/token';

/**
 * What each token format is, for people: `stagepass` is the JWT claim set of the OpenTok SDKs, so a token
 * minted by OpenTok's server SDKs (JWT) has this format too, and is named for both.
 */
const FORMAT_NAMES: Readonly<Record<TokenFormat, string>> = {
  stagepass: 'Stagepass/OpenTok JWT',
  'opentok-t1': 'OpenTok legacy T1 token',
  vonage: 'Vonage Video JWT',
};

/**
 * A token format's readable name with its identifier (as `--format` and `--json` write it).
 *
 * @example
 * ```ts
 * tokenFormatName('stagepass'); // 'Stagepass/OpenTok JWT (format stagepass)'
 * ```
 */
export function tokenFormatName(format: TokenFormat): string {
  return `${FORMAT_NAMES[format]} (format ${format})`;
}
