export { ROLES, DEFAULT_ROLE, isRole } from './roles.js';
export type { Role } from './roles.js';
export { CAPABILITY_NAMES, CAPABILITIES, roleCan } from './capabilities.js';
export type { Capability, Capabilities } from './capabilities.js';
export { ERROR_CODES, isErrorCode } from './error-codes.js';
export type { ErrorCode, ErrorCodeInfo } from './error-codes.js';
export { StagepassError, isStagepassError } from './stagepass-error.js';
export type { ErrorDetails } from './stagepass-error.js';
