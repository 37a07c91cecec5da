import type { JsonObject } from '../lib/strict-json.js';
import {
  SCOPE,
  checkAppClaim,
  checkDataClaim,
  checkJtiClaim,
  checkLayoutClaim,
  checkRoleClaim,
  checkScopeClaim,
  checkSessionClaim,
  checkTime,
  claimInvalid,
  optionalTime,
  type NormalizedClaims,
} from './claims.js';
import type { MintClaims } from './mint-claims.js';

/** The Vonage Video client-token claim set, as `@vonage/video`'s generateClientToken writes it. */
export function vonageClaimsWriter(appId: string): (claims: MintClaims) => string {
  const suffix = `,"application_id":${JSON.stringify(appId)}}`;
  return (claims) =>
    `{"scope":"${SCOPE}","session_id":${JSON.stringify(claims.sessionId)},"role":"${claims.role}"` +
    `,"initial_layout_class_list":${JSON.stringify(claims.layout)},"exp":${claims.expireTime}` +
    (claims.notBefore === undefined ? '' : `,"nbf":${claims.notBefore}`) +
    `,"sub":"video","acl":{"paths":{"/session/**":{}}}` +
    (claims.data === undefined ? '' : `,"connection_data":${JSON.stringify(claims.data)}`) +
    `,"jti":"${claims.jti}","iat":${claims.now}${suffix}`;
}

/** Reads and type-checks a Vonage Video client-token claim set. */
export function readVonageClaims(raw: JsonObject): NormalizedClaims {
  const appId = checkAppClaim(raw.application_id, 'application_id');
  if (raw.sub !== 'video') claimInvalid('sub', 'must be "video"');
  checkScopeClaim(raw.scope);
  const issuedAt = checkTime(raw.iat, 'iat');
  return {
    appId,
    sessionId: checkSessionClaim(raw.session_id),
    role: checkRoleClaim(raw.role),
    expireTime: checkTime(raw.exp, 'exp'),
    issuedAt,
    createTime: issuedAt,
    notBefore: optionalTime(raw.nbf, 'nbf'),
    data: checkDataClaim(raw.connection_data),
    layout: checkLayoutClaim(raw.initial_layout_class_list),
    tokenId: checkJtiClaim(raw.jti),
  };
}
