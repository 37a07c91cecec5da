import { StagepassError, type ErrorCode, type ErrorDetails } from '@stagepass/protocol';

/**
 * `ERR_NOT_CONNECTED`: the session is not connected — the socket could not be opened (unreachable
 * gateway, an upgrade refused with an HTTP status, which browsers cannot read), no answer came in
 * time, or the socket closed before the gateway answered a request. The only code the SDK raises
 * that no gateway sends.
 *
 * Pending the registry: `ERROR_CODES` in @stagepass/protocol does not have this code yet (its file
 * is being edited elsewhere); until it does, the cast below stands in for the registry entry.
 */
export const ERR_NOT_CONNECTED = 'ERR_NOT_CONNECTED' as ErrorCode;

/** A StagepassError `ERR_NOT_CONNECTED`. */
export function notConnected(message: string, details?: ErrorDetails, cause?: unknown): StagepassError {
  return new StagepassError(ERR_NOT_CONNECTED, message, { details, cause });
}
