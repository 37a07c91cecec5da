import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pathOf, readConnectTarget, readTargetParams } from './connect-target.js';

describe('readConnectTarget', () => {
  it('reads exactly one appId and one sessionId, percent-decoded', () => {
    assert.deepEqual(readConnectTarget('/v1/connect?appId=app-1&sessionId=1_MX4xMjM%7E'), {
      appId: 'app-1',
      sessionId: '1_MX4xMjM~',
    });
    assert.deepEqual(readConnectTarget('/v1/connect?sessionId=s&cacheBust=3&appId=a'), { appId: 'a', sessionId: 's' });
    // A + is a plus, raw or encoded (never a space: IDs hold none).
    assert.deepEqual(readConnectTarget('/v1/connect?appId=a+b&sessionId=s%2Bt'), { appId: 'a+b', sessionId: 's+t' });
  });

  it('is 404 for another path and 400 for a missing, repeated or malformed parameter', () => {
    const table: readonly [string | undefined, number, string][] = [
      [undefined, 404, 'ERR_NOT_FOUND'],
      ['/v1/connect/?appId=a&sessionId=s', 404, 'ERR_NOT_FOUND'],
      ['/V1/connect?appId=a&sessionId=s', 404, 'ERR_NOT_FOUND'],
      ['//v1/connect?appId=a&sessionId=s', 404, 'ERR_NOT_FOUND'],
      ['/v1/connect', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?appId=a', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?sessionId=s', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?appId=a&appId=a&sessionId=s', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?appId=a&sessionId=s%20t', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?appId=a&sessionId=%C3%A9', 400, 'ERR_INVALID_OPTION'],
      ['/v1/connect?appId=&sessionId=s', 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=${'a'.repeat(257)}&sessionId=s`, 400, 'ERR_INVALID_OPTION'],
      [`/v1/connect?appId=a&sessionId=${'s'.repeat(513)}`, 400, 'ERR_INVALID_OPTION'],
    ];
    for (const [url, status, code] of table) {
      const refusal = readConnectTarget(url);
      assert.ok('status' in refusal, `${url} was accepted`);
      assert.equal(refusal.status, status, String(url));
      assert.equal(refusal.code, code, String(url));
    }
    assert.deepEqual(readConnectTarget(`/v1/connect?appId=${'a'.repeat(256)}&sessionId=${'s'.repeat(512)}`), {
      appId: 'a'.repeat(256),
      sessionId: 's'.repeat(512),
    });
  });

  it('reads the query as URLSearchParams does, except that a + stays a plus (IDs hold no spaces)', () => {
    const expected = (query: string) => {
      const params = new URLSearchParams(query.replaceAll('+', '%2B'));
      return { appId: params.getAll('appId'), sessionId: params.getAll('sessionId') };
    };
    const table = [
      '',
      '&',
      '&&',
      '=',
      'appId',
      'appId=',
      'appId=a=b',
      '=appId',
      'appId&sessionId',
      'appId=a&&sessionId=s&',
      'appId=a&appId=b',
      'xappId=a&appIdx=b&sessionId=s',
      '?appId=a&sessionId=s',
      '??appId=a',
      'appId=%61&session%49d=s',
      'appId=a+b&sessionId=%2B',
      'APPID=a&sessionid=s',
      'a=1&b&c=&appId=x&sessionId=y&d=4',
    ];
    for (const query of table) assert.deepEqual(readTargetParams(query), expected(query), query);
    // Random queries over the characters that matter, with both names likely to appear.
    const piece = fc.constantFrom('appId', 'sessionId', '=', '&', '?', '%', '+', '%41', 'a', 'b', 'I', 'd', '~', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const query = pieces.join('');
        assert.deepEqual(readTargetParams(query), expected(query));
      }),
      { numRuns: 5000 },
    );
  });

  it('pathOf drops the query string (what logs may show)', () => {
    assert.equal(pathOf('/v1/connect?appId=a&token=secret'), '/v1/connect');
    assert.equal(pathOf('/healthz'), '/healthz');
    assert.equal(pathOf(undefined), '');
  });
});
