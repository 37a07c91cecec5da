// livekit-server-sdk: AccessToken#toJwt (HS256, via jose) and TokenVerifier#verify.
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { APP_ID, IDENTITY, SECRET, SESSION_ID, TTL_SECONDS, expect } from './fixtures.mjs';

/** One room-join token, built as LiveKit's docs show: a new AccessToken per participant. */
function mint() {
  const at = new AccessToken(APP_ID, SECRET, { identity: IDENTITY, ttl: TTL_SECONDS });
  at.addGrant({ roomJoin: true, room: SESSION_ID });
  return at.toJwt();
}

export const cases = {
  'livekit-mint': {
    async: true,
    setup: () => ({
      op: mint,
      check: (token) => expect(typeof token === 'string' && token.split('.').length === 3, 'toJwt returns a JWS'),
    }),
  },
  'livekit-verify': {
    async: true,
    async setup() {
      const token = await mint();
      const verifier = new TokenVerifier(APP_ID, SECRET); // reused, as our verifier is
      return {
        op: () => verifier.verify(token),
        check: (claims) =>
          expect(claims.sub === IDENTITY && claims.video?.room === SESSION_ID, 'verify returns the grants'),
      };
    },
  },
};
