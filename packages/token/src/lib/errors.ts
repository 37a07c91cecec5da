import { StagepassError, type ErrorCode } from '@stagepass/protocol';

/** A caller mistake: names the option so the CLI can map it to its flag. */
export function invalidOption(option: string, message: string): StagepassError {
  return new StagepassError('ERR_INVALID_OPTION', `${option}: ${message}`, { option });
}

/** A refused token. Messages never quote the token, a secret or connection data. */
export function refused(code: ErrorCode, message: string): StagepassError {
  return new StagepassError(code, message);
}
