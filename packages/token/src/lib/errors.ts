import { StagepassError, type ErrorCode } from '@stagepass/protocol';

/** A refused token. Messages never quote the token, a secret or connection data. */
export function refused(code: ErrorCode, message: string): StagepassError {
  return new StagepassError(code, message);
}
