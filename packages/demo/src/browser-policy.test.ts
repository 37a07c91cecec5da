import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkipReason, launchChromium } from './test-support/browser.js';
import { turnSkipReason } from './test-support/turn-server.js';

describe('browser tests: skip locally, fail in CI', () => {
  it('run when Chromium is there, skip (with a reason) only outside CI', () => {
    assert.equal(browserSkipReason(true, {}), undefined);
    assert.equal(browserSkipReason(true, { CI: 'true' }), undefined);
    assert.equal(browserSkipReason(false, { CI: 'true' }), undefined, 'under CI=true they run, and fail');
    assert.match(browserSkipReason(false, {}) ?? '', /\/usr\/bin\/chromium is missing/);
  });

  it('a missing Chromium fails the launch with what to install', async () => {
    await assert.rejects(launchChromium('/nonexistent/chromium'), /missing: .ci\/run must apt-get install -y chromium/);
  });
});

describe('the TURN test: skip locally, fail in CI', () => {
  it('runs when turnserver is there, skips (with a reason) only outside CI', () => {
    assert.equal(turnSkipReason(false, { CI: 'true' }), undefined, 'under CI=true it runs, and fails');
    assert.match(turnSkipReason(false, {}) ?? '', /\/usr\/bin\/turnserver is missing \(apt-get install -y coturn\)/);
  });
});
