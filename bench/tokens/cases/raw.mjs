// The floor: one HMAC-SHA256 over a fixed 300-byte string, base64url, with node:crypto.
import { createHmac } from 'node:crypto';
import { S300, SECRET, expect, measurePeakRss } from './fixtures.mjs';

// A token is ~560 characters: this makes 1,000,000 distinct flat strings of that size and nothing
// else, so its peak RSS is the floor any minting loop sits on (V8 grows its young generation to
// 2 × 16 MiB under that allocation rate with default flags, whatever the strings hold).
const TOKEN_SIZED = 'x'.repeat(552);

export const cases = {
  'floor-token-sized-strings-1m': {
    custom: true,
    run() {
      return measurePeakRss((i) => {
        const s = TOKEN_SIZED + i.toString(36).padStart(8, '0');
        return s.charCodeAt(100) === 120 ? s : '';
      });
    },
  },
  'raw-hmac-sha256': {
    setup: () => ({
      op: () => createHmac('sha256', SECRET).update(S300).digest('base64url'),
      check: (mac) => expect(typeof mac === 'string' && mac.length === 43, 'a 43-character base64url MAC'),
    }),
  },
};
