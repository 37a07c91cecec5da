import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagForOption, optionMessage } from './option-flags.js';

describe('flagForOption', () => {
  const none = new Set<string>();
  const rows: [string, ReadonlySet<string>, string | undefined][] = [
    ['ttl', none, '--ttl'],
    ['expireTime', none, '--expire-time'],
    ['sessionId', none, '--session'],
    ['initialLayoutClassList', none, '--layout'],
    ['privateKey', none, '--private-key'],
    ['clockTolerance', none, '--clock-tolerance'],
    ['apps[0].appId', none, '--app-id'],
    ['apps[0].keys[0].secret', none, '--secret'],
    ['apps[0].keys[0].publicKey', none, '--public-key'],
    ['apps[0].keys[0]', new Set(['--app-id', '--public-key']), '--public-key'],
    ['key', new Set(['--private-key']), '--private-key'],
    ['options', none, undefined],
  ];
  for (const [option, given, flag] of rows) {
    it(`${option} → ${String(flag)}`, () => assert.equal(flagForOption(option, given), flag));
  }
});

describe('optionMessage', () => {
  it('replaces the option prefix with the flag', () => {
    assert.equal(optionMessage('expireTime: must be in the future', 'expireTime', '--expire-time'), '--expire-time: must be in the future');
    assert.equal(optionMessage('apps[0].keys[0].secret: is 5 bytes', 'apps[0].keys[0].secret', '--secret'), '--secret: is 5 bytes');
  });

  it('renames camelCase options the message mentions', () => {
    assert.equal(
      optionMessage('format: opentok-t1 tokens are signed with the app secret (HMAC-SHA1); give secret, not privateKey', 'format', '--format'),
      '--format: opentok-t1 tokens are signed with the app secret (HMAC-SHA1); give secret, not --private-key',
    );
  });

  it('keeps the library option when there is no flag for it', () => {
    assert.equal(optionMessage('options: must be an object', 'options', undefined), 'options: must be an object');
  });
});
