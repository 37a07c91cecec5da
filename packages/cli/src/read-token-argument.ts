import type { CommandIo } from './cli-io.js';

/** The TOKEN argument that means "read the token from stdin". */
export const STDIN_ARGUMENT = '-';

/**
 * The token a TOKEN argument stands for: the argument itself, or for `-` all of stdin without its
 * trailing newline (and any other trailing whitespace; tokens never end in whitespace).
 *
 * @example
 * ```ts
 * const token = await readTokenArgument('-', io); // `echo "$TOKEN" | stagepass token verify - …`
 * ```
 */
export async function readTokenArgument(argument: string, io: CommandIo): Promise<string> {
  if (argument !== STDIN_ARGUMENT) return argument;
  return (await io.readStdin()).trimEnd();
}
