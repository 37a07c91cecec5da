// opentok (OpenTok Node SDK): generateToken, legacy T1 (HMAC-SHA1) and JWT (HS256 via jsonwebtoken).
import OpenTok from 'opentok';
import { APP_ID, DATA, ROLE, SECRET, SESSION_ID, expect } from './fixtures.mjs';

// Both default to a 24 h expiry, like our minter with ttl 24 h.
const options = { role: ROLE, data: DATA };

export const cases = {
  'opentok-t1-mint': {
    setup() {
      const ot = new OpenTok(APP_ID, SECRET);
      return {
        op: () => ot.generateToken(SESSION_ID, options, true),
        check: (token) =>
          expect(typeof token === 'string' && token.startsWith('T1=='), 'generateToken(…, true) returns a T1 token'),
      };
    },
  },
  'opentok-jwt-mint': {
    setup() {
      const ot = new OpenTok(APP_ID, SECRET);
      return {
        op: () => ot.generateToken(SESSION_ID, options),
        check: (token) => expect(typeof token === 'string' && token.startsWith('eyJ'), 'generateToken returns a JWT'),
      };
    },
  },
};
