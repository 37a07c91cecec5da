// The case list and the targets. Kept free of imports so the orchestrator loads nothing it measures;
// each case process imports only its own family's module.

/** name → module (in this folder) that defines it. The order is the table's order. */
export const CASES = [
  ['stagepass-hs256-mint', 'stagepass.mjs'],
  ['stagepass-hs256-verify', 'stagepass.mjs'],
  ['stagepass-t1-mint', 'stagepass.mjs'],
  ['stagepass-t1-verify', 'stagepass.mjs'],
  ['stagepass-rs256-mint', 'stagepass.mjs'],
  ['stagepass-rs256-verify', 'stagepass.mjs'],
  ['stagepass-eddsa-mint', 'stagepass.mjs'],
  ['stagepass-eddsa-verify', 'stagepass.mjs'],
  ['stagepass-es256-verify', 'stagepass.mjs'],
  ['livekit-mint', 'livekit.mjs'],
  ['livekit-verify', 'livekit.mjs'],
  ['opentok-t1-mint', 'opentok.mjs'],
  ['opentok-jwt-mint', 'opentok.mjs'],
  ['vonage-mint', 'vonage.mjs'],
  ['vonage-rs256-verify', 'vonage.mjs'],
  ['jsonwebtoken-hs256-sign', 'jwt-libs.mjs'],
  ['jsonwebtoken-hs256-verify', 'jwt-libs.mjs'],
  ['jose-hs256-sign', 'jwt-libs.mjs'],
  ['jose-hs256-verify', 'jwt-libs.mjs'],
  ['raw-hmac-sha256', 'raw.mjs'],
  ['stagepass-hs256-mint-1m', 'stagepass.mjs'],
  ['floor-token-sized-strings-1m', 'raw.mjs'],
].map(([name, module]) => ({ name, module }));

/**
 * The targets from the issue. `ratio` targets compare median ops/s of two cases from the same run;
 * the `max` target bounds a reported metric (peak RSS: the largest over all rounds).
 */
export const TARGETS = [
  {
    name: 'HS256 mint vs livekit-server-sdk toJwt',
    kind: 'ratio',
    numerator: 'stagepass-hs256-mint',
    denominator: 'livekit-mint',
    target: 3,
  },
  {
    name: 'HS256 mint vs raw HMAC-SHA256 (300 B)',
    kind: 'ratio',
    numerator: 'stagepass-hs256-mint',
    denominator: 'raw-hmac-sha256',
    target: 0.5,
  },
  {
    name: 'HS256 verify vs LiveKit TokenVerifier',
    kind: 'ratio',
    numerator: 'stagepass-hs256-verify',
    denominator: 'livekit-verify',
    target: 3,
  },
  {
    name: 'T1 mint vs opentok generateToken(T1)',
    kind: 'ratio',
    numerator: 'stagepass-t1-mint',
    denominator: 'opentok-t1-mint',
    target: 1.5,
  },
  {
    name: 'RS256 verify (cached key) vs @vonage/jwt verifySignature',
    kind: 'ratio',
    numerator: 'stagepass-rs256-verify',
    denominator: 'vonage-rs256-verify',
    target: 5,
  },
  {
    name: 'peak RSS minting 1,000,000 HS256 tokens (MB)',
    kind: 'max',
    case: 'stagepass-hs256-mint-1m',
    metric: 'peakRssMB',
    target: 70,
  },
];
