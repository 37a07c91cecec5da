import { basename, dirname } from 'node:path';

/** The name help and ready-to-run lines use when the CLI is on the PATH (installed globally). */
export const PROGRAM_NAME = 'stagepass';
/** The name from a project's own dependencies (the repository itself, or an app depending on @stagepass/cli). */
export const LOCAL_PROGRAM_NAME = 'npx stagepass';

/**
 * How the user runs this CLI, judged from the launcher's path (`process.argv[1]`, symlinks kept): the bin
 * link npm makes in `node_modules/.bin` is what `npx stagepass` and `npm start` run, and it is not on the
 * shell's PATH, so help and printed commands say `npx stagepass`; anything else (a global install,
 * `node bin/stagepass.js`) says `stagepass`.
 *
 * @example
 * ```ts
 * invokedName('/repo/node_modules/.bin/stagepass'); // 'npx stagepass'
 * invokedName('/usr/local/bin/stagepass');          // 'stagepass'
 * ```
 */
export function invokedName(launcher: string | undefined): string {
  if (launcher === undefined) return PROGRAM_NAME;
  const bin = dirname(launcher);
  return basename(bin) === '.bin' && basename(dirname(bin)) === 'node_modules' ? LOCAL_PROGRAM_NAME : PROGRAM_NAME;
}

/**
 * `text` with each command line that starts with the program name (`stagepass …`, as written in the
 * command table) starting with `name` instead. Only the word `stagepass` followed by a space and a lower-case
 * command word, and not already after `npx `, is renamed.
 *
 * @example
 * ```ts
 * withProgramName('Run "stagepass token --help".', 'npx stagepass'); // 'Run "npx stagepass token --help".'
 * ```
 */
export function withProgramName(text: string, name: string): string {
  if (name === PROGRAM_NAME) return text;
  return text.replace(/(?<![\w./-])(?<!npx )stagepass(?= (?:[a-z-]|<|\[))/g, name);
}
