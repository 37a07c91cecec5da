import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExpirySchedule, type Expiring } from './expiry-schedule.js';

function item(name: string, log: string[]): Expiring & { name: string } {
  return { name, expiresAtMs: 0, expiryIndex: -1, expire: () => log.push(name) };
}

describe('expiry schedule', () => {
  it('expires each item at its time, in time order, on one timer', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let now = 1_000_000;
    const log: string[] = [];
    const schedule = createExpirySchedule(() => now);
    const times = [500, 100, 900, 300, 700, 200, 800, 400, 600];
    for (const at of times) schedule.schedule(item(`at${at}`, log), now + at);
    assert.equal(schedule.size, 9);
    now += 250;
    t.mock.timers.tick(250);
    assert.deepEqual(log, ['at100', 'at200'], 'not one before its time');
    now += 750;
    t.mock.timers.tick(750);
    assert.deepEqual(log, ['at100', 'at200', 'at300', 'at400', 'at500', 'at600', 'at700', 'at800', 'at900']);
    assert.equal(schedule.size, 0);
  });

  it('cancel takes an item out (and its place in the heap), schedule again moves it', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let now = 0;
    const log: string[] = [];
    const schedule = createExpirySchedule(() => now);
    const a = item('a', log);
    const b = item('b', log);
    const c = item('c', log);
    schedule.schedule(a, 100);
    schedule.schedule(b, 200);
    schedule.schedule(c, 300);
    schedule.cancel(a);
    assert.equal(a.expiryIndex, -1);
    schedule.cancel(a); // twice: nothing
    schedule.schedule(c, 50);
    assert.equal(schedule.size, 2);
    now = 60;
    t.mock.timers.tick(60);
    assert.deepEqual(log, ['c']);
    now = 1000;
    t.mock.timers.tick(940);
    assert.deepEqual(log, ['c', 'b']);
    schedule.schedule(a, 2000);
    schedule.stop();
    now = 3000;
    t.mock.timers.tick(2000);
    assert.deepEqual(log, ['c', 'b'], 'stopped: nothing more');
    assert.equal(a.expiryIndex, -1);
  });

  it('an item already due expires on the next timer turn', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const log: string[] = [];
    const schedule = createExpirySchedule(() => 5000);
    schedule.schedule(item('late', log), 1000);
    assert.deepEqual(log, []);
    t.mock.timers.tick(0);
    assert.deepEqual(log, ['late']);
  });
});
