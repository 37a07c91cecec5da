export { ROLES, DEFAULT_ROLE, isRole } from './roles.js';
export type { Role } from './roles.js';
export { CAPABILITY_NAMES, CAPABILITIES, REQUEST_CAPABILITY, roleCan } from './capabilities.js';
export type { Capability, Capabilities } from './capabilities.js';
export { ERROR_CODES, errorCodeForClose, isErrorCode } from './error-codes.js';
export type { ErrorCode, ErrorCodeInfo } from './error-codes.js';
export { StagepassError, invalidOption, isStagepassError } from './stagepass-error.js';
export type { ErrorDetails, StagepassErrorOptions } from './stagepass-error.js';
export { OPAQUE_ID_PATTERN, isOpaqueId } from './opaque-id.js';
export { CLOSE_CODES } from './error-codes.js';
export { PROTOCOL_VERSION, CONNECT_PATH, ACK_RESULT_MEMBERS, SERVER_MESSAGE_TYPES } from './wire-types.js';
export type * from './wire-types.js';
export * as wireLimits from './wire-limits.js';
export {
  parseClientMessage,
  MessageError,
  CLIENT_MESSAGE_MEMBERS,
  CLIENT_REQUEST_TYPES,
  utf8Length,
} from './parse-client-message.js';
export { toUnixSeconds } from './time-units.js';
export type { UnixSeconds, EpochMilliseconds, Milliseconds, Seconds, Clock } from './time-units.js';
export { checkOptionNames, wholeNumberOption, functionOption, booleanOption } from './option-checks.js';
export type { OptionScope } from './option-checks.js';
