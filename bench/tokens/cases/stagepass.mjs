// @stagepass/token: HS256, T1, RS256, EdDSA and ES256, minted with one reusable minter and
// verified with one reusable verifier (keys imported once: the "cached key" case).
import { createMinter, createVerifier } from '@stagepass/token';
import { APP_ID, DATA, ROLE, SECRET, SESSION_ID, TTL_SECONDS, expect, keys, measurePeakRss } from './fixtures.mjs';

const mintOptions = { sessionId: SESSION_ID, role: ROLE, data: DATA, ttl: TTL_SECONDS };
const verifyOptions = { appId: APP_ID, sessionId: SESSION_ID };

function mintCase(minterOptions, tokenPattern) {
  return {
    setup() {
      const minter = createMinter({ appId: APP_ID, ...minterOptions() });
      return {
        op: () => minter.mint(mintOptions),
        check: (token) =>
          expect(
            typeof token === 'string' && tokenPattern.test(token),
            `unexpected token ${String(token).slice(0, 40)}`,
          ),
      };
    },
  };
}

function verifyCase(minterOptions, verifierKey, expected, legacyT1 = false) {
  return {
    setup() {
      const token = createMinter({ appId: APP_ID, ...minterOptions() }).mint(mintOptions);
      const verifier = createVerifier({ apps: [{ appId: APP_ID, keys: [verifierKey()], legacyT1 }] });
      return {
        op: () => verifier.verify(token, verifyOptions),
        check: (result) =>
          expect(
            result.algorithm === expected && result.role === ROLE && result.data === DATA,
            `verify returned ${JSON.stringify(result)}`,
          ),
      };
    },
  };
}

const JWS = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;
const hs256 = () => ({ secret: SECRET });
const t1 = () => ({ secret: SECRET, format: 'opentok-t1' });
const rsa = () => ({ privateKey: keys().rsa.privateKey });
const ed25519 = () => ({ privateKey: keys().ed25519.privateKey });
const p256 = () => ({ privateKey: keys().p256.privateKey });

export const cases = {
  'stagepass-hs256-mint': mintCase(hs256, JWS),
  'stagepass-hs256-verify': verifyCase(hs256, () => ({ secret: SECRET }), 'HS256'),
  'stagepass-t1-mint': mintCase(t1, /^T1==[A-Za-z0-9+/]+=*$/),
  'stagepass-t1-verify': verifyCase(t1, () => ({ secret: SECRET }), 'HMAC-SHA1', true),
  'stagepass-rs256-mint': mintCase(rsa, JWS),
  'stagepass-rs256-verify': verifyCase(rsa, () => ({ publicKey: keys().rsa.publicKey }), 'RS256'),
  'stagepass-eddsa-mint': mintCase(ed25519, JWS),
  'stagepass-eddsa-verify': verifyCase(ed25519, () => ({ publicKey: keys().ed25519.publicKey }), 'EdDSA'),
  'stagepass-es256-verify': verifyCase(p256, () => ({ publicKey: keys().p256.publicKey }), 'ES256'),

  // Not a timed loop: mints 1,000,000 tokens with one minter and reports the peak RSS.
  'stagepass-hs256-mint-1m': {
    custom: true,
    run() {
      const minter = createMinter({ appId: APP_ID, secret: SECRET });
      // Vary the session and the data a little, as a real server would.
      const sessions = Array.from({ length: 16 }, (_, i) => `${SESSION_ID}${i.toString(16)}`);
      const datas = Array.from({ length: 16 }, (_, i) => `${DATA.slice(0, -1)}${i.toString(16)}`);
      return measurePeakRss((i) =>
        minter.mint({ sessionId: sessions[i & 15], role: ROLE, data: datas[(i >> 4) & 15], ttl: TTL_SECONDS }),
      );
    },
  },
};
