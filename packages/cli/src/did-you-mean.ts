/**
 * "Did you mean …?" for a mistyped flag, setting or environment variable: the closest known name by
 * edit distance (Damerau–Levenshtein, optimal string alignment: an adjacent swap counts as one edit).
 */

/**
 * Edits (insert, delete, substitute, swap two adjacent characters) that turn `a` into `b`.
 *
 * @example
 * ```ts
 * editDistance('--drian-ms', '--drain-ms'); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Case, `-`, `_` and `.` aside: `maxPayloadBytes`, `max-payload-bytes` and `MAX_PAYLOAD_BYTES` are one name. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, '');
}

/**
 * The candidate closest to `typed`, when it is close enough to be what was meant: the same name
 * written in another case or style, or at most 1 edit away for names of 3 or 4 characters, 2 up to 12,
 * and 3 beyond (none for 1 or 2: too short to guess from). Undefined when nothing is close (or two candidates are equally close).
 *
 * @example
 * ```ts
 * closestName('--max-payload-byte', ['--max-payload-bytes', '--port']); // '--max-payload-bytes'
 * closestName('--maxPayloadBytes', ['--max-payload-bytes']); // '--max-payload-bytes'
 * ```
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const folded = fold(typed);
  const same = candidates.filter((c) => fold(c) === folded);
  if (same.length === 1) return same[0];
  // One letter or two are too short to guess from: `-x` is not a typo of `-h`.
  const allowed = folded.length <= 2 ? 0 : folded.length <= 4 ? 1 : folded.length <= 12 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of candidates) {
    const distance = Math.min(editDistance(typed, candidate), editDistance(folded, fold(candidate)));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) tie = true;
  }
  return best !== undefined && bestDistance <= allowed && !tie ? best : undefined;
}

/**
 * ` (did you mean X?)` when one candidate is close to `typed`, else ''.
 *
 * @example
 * ```ts
 * `unknown option --prot${didYouMean('--prot', ['--port'])}`; // 'unknown option --prot (did you mean --port?)'
 * ```
 */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const name = closestName(typed, candidates);
  return name === undefined ? '' : ` (did you mean ${name}?)`;
}
