import { StagepassError, type ErrorCode, type ErrorDetails } from '@stagepass/protocol';

/**
 * `ERR_NOT_CONNECTED`: the session is not connected — the socket could not be opened (unreachable
 * gateway, an upgrade refused with an HTTP status, which browsers cannot read), no answer came in
 * time, or the socket closed before the gateway answered a request. The only code the SDK raises
 * that no gateway sends.
 */
export const ERR_NOT_CONNECTED = 'ERR_NOT_CONNECTED' satisfies ErrorCode;

/** A StagepassError `ERR_NOT_CONNECTED`. */
export function notConnected(message: string, details?: ErrorDetails, cause?: unknown): StagepassError {
  return new StagepassError(ERR_NOT_CONNECTED, message, { details, cause });
}
