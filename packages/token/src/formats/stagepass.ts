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

/**
 * The `stagepass` claim set: OpenTok's client-token JWT claims (so tokens minted by the `opentok`
 * SDK are this format too) plus `jti`, and `nbf` when a not-before is set.
 */
export function stagepassClaimsWriter(appId: string): (claims: MintClaims) => string {
  // Built as text in a fixed member order, the app's part once per minter: minting is a hot path.
  const prefix = `{"iss":${JSON.stringify(appId)},"ist":"project","iat":`;
  // Times change once a second: their text is kept, not rewritten for every token.
  let lastNow = -1;
  let lastExpire = -1;
  let nowText = '';
  let expireText = '';
  return (claims) => {
    if (claims.now !== lastNow) {
      lastNow = claims.now;
      nowText = String(claims.now);
    }
    if (claims.expireTime !== lastExpire) {
      lastExpire = claims.expireTime;
      expireText = String(claims.expireTime);
    }
    return (
      `${prefix}${nowText},"exp":${expireText}` +
      (claims.notBefore === undefined ? '' : `,"nbf":${claims.notBefore}`) +
      `,"session_id":${JSON.stringify(claims.sessionId)},"create_time":${nowText},"nonce":${claims.nonce}` +
      `,"role":"${claims.role}","expire_time":${expireText}` +
      (claims.data === undefined ? '' : `,"connection_data":${JSON.stringify(claims.data)}`) +
      `,"initial_layout_class_list":${claims.layout === '' ? '""' : JSON.stringify(claims.layout)},"scope":"${SCOPE}","jti":"${claims.jti}"}`
    );
  };
}

/** Reads and type-checks a `stagepass` (or OpenTok JWT) claim set. */
export function readStagepassClaims(raw: JsonObject): NormalizedClaims {
  const appId = checkAppClaim(raw.iss, 'iss');
  if (raw.ist !== 'project') claimInvalid('ist', 'must be "project"');
  checkScopeClaim(raw.scope);
  const expireTime = checkTime(raw.exp, 'exp');
  if (raw.expire_time !== undefined && checkTime(raw.expire_time, 'expire_time') !== expireTime) {
    claimInvalid('expire_time', 'must equal exp');
  }
  const issuedAt = checkTime(raw.iat, 'iat');
  const createTime = optionalTime(raw.create_time, 'create_time') ?? issuedAt;
  return {
    appId,
    sessionId: checkSessionClaim(raw.session_id),
    role: checkRoleClaim(raw.role),
    expireTime,
    issuedAt,
    createTime,
    notBefore: optionalTime(raw.nbf, 'nbf'),
    data: checkDataClaim(raw.connection_data),
    layout: checkLayoutClaim(raw.initial_layout_class_list),
    tokenId: checkJtiClaim(raw.jti),
  };
}
