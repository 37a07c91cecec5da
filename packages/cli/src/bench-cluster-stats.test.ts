/**
 * The pure helpers of `npm run bench:cluster` (bench/cluster/stats.mjs, plain JavaScript outside the
 * workspaces, loaded here by URL): the latency histogram and its percentiles across processes, the spread
 * of receivers over nodes, the open-loop schedule and the INFO commandstats arithmetic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface Histogram {
  add(ms: number): void;
  merge(data: unknown): void;
  percentile(p: number): number | undefined;
  toJSON(): unknown;
  readonly count: number;
  readonly max: number;
}

interface Stats {
  createHistogram(binMs?: number): Histogram;
  spread(n: number, nodes: number): number[];
  dueCount(startMs: number, nowMs: number, perSecond: number): number;
  parseCommandStats(text: string): Record<string, number>;
  diffCommandStats(before: Record<string, number>, after: Record<string, number>): Record<string, number>;
}

const stats = (await import(new URL('../../../bench/cluster/stats.mjs', import.meta.url).href)) as Stats;

describe('bench:cluster helpers', () => {
  it('takes percentiles as the upper edge of the bin holding that rank, never above the max', () => {
    const h = stats.createHistogram(1);
    for (let ms = 0; ms < 100; ms++) h.add(ms + 0.5); // 0.5, 1.5, … 99.5
    assert.equal(h.count, 100);
    assert.equal(h.percentile(50), 50); // the 50th value, 49.5, is in bin [49, 50)
    assert.equal(h.percentile(99), 99);
    assert.equal(h.percentile(100), 99.5); // bin edge 100 capped at the max seen
    assert.equal(stats.createHistogram().percentile(50), undefined);
  });

  it('merges histograms of several processes as if one had seen every sample', () => {
    const [a, b, all] = [stats.createHistogram(), stats.createHistogram(), stats.createHistogram()];
    for (let i = 0; i < 1000; i++) {
      const ms = ((i * 7919) % 250) / 10;
      (i % 3 === 0 ? a : b).add(ms);
      all.add(ms);
    }
    const merged = stats.createHistogram();
    merged.merge(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(JSON.parse(JSON.stringify(b.toJSON())));
    for (const p of [50, 90, 99, 99.9]) assert.equal(merged.percentile(p), all.percentile(p));
    assert.equal(merged.max, all.max);
  });

  it('spreads clients round robin, counts differing by at most one', () => {
    assert.deepEqual(stats.spread(7, 3), [0, 1, 2, 0, 1, 2, 0]);
    const counts = [0, 1, 2].map((n) => stats.spread(100, 3).filter((x) => x === n).length);
    assert.deepEqual(counts, [34, 33, 33]);
  });

  it('schedules an open loop by the clock, not by what was sent', () => {
    assert.equal(stats.dueCount(1000, 999, 2000), 0);
    assert.equal(stats.dueCount(1000, 1000, 2000), 1); // the first send is due at the start
    assert.equal(stats.dueCount(1000, 1001, 2000), 3);
    assert.equal(stats.dueCount(1000, 2000, 2000), 2001); // 2,000 per second, after one second
  });

  it('counts the Redis commands between two INFO commandstats, less its own INFO', () => {
    const text = (info: number, get: number) =>
      `# Commandstats\r\ncmdstat_get:calls=${get},usec=10,usec_per_call=1.00\r\n` +
      `cmdstat_info:calls=${info},usec=5,usec_per_call=5.00\r\ncmdstat_evalsha:calls=4,usec=1,usec_per_call=0.25\r\n`;
    const before = stats.parseCommandStats(text(1, 10));
    assert.deepEqual(before, { get: 10, info: 1, evalsha: 4 });
    const after = { ...stats.parseCommandStats(text(2, 13)), publish: 2 };
    assert.deepEqual(stats.diffCommandStats(before, after), { get: 3, publish: 2 });
  });
});
