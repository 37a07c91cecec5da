// The plain-text report of bench/client/run.mjs, from its JSON document.
import { fmtInt, fmtPercent, table } from '../shared/report.mjs';

const kb = (bytes) => (bytes / 1024).toFixed(1);
const ms = (x) => (x === undefined || Number.isNaN(x) ? '' : `${x} ms`);

function handshakeSection(doc, out) {
  const { cases } = doc.handshake;
  if (cases.length === 0) return;
  const o = doc.options;
  out.push('');
  out.push(
    `Handshake: connect() → connected, SDK vs raw ws (fresh socket, \`connect\` with its own token for its own session, \`connected\`, then close 1000); a fresh gateway process per case and round; ${o.warmupMs} ms warm-up + ${o.durationMs} ms measured; median of ${cases[0].rounds} rounds`,
  );
  out.push(
    table(
      [
        'case',
        'in flight',
        'median handshakes/s',
        'min–max',
        'latency p50 / p99',
        'client CPU µs/handshake',
        'client CPU',
      ],
      cases.map((c) => [
        c.name,
        c.concurrency,
        fmtInt(c.handshakesPerSec),
        `${fmtInt(c.min)}–${fmtInt(c.max)}`,
        `${c.latencyP50Ms.toFixed(2)} / ${c.latencyP99Ms.toFixed(2)} ms`,
        fmtInt(c.clientCpuUsPerHandshake),
        fmtPercent(c.clientCpu),
      ]),
      [false, true, true, true, true, true, true],
    ),
  );
  for (const r of doc.handshake.ratios)
    out.push(
      `SDK / raw, ${r.concurrency} in flight: ${r.value.toFixed(2)}× handshakes/s (per round ${r.roundMin.toFixed(2)}–${r.roundMax.toFixed(2)}×), ${r.clientCpuRatio.toFixed(2)}× client CPU per handshake`,
    );
}

function resumeSection(doc, out) {
  const { resume } = doc;
  if (resume === undefined) return;
  out.push('');
  out.push(
    `Resume (Node SDK with ws, through a TCP proxy that destroys both sockets; one other connection in the session): cut → \`reconnected\` (resumed, same connection), ${resume.resumeMs.count} drops in ${resume.rounds} rounds`,
  );
  out.push(
    `  p50 ${ms(resume.resumeMs.p50)}, p95 ${ms(resume.resumeMs.p95)}, min–max ${resume.resumeMs.min}–${resume.resumeMs.max} ms; per-round p50 ${resume.resumeMs.perRoundP50.join(', ')} ms`,
  );
  out.push(
    `  for scale: a first connect() through the same proxy, p50 ${ms(resume.connectMs.p50)} (${resume.connectMs.count})`,
  );
}

function browserSection(doc, out) {
  const { browser } = doc;
  if (browser === undefined) return;
  const f = browser.firstFrameMs;
  out.push('');
  out.push(
    `Browser (Debian Chromium, fake devices, the demo page as a subscriber of a session with one publisher page): Join click → first remote video frame presented (requestVideoFrameCallback), ${f.count} joins in ${browser.rounds} rounds (each round: fresh gateway and browser, 1 warm-up join not counted)`,
  );
  out.push(
    `  p50 ${ms(f.p50)}, p95 ${ms(f.p95)}, min–max ${f.min}–${f.max} ms; per-round p50 ${f.perRoundP50.join(', ')} ms; warm-up joins ${browser.warmupFirstFrameMs.join(', ')} ms`,
  );
  out.push(
    `  getStats framesDecoded > 0 (polled every 10 ms; Chromium caches stats briefly): p50 ${ms(browser.framesDecodedMs.p50)}, p95 ${ms(browser.framesDecodedMs.p95)}`,
  );
  out.push(
    `  median time of each step after the click: ${Object.entries(browser.medianStepsMs)
      .sort((a, b) => a[1] - b[1])
      .map(([name, t]) => `${name} ${t}`)
      .join(', ')} ms`,
  );
  out.push(`  ICE candidates the subscriber gathered: ${browser.localCandidateTypes.join(', ')}`);
  const { inPageMs, cutToSeenMs } = browser.resume;
  if (inPageMs.count > 0)
    out.push(
      `  resume of the publisher page after a cut (${inPageMs.count} cuts): status reconnecting → connected p50 ${ms(inPageMs.p50)} (p95 ${ms(inPageMs.p95)}); cut → connected seen by the driver p50 ${ms(cutToSeenMs.p50)}`,
    );
}

