// Reporting helpers of both benchmark orchestrators (bench/tokens, bench/gateway): median, number formats, plain-text
// tables and stderr progress, so both benchmarks print alike. Free of imports.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

export const fmtPercent = (fraction) =>
  fraction === undefined || Number.isNaN(fraction) ? '' : `${Math.round(fraction * 100)} %`;

function pad(text, width, right = false) {
  text = String(text);
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A plain-text table: a header line, a rule, the rows; `rightAligned[i]` for numeric columns. */
export function table(headers, rows, rightAligned) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => pad(c, widths[i], rightAligned[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Progress on stderr: rewritten in place on a terminal, only the `perRound` lines otherwise. */
export function createProgress(stream = process.stderr) {
  const tty = stream.isTTY === true;
  let shown = false;
  return {
    show(text, perRound) {
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        shown = true;
      } else if (perRound) {
        stream.write(`${text}\n`);
      }
    },
    clear() {
      if (tty && shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
