import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES, CAPABILITY_NAMES, roleCan } from './capabilities.js';
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
    assert.deepEqual([...CAPABILITY_NAMES], ['subscribe', 'publish', 'signal', 'forceDisconnect', 'forceUnpublish', 'forceMute']);
    for (const role of ROLES) {
      assert.deepEqual(CAPABILITY_NAMES.map((cap) => CAPABILITIES[role][cap]), expected[role], role);
      assert.deepEqual(CAPABILITY_NAMES.map((cap) => roleCan(role, cap)), expected[role], role);
    }
  });
  it('cannot be changed at run time', () => {
    assert.throws(() => { (CAPABILITIES.subscriber as { publish: boolean }).publish = true; }, TypeError);
    assert.throws(() => { (CAPABILITIES as Record<string, unknown>).guest = {}; }, TypeError);
    assert.equal(CAPABILITIES.subscriber.publish, false);
  });
});
