export { createGateway, GATEWAY_DEFAULTS } from './gateway.js';
export { checkGatewaySetting, checkSettingPairs, GATEWAY_SETTINGS, settingRule } from './gateway-settings.js';
export {
  checkIcePair,
  checkIceServerUrls,
  checkTurnSecret,
  createIceServersFor,
  ICE_SERVERS_RULE,
  TURN_SECRET_RULE,
} from './ice/ice-servers.js';
export type { IceServersFor, IceServersOptions } from './ice/ice-servers.js';
export { turnCredential, turnExpiry } from './ice/turn-credential.js';
export type { TurnCredential } from './ice/turn-credential.js';
export type { GatewaySetting, SettingUnit } from './gateway-settings.js';
export type {
  Gateway,
  GatewayAddress,
  GatewayCloseOptions,
  GatewayOptions,
  RestHandlerDeps,
  RestHandlerFactory,
} from './gateway.js';
export type { DevRoutes, RequestHandler } from './transport/http-handler.js';
export type { RateLimit } from './connection/rate-limit.js';
export { createMemorySessionService, MemorySessionService } from './session/memory-session-service.js';
export type { MemorySessionServiceOptions, NodeMediaOptions } from './session/memory-session-service.js';
export { ANNOUNCED_IP_RULE, checkAnnouncedIp } from './media/announced-ip.js';
export type {
  AdmittedClient,
  BackendSignal,
  Peer,
  ResumeRequest,
  SessionEvents,
  SessionService,
  SessionSnapshot,
} from './session/session-service.js';
export { Outbound } from './session/outbound.js';
export { authorize } from './session/authorize.js';
export { revocationReaches } from './registry/revocation-reaches.js';
export { createRelayMediaRouter } from './session/media-router.js';
export type { MediaRouter } from './session/media-router.js';
export { createRedisSessionService, RedisSessionService } from './cluster/redis-session-service.js';
export type { RedisSessionServiceOptions } from './cluster/redis-session-service.js';
export { createLocalBus } from './session/local-bus.js';
export type { SessionBus } from './session/local-bus.js';
export type {
  ConnectionRecord,
  MediaGate,
  Negotiation,
  SessionEvent,
  SessionRecord,
  StreamRecord,
  SubscriptionRecord,
} from './session/session-events.js';
export { createRestHandler } from './rest/create-rest-handler.js';
export type { RestHandler, RestHandlerOptions } from './rest/create-rest-handler.js';
export { createOpenTokRestHandler } from './rest/opentok/create-opentok-rest-handler.js';
export type { OpenTokRestHandler, OpenTokRestHandlerOptions } from './rest/opentok/create-opentok-rest-handler.js';
export { OPENTOK_ROUTES, UNSUPPORTED_FEATURES, isOpenTokPath } from './rest/opentok/opentok-routes.js';
// The registry: apps, keys, settings, revocations (createSqliteAppRegistry, parseMasterKey, toAppKeys, …).
export * from './registry/index.js';
