/**
 * Whether pretty log lines may carry colour codes: never into a pipe or a file, never when `NO_COLOR` is set
 * (https://no-color.org) or `TERM=dumb`; `FORCE_COLOR` (other than `0`/`false`) turns them on even into a pipe.
 *
 * @example
 * ```ts
 * useLogColors(process.env, process.stdout.isTTY === true); // false under `NO_COLOR=1`
 * ```
 */
export function useLogColors(env: Readonly<Record<string, string | undefined>>, isTerminal: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return isTerminal;
}
