/** JWS algorithms Stagepass signs and verifies with. */
export const JWS_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];
/** The algorithms fixed by an asymmetric key's type. */
export type AsymmetricAlgorithm = Exclude<JwsAlgorithm, 'HS256'>;

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return value === 'HS256' || value === 'EdDSA' || value === 'ES256' || value === 'RS256';
}
