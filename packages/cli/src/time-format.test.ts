import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatRelative, formatUnixTime } from './time-format.js';

describe('time formatting', () => {
  it('formats UNIX seconds as ISO-8601 UTC without milliseconds', () => {
    assert.equal(formatUnixTime(0), '1970-01-01T00:00:00Z');
    assert.equal(formatUnixTime(1700000000), '2023-11-14T22:13:20Z');
  });

  it('refuses what is not UNIX seconds', () => {
    assert.equal(formatUnixTime(1700000000000), undefined);
    assert.equal(formatUnixTime(-1), undefined);
    assert.equal(formatUnixTime(1.5), undefined);
    assert.equal(formatUnixTime(Number.NaN), undefined);
  });

  it('formats durations with their two largest units', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59), '59s');
    assert.equal(formatDuration(330), '5m 30s');
    assert.equal(formatDuration(86340), '23h 59m');
    assert.equal(formatDuration(7 * 86400 + 3 * 3600 + 59), '7d 3h');
  });

  it('says whether a time is ahead or behind', () => {
    assert.equal(formatRelative(1000 + 86340, 1000), 'in 23h 59m');
    assert.equal(formatRelative(1000, 1300), '5m 0s ago');
    assert.equal(formatRelative(1000, 1000), 'now');
  });
});
