import { COMMAND_GROUPS, COMMANDS } from './cli.js';
import { APP_ID_ENV, SECRET_ENV } from './commands/common-flags.js';
import { DATABASE_URL_ENV, DB_ENV, MASTER_KEY_ENV } from './commands/app-database.js';
import { HOST_ENV, PORT_ENV } from './commands/serve.js';
import { URL_ENV } from './commands/session-commands.js';
import { envNames, type Command, type OptionSpec } from './command-spec.js';

function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

function commandRows(commands: readonly Command[]): [string, string][] {
  return commands.map((c) => [c.path.join(' '), c.summary]);
}

function optionLabel(name: string, spec: OptionSpec): string {
  const long = spec.value === undefined ? `--${name}` : `--${name} ${spec.value}`;
  return spec.short === undefined ? long : `-${spec.short}, ${long}`;
}

/**
 * What the CLI does, in one sentence: the first line of the top-level help, and (after "The stagepass command: ")
 * the description in packages/cli/package.json (a test keeps the two equal).
 */
export const CLI_SUMMARY =
  'run the Stagepass gateway (with --dev, its demo page); mint, verify and inspect access tokens (Stagepass, OpenTok and Vonage formats); register apps and manage their keys; manage live sessions (show, signal, mute, disconnect, revoke).';

function rootHelp(commands: readonly Command[]): string[] {
  return [
    `stagepass: ${CLI_SUMMARY}`,
    '',
    'Usage:',
    '  stagepass <command> [options]',
    '  stagepass help [<command>]',
    '',
    'Commands:',
    ...table(commandRows(commands)),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show help'],
      ['--version', 'Print the version'],
    ]),
    '',
    'Environment (only the CLI reads it; flags win):',
    ...table([
      [APP_ID_ENV, 'Default for --app-id'],
      [SECRET_ENV, 'Default for --secret (when no key file is given)'],
      [DATABASE_URL_ENV, 'Default for --db: a postgres:// URL (serve, app …; wins over STAGEPASS_DB)'],
      [DB_ENV, 'Default for --db (serve, app …)'],
      [MASTER_KEY_ENV, 'Encrypts app secrets at rest (serve, app …)'],
      [HOST_ENV, 'Default for serve --host'],
      [PORT_ENV, 'Default for serve --port'],
      ['STAGEPASS_<SETTING>', 'Every serve setting, e.g. STAGEPASS_MAX_PAYLOAD_BYTES (stagepass serve --help)'],
      ['STAGEPASS_CONFIG', 'Default for serve --config (a YAML or JSON file of settings)'],
      [URL_ENV, 'Default for --url (session …)'],
    ]),
    '',
    'stdout is data (--json for one JSON object), stderr is diagnostics.',
    'Exit codes: 0 ok, 1 refused or failed, 2 usage error.',
    'Run "stagepass <command> --help" for a command\'s options.',
  ];
}

function groupHelp(prefix: readonly string[], commands: readonly Command[]): string[] {
  const summary = prefix.length === 1 ? COMMAND_GROUPS[prefix[0]!] : undefined;
  const name = `stagepass ${prefix.join(' ')}`;
  return [
    summary === undefined ? `${name}:` : `${name}: ${summary}.`,
    '',
    'Commands:',
    ...table(commandRows(commands)),
    '',
    `Run "${name} <command> --help" for a command's options.`,
  ];
}

function commandHelp(command: Command): string[] {
  const [firstUsage, ...moreUsage] = command.usage;
  const lines = [`Usage: ${firstUsage ?? ''}`, ...moreUsage, '', `${command.summary}.`, ...(command.description ?? [])];
  if (command.positionals.length > 0) {
    lines.push('', 'Arguments:', ...table(command.positionals.map((p) => [p.name, p.description])));
  }
  const options = Object.entries(command.options).map(([name, spec]): [string, string] => {
    const notes = [
      ...(spec.required === true ? ['required'] : []),
      ...(spec.env === undefined
        ? []
        : [
            `default: ${envNames(spec)
              .map((name) => `$${name}`)
              .join(', then ')}`,
          ]),
    ];
    return [
      optionLabel(name, spec),
      notes.length === 0 ? spec.description : `${spec.description} (${notes.join('; ')})`,
    ];
  });
  lines.push('', 'Options:', ...table(options));
  return lines;
}

/**
 * The help for a command path: `[]` for the top level, a group (`['token']`) or a command
 * (`['token', 'create']`). Printed on stdout with exit 0.
 *
 * @example
 * ```ts
 * process.stdout.write(formatHelp(['token', 'verify']));
 * ```
 */
export function formatHelp(path: readonly string[], commands: readonly Command[] = COMMANDS): string {
  const exact = commands.find((c) => c.path.length === path.length && c.path.every((w, i) => w === path[i]));
  const under = commands.filter((c) => path.every((w, i) => c.path[i] === w));
  const lines =
    path.length === 0 ? rootHelp(commands) : exact !== undefined ? commandHelp(exact) : groupHelp(path, under);
  return `${lines.join('\n')}\n`;
}
