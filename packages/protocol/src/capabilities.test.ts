import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES, CAPABILITY_NAMES, REQUEST_CAPABILITY, roleCan } from './capabilities.js';
import { isOpaqueId } from './opaque-id.js';
import { CLIENT_REQUEST_TYPES } from './parse-client-message.js';
import { ROLES, isRole } from './roles.js';

describe('roles', () => {
  it('are the four OpenTok roles, matched exactly', () => {
    assert.deepEqual([...ROLES], ['subscriber', 'publisher', 'publisheronly', 'moderator']);
    for (const bad of ['Publisher', 'publisherOnly', ' publisher', 'admin', '', 'constructor', 'toString', null]) {
      assert.equal(isRole(bad), false, String(bad));
    }
  });
});

describe('capability table', () => {
  it('is exactly the table of DEVELOPERS.md', () => {
    // role: subscribe, publish, signal, forceDisconnect, forceUnpublish, forceMute
    const expected = {
      subscriber: [true, false, true, false, false, false],
      publisher: [true, true, true, false, false, false],
      publisheronly: [false, true, false, false, false, false],
      moderator: [true, true, true, true, true, true],
    };
    assert.deepEqual(
      [...CAPABILITY_NAMES],
      ['subscribe', 'publish', 'signal', 'forceDisconnect', 'forceUnpublish', 'forceMute'],
    );
    for (const role of ROLES) {
      assert.deepEqual(
        CAPABILITY_NAMES.map((cap) => CAPABILITIES[role][cap]),
        expected[role],
        role,
      );
      assert.deepEqual(
        CAPABILITY_NAMES.map((cap) => roleCan(role, cap)),
        expected[role],
        role,
      );
    }
  });
  it('cannot be changed at run time', () => {
    assert.throws(() => {
      (CAPABILITIES.subscriber as { publish: boolean }).publish = true;
    }, TypeError);
    assert.throws(() => {
      (CAPABILITIES as Record<string, unknown>).guest = {};
    }, TypeError);
    assert.equal(CAPABILITIES.subscriber.publish, false);
  });
});

describe('REQUEST_CAPABILITY', () => {
  it('names the capability of every request type (webrtc: none, checked by subscription ends)', () => {
    assert.deepEqual(Object.keys(REQUEST_CAPABILITY).sort(), [...CLIENT_REQUEST_TYPES].sort());
    assert.equal(REQUEST_CAPABILITY.webrtc, null);
    assert.equal(REQUEST_CAPABILITY.publish, 'publish');
    assert.equal(REQUEST_CAPABILITY.forceMuteAll, 'forceMute');
    assert.ok(Object.isFrozen(REQUEST_CAPABILITY));
  });
});

describe('isOpaqueId', () => {
  it('takes 1–max printable ASCII characters without spaces', () => {
    assert.equal(isOpaqueId('a', 1), true);
    assert.equal(isOpaqueId('ab', 1), false);
    assert.equal(isOpaqueId('', 4), false);
    assert.equal(isOpaqueId('a b', 4), false);
    assert.equal(isOpaqueId('é', 4), false);
    assert.equal(isOpaqueId(12, 4), false);
    assert.equal(isOpaqueId('~!{}', 4), true);
  });
});
