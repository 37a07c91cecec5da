/** Hand-made tokens for refusal tests: real claims, altered, and signed again with the app secret. */
import { createHmac } from 'node:crypto';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a compact JWS (not verified). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Re-signs a token's claims, after `change` altered them, with HS256 and `secret` (or under another
 * header): the signature verifies, so the verifier reaches the altered claim.
 */
export function resign(
  token: string,
  secret: string,
  change: (claims: Record<string, unknown>) => void,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const claims = claimsOf(token);
  change(claims);
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
