import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidOption, StagepassError } from '@stagepass/protocol';
import { flagForOption, optionMessage, optionUsage } from './option-flags.js';

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
    assert.equal(
      optionMessage('expireTime: must be in the future', 'expireTime', '--expire-time'),
      '--expire-time: must be in the future',
    );
    assert.equal(
      optionMessage('apps[0].keys[0].secret: is 5 bytes', 'apps[0].keys[0].secret', '--secret'),
      '--secret: is 5 bytes',
    );
  });

  it('renames camelCase options the message mentions', () => {
    assert.equal(
      optionMessage(
        'format: opentok-t1 tokens are signed with the app secret (HMAC-SHA1); give secret, not privateKey',
        'format',
        '--format',
      ),
      '--format: opentok-t1 tokens are signed with the app secret (HMAC-SHA1); give secret, not --private-key',
    );
  });

  it('keeps the library option when there is no flag for it', () => {
    assert.equal(optionMessage('options: must be an object', 'options', undefined), 'options: must be an object');
  });
});

describe('optionUsage', () => {
  const none = new Set<string>();

  it('with a rule: the flag and the rule, mentioned names left as the library wrote them', () => {
    assert.deepEqual(optionUsage(invalidOption('expireTime', 'must be in the future'), none), {
      message: '--expire-time: must be in the future',
      flag: '--expire-time',
    });
    assert.deepEqual(
      optionUsage(
        invalidOption('apps[0].keys[0]', 'is not a supported key', 'createVerifier'),
        new Set(['--public-key']),
      ),
      {
        message: '--public-key: is not a supported key',
        flag: '--public-key',
      },
    );
    assert.deepEqual(optionUsage(invalidOption('sessionId', 'is bad', 'createGateway'), none), {
      message: '--session: is bad',
      flag: '--session',
    });
    assert.deepEqual(optionUsage(invalidOption('format', 'give secret, not privateKey'), none), {
      message: '--format: give secret, not privateKey',
      flag: '--format',
    });
  });

  it('with a rule but no flag: the library message unchanged', () => {
    assert.deepEqual(optionUsage(invalidOption('options', 'must be an object with appId', 'createVerifier'), none), {
      message: 'createVerifier: options must be an object with appId.',
      flag: undefined,
    });
  });

  it("without a rule: today's rewriting of the message (libraries that do not set rule yet)", () => {
    const legacy = new StagepassError('ERR_INVALID_OPTION', 'ttl: give expireTime or ttl, not both', { option: 'ttl' });
    assert.deepEqual(optionUsage(legacy, none), {
      message: '--ttl: give --expire-time or ttl, not both',
      flag: '--ttl',
    });
    // From a copy of the library that names the option in details only.
    const detailsOnly = new StagepassError('ERR_INVALID_OPTION', 'apps[0].keys[0].secret: is 5 bytes', {
      details: { option: 'apps[0].keys[0].secret' },
    });
    assert.deepEqual(optionUsage(detailsOnly, none), { message: '--secret: is 5 bytes', flag: '--secret' });
  });

  it('without an option: the message as it is', () => {
    assert.deepEqual(optionUsage(new StagepassError('ERR_INVALID_OPTION', 'expireTime: bad'), none), {
      message: 'expireTime: bad',
      flag: undefined,
    });
  });
});
