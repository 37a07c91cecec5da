export { createMinter, createToken } from './mint/create-minter.js';
export type { MinterOptions, MintOptions, TokenMinter } from './mint/create-minter.js';
export { createVerifier } from './verify/create-verifier.js';
export type { AppKeys, TokenVerifier, VerifierOptions, VerifyOptions } from './verify/create-verifier.js';
export { verifyToken } from './verify/verify-token.js';
export type { VerifyTokenOptions } from './verify/verify-token.js';
export { inspectToken } from './inspect/inspect-token.js';
export type { InspectedToken } from './inspect/inspect-token.js';
export { createSessionId, readOpenTokSessionId } from './session-id.js';
export type { OpenTokSessionIdInfo, SessionIdOptions, SessionMediaMode } from './session-id.js';
export { randomBase64url as randomId, randomSecretBytes } from './lib/random.js';
export { TOKEN_FORMATS } from './types.js';
export type { TokenAlgorithm, TokenFormat, VerifiedToken } from './types.js';
export { JWS_ALGORITHMS } from './keys/algorithms.js';
export { algorithmForKey } from './keys/import-key.js';
export type { AsymmetricAlgorithm, JwsAlgorithm } from './keys/algorithms.js';
export type {
  AsymmetricKeyMaterial,
  PrivateKeyInput,
  PublicKeyInput,
  SecretKeyInput,
  SigningKeyInput,
  VerificationKeyInput,
} from './keys/key-input.js';
export { parseTtl } from './lib/validate.js';
export * as limits from './lib/limits.js';
export {
  CAPABILITIES,
  CAPABILITY_NAMES,
  DEFAULT_ROLE,
  ROLES,
  StagepassError,
  isRole,
  isStagepassError,
  roleCan,
} from '@stagepass/protocol';
export type { Capabilities, Capability, ErrorCode, Role, Seconds, UnixSeconds } from '@stagepass/protocol';
export { createAppJwt } from './app-jwt/create-app-jwt.js';
export type { AppJwtOptions } from './app-jwt/create-app-jwt.js';
export { createAppJwtVerifier } from './app-jwt/create-app-jwt-verifier.js';
export type { AppJwtVerifier, AppJwtVerifierOptions, VerifiedAppJwt } from './app-jwt/create-app-jwt-verifier.js';
export { createOpenTokAppJwtVerifier } from './app-jwt/create-opentok-app-jwt-verifier.js';
export type { OpenTokAppJwtVerifier, VerifiedOpenTokAppJwt } from './app-jwt/create-opentok-app-jwt-verifier.js';
export { verifyAppJwt } from './app-jwt/verify-app-jwt.js';
export type { VerifyAppJwtOptions } from './app-jwt/verify-app-jwt.js';
export * as appJwtLimits from './app-jwt/app-jwt-limits.js';
export { createTokenHandler } from './endpoint/create-token-handler.js';
export type {
  TokenGrant,
  TokenHandler,
  TokenHandlerOptions,
  TokenHandlerResult,
  TokenRefusal,
} from './endpoint/create-token-handler.js';
