import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, errorCodeForClose, isErrorCode } from './error-codes.js';
import { StagepassError, invalidOption, isStagepassError } from './stagepass-error.js';

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
    const ours = Object.values(ERROR_CODES)
      .map((info) => info.closeCode)
      .filter((close) => close >= 4000);
    assert.equal(new Set(ours).size, ours.length);
    for (const close of ours) assert.ok(close <= 4099, String(close));
    const standard = Object.values(ERROR_CODES)
      .map((info) => info.closeCode)
      .filter((close) => close < 4000);
    for (const close of standard) assert.ok([1008, 1009, 1011, 1012, 1013].includes(close), String(close));
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
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      option: 'ttl',
      code: 'ERR_INVALID_OPTION',
      message: 'ttl: must be positive',
    });
    assert.equal(isStagepassError(err), true);
    assert.equal(isStagepassError(new TypeError('x')), false);
  });
});

describe('StagepassError options and invalidOption', () => {
  it('keeps option, rule and cause apart from the message', () => {
    const cause = new RangeError('inner');
    const err = new StagepassError('ERR_INVALID_OPTION', 'x: must be y', {
      option: 'x',
      rule: 'must be y',
      cause,
      details: { limit: 3 },
    });
    assert.equal(err.option, 'x');
    assert.equal(err.rule, 'must be y');
    assert.equal(err.cause, cause);
    assert.deepEqual(err.details, { limit: 3, option: 'x' });
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      limit: 3,
      option: 'x',
      code: 'ERR_INVALID_OPTION',
      message: 'x: must be y',
    });
  });
  it('words a bad option with or without a scope', () => {
    const plain = invalidOption('ttl', 'must be at most 30 days');
    assert.equal(plain.message, 'ttl: must be at most 30 days');
    assert.equal(plain.option, 'ttl');
    assert.equal(plain.rule, 'must be at most 30 days');
    assert.equal(plain.details.option, 'ttl');
    const scoped = invalidOption('port', 'must be a whole number from 0 to 65535', 'createGateway');
    assert.equal(scoped.message, 'createGateway: port must be a whole number from 0 to 65535.');
    assert.equal(scoped.code, 'ERR_INVALID_OPTION');
  });
});

describe('errorCodeForClose', () => {
  it('maps every one of our close codes back to its code, and no standard one', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (info.closeCode >= 4000 && info.closeCode <= 4099) assert.equal(errorCodeForClose(info.closeCode), code);
    }
    for (const close of [1000, 1001, 1008, 1009, 1011, 1012, 1013, 4100, 4099, 3000]) {
      if (![...Object.values(ERROR_CODES)].some((info) => info.closeCode === close))
        assert.equal(errorCodeForClose(close), undefined, String(close));
    }
    assert.equal(errorCodeForClose(1008), undefined);
    assert.equal(errorCodeForClose(4007), 'ERR_TOKEN_EXPIRED');
  });
});
