import { createHmac } from 'node:crypto';

/** Test helper: signs arbitrary header/claims JSON text with HS256, bypassing every minting check. */
export function forgeHs256(headerJson: string, claimsJson: string, secret: string): string {
  const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(claimsJson).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Test helper: signs an arbitrary claims object (HS256, typ JWT). */
export function forgeClaims(
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  return forgeHs256(JSON.stringify(header), JSON.stringify(claims), secret);
}

/** Test helper: a T1 token from a raw signed query string, signed (or not) with `secret`. */
export function forgeT1(signed: string, secret: string, partnerId: string, sig?: string): string {
  const signature = sig ?? createHmac('sha1', secret).update(signed).digest('hex');
  return `T1==${Buffer.from(`partner_id=${partnerId}&sig=${signature}:${signed}`, 'latin1').toString('base64')}`;
}

/** A valid OpenTok-style claim set at `now`, to be altered one field at a time. */
export function baseClaims(appId: string, now: number): Record<string, unknown> {
  return {
    iss: appId,
    ist: 'project',
    iat: now,
    exp: now + 3600,
    session_id: 'session-1',
    create_time: now,
    nonce: 12345,
    role: 'publisher',
    expire_time: now + 3600,
    initial_layout_class_list: '',
    scope: 'session.connect',
    jti: 'AAAAAAAAAAAAAAAAAAAAAA',
  };
}
