// Pure helpers of bench:cluster: a latency histogram that merges across processes, its percentiles, how
// receivers are spread over nodes, the open-loop send schedule and Redis INFO commandstats arithmetic.
// Free of imports; checked by bench/cluster/stats.test.mjs.

/** Latency histogram with fixed-width bins (`binMs`); `add` then `percentile`, `merge` across processes. */
export function createHistogram(binMs = 0.05) {
  const bins = new Map();
  let count = 0;
  let max = 0;
  return {
    add(ms) {
      const bin = Math.max(0, Math.floor(ms / binMs));
      bins.set(bin, (bins.get(bin) ?? 0) + 1);
      count++;
      if (ms > max) max = ms;
    },
    merge(data) {
      for (const [bin, n] of data.bins) bins.set(bin, (bins.get(bin) ?? 0) + n);
      count += data.count;
      max = Math.max(max, data.max);
    },
    /** The upper edge of the bin holding the p-th percentile (0 < p ≤ 100), in ms; undefined when empty. */
    percentile(p) {
      if (count === 0) return undefined;
      const rank = Math.max(1, Math.ceil((p / 100) * count));
      let seen = 0;
      for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
        seen += bins.get(bin);
        if (seen >= rank) return Math.min(max, (bin + 1) * binMs);
      }
      return max;
    },
    toJSON: () => ({ bins: [...bins], count, max }),
    get count() {
      return count;
    },
    get max() {
      return max;
    },
  };
}

/** Which node (0 … nodes−1) each of `n` clients goes to: round robin, so counts differ by at most one. */
export function spread(n, nodes) {
  return Array.from({ length: n }, (_, i) => i % nodes);
}

/** How many of an open-loop schedule of `perSecond` sends starting at `startMs` are due at `nowMs`. */
export function dueCount(startMs, nowMs, perSecond) {
  return nowMs < startMs ? 0 : Math.floor(((nowMs - startMs) * perSecond) / 1000) + 1;
}

/** `INFO commandstats` text → { command: calls }. */
export function parseCommandStats(text) {
  const calls = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) calls[m[1]] = Number(m[2]);
  }
  return calls;
}

/** after − before per command, dropping zeros and the INFO calls the measurement itself made. */
export function diffCommandStats(before, after) {
  const diff = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (d > 0) diff[name] = d;
  }
  return diff;
}
