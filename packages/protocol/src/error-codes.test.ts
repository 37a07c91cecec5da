import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, isErrorCode } from './error-codes.js';
import { StagepassError, isStagepassError } from './stagepass-error.js';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the docs table: | `CODE` | http | close | meaning | */
function documentedRows(): Map<string, { http: number; close: number }> {
  const rows = new Map<string, { http: number; close: number }>();
  for (const match of docs.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (\d+) \| (\d+) \| .+ \|$/gm)) {
    assert.equal(rows.has(match[1]!), false, `${match[1]} is listed twice in docs/errors.md`);
    rows.set(match[1]!, { http: Number(match[2]), close: Number(match[3]) });
  }
  return rows;
}

describe('error registry', () => {
  it('docs/errors.md lists exactly the registry codes, with the same HTTP status and close code', () => {
    const rows = documentedRows();
    assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort());
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      assert.deepEqual(rows.get(code), { http: info.httpStatus, close: info.closeCode }, code);
    }
  });
  it('gives every code its own close code in 4000–4099, or a fitting standard one', () => {
    const ours = Object.values(ERROR_CODES).map((info) => info.closeCode).filter((close) => close >= 4000);
    assert.equal(new Set(ours).size, ours.length);
    for (const close of ours) assert.ok(close <= 4099, String(close));
    const standard = Object.values(ERROR_CODES).map((info) => info.closeCode).filter((close) => close < 4000);
    for (const close of standard) assert.ok([1001, 1008, 1009, 1011, 1013].includes(close), String(close));
  });
  it('recognises codes exactly', () => {
    assert.equal(isErrorCode('ERR_TOKEN_EXPIRED'), true);
    assert.equal(isErrorCode('err_token_expired'), false);
    assert.equal(isErrorCode('toString'), false);
  });
});

describe('StagepassError', () => {
  it('carries a code, a message and details, and serialises to JSON', () => {
    const err = new StagepassError('ERR_INVALID_OPTION', 'ttl: must be positive', { option: 'ttl' });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'StagepassError');
    assert.equal(err.code, 'ERR_INVALID_OPTION');
    assert.deepEqual(JSON.parse(JSON.stringify(err)), { option: 'ttl', code: 'ERR_INVALID_OPTION', message: 'ttl: must be positive' });
    assert.equal(isStagepassError(err), true);
    assert.equal(isStagepassError(new TypeError('x')), false);
  });
});
