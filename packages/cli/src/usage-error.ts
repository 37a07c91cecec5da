import type { ErrorCode } from '@stagepass/protocol';

/** One mistake among several of a {@link UsageError}. */
export interface UsageIssue {
  readonly option: string;
  readonly message: string;
}

/**
 * A mistake in how the CLI was called (exit 2). `option` is the flag or argument at fault as the
 * user typed it (`--ttl`, `TOKEN`), when there is one. Messages never quote a value the user
 * passed: it could be a secret or a token.
 *
 * @example
 * ```ts
 * throw new UsageError('missing required option --session', '--session');
 * ```
 */
export class UsageError extends Error {
  readonly code = 'ERR_INVALID_OPTION' satisfies ErrorCode;
  readonly option: string | undefined;
  /**
   * The command words to suggest `--help` for (`['token', 'create']`, `[]` for the top level);
   * undefined when thrown by a command, whose words `main.ts` knows.
   */
  readonly helpPath: readonly string[] | undefined;
  /**
   * When one error reports several mistakes (the bad settings of `serve`): each, with where it is
   * (`--port`, `STAGEPASS_PORT`, `stagepass.yaml:3: port`) and what is wrong. `--json` prints them as `issues`.
   */
  readonly issues: readonly UsageIssue[] | undefined;

  constructor(message: string, option?: string, helpPath?: readonly string[], issues?: readonly UsageIssue[]) {
    super(message);
    this.name = 'UsageError';
    this.option = option;
    this.helpPath = helpPath;
    this.issues = issues;
  }
}

/** True when `value` is a {@link UsageError}. */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof UsageError;
}
