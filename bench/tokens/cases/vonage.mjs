// Vonage: @vonage/video generateClientToken (RS256 via jsonwebtoken) and @vonage/jwt verifySignature,
// which takes the public key as PEM text on every call (it has no key cache).
import { Video } from '@vonage/video';
import { verifySignature } from '@vonage/jwt';
import { APP_ID, DATA, ROLE, SESSION_ID, expect, keys } from './fixtures.mjs';

const options = { role: ROLE, data: DATA }; // default expiry: 24 h

function video() {
  return new Video({ applicationId: APP_ID, privateKey: keys().rsa.privateKey });
}

export const cases = {
  'vonage-mint': {
    setup() {
      const client = video();
      return {
        op: () => client.generateClientToken(SESSION_ID, options),
        check: (token) =>
          expect(typeof token === 'string' && token.split('.').length === 3, 'generateClientToken returns a JWT'),
      };
    },
  },
  'vonage-rs256-verify': {
    setup() {
      const token = video().generateClientToken(SESSION_ID, options);
      const publicKeyPem = keys().rsa.publicKey;
      return {
        op: () => verifySignature(token, publicKeyPem),
        check: (ok) => expect(ok === true, 'verifySignature returns true for a good token'),
      };
    },
  },
};