function bundleSection(doc, out) {
  const { bundles } = doc;
  if (bundles === undefined) return;
  const ours = bundles.rows[0];
  out.push('');
  out.push('Bundle size (min, and min+gzip at zlib level 9; KB = 1024 B); published bundles fetched with npm pack');
  out.push(
    table(
      ['bundle', 'version', 'file', 'min KB', 'min+gzip KB', '× ours (gzip)'],
      bundles.rows.map((b) =>
        b.notice !== undefined
          ? [b.name, b.version, b.file, '—', '—', 'not fetched']
          : [
              b.name,
              b.version,
              b.file,
              kb(b.minBytes),
              kb(b.gzipBytes),
              `${(b.gzipBytes / ours.gzipBytes).toFixed(1)}×`,
            ],
      ),
      [false, false, false, true, true, true],
    ),
  );
}

function targetsSection(doc, out) {
  const rows = [];
  const ratio = doc.handshake.ratios.find((r) => r.target !== undefined);
  if (ratio !== undefined)
    rows.push([
      `SDK connect() / raw ws handshakes/s (${ratio.concurrency} in flight)`,
      `${ratio.value.toFixed(2)}×`,
      `${ratio.roundMin.toFixed(2)}–${ratio.roundMax.toFixed(2)}×`,
      `≥ ${ratio.target}×`,
      ratio.pass ? 'PASS' : 'FAIL',
    ]);
  if (doc.browser !== undefined) {
    const f = doc.browser.firstFrameMs;
    rows.push([
      'join → first remote frame, p50',
      `${f.p50} ms`,
      `${Math.min(...f.perRoundP50)}–${Math.max(...f.perRoundP50)} ms`,
      `≤ ${doc.browser.target} ms`,
      doc.browser.pass ? 'PASS' : 'FAIL',
    ]);
  }
  if (doc.bundles !== undefined)
    rows.push([
      '@stagepass/client bundle, min+gzip',
      `${kb(doc.bundles.rows[0].gzipBytes)} KB`,
      '',
      `≤ ${kb(doc.bundles.target)} KB`,
      doc.bundles.pass ? 'PASS' : 'FAIL',
    ]);
  if (rows.length === 0) return;
  out.push('');
  out.push(table(['target', 'value', 'per-round range', 'target', 'result'], rows, [false, true, true, true, false]));
  const failed = rows.filter((r) => r[4] !== 'PASS').length;
  out.push('');
  out.push(`${rows.length - failed}/${rows.length} targets met.`);
}

/** The report's text. */
export function report(doc) {
  const out = [];
  out.push(`@stagepass/client benchmark — ${doc.date}`);
  out.push(`node ${doc.node}, ${doc.platform}, ${doc.cpus} CPU(s) (${doc.cpuModel})`);
  out.push(
    `1-min load average: ${doc.loadAverage1m.start} at start, ${doc.loadAverage1m.end} at end (the bench itself adds ~1–2; more means other work competed)`,
  );
  handshakeSection(doc, out);
  resumeSection(doc, out);
  browserSection(doc, out);
  bundleSection(doc, out);
  targetsSection(doc, out);
  for (const notice of doc.notices) out.push(`NOTICE: ${notice}`);
  out.push(`took ${doc.elapsedSeconds.toFixed(0)} s; \`node bench/client/run.mjs --json\` for machine-readable output`);
  return out.join('\n');
}
