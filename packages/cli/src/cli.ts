/**
 * The command table: every command the `stagepass` CLI has, in help order, and the one-line summary
 * of each group. Declarations only: each group's commands and flags are declared in
 * commands/token-commands.ts, app-commands.ts, session-commands.ts and serve-command.ts; parsing is
 * in parse-command-line.ts, exit codes in main.ts. To add a command, write it in commands/ and
 * declare it in its group's file (a new group: its file, then one entry here).
 */
import type { Command } from './command-spec.js';
import { APP_COMMANDS } from './commands/app-commands.js';
import { serveCommand } from './commands/serve-command.js';
import { SESSION_COMMANDS } from './commands/session-commands.js';
import { TOKEN_COMMANDS } from './commands/token-commands.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [serveCommand, ...TOKEN_COMMANDS, ...APP_COMMANDS, ...SESSION_COMMANDS];

/** One line for each command group, shown in help. */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  serve: 'Run the gateway (the main job: npm start)',
  token: 'Mint, verify and inspect access tokens',
  app: 'Register apps; manage their keys and settings',
  session: 'Manage live sessions through a running gateway',
};
