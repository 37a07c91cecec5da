/**
 * docs/protocol.md's tables that the gateway owns, kept equal to the code: the REST table (the
 * routes of rest-routes.ts) and the gateway rows of "Limits" (GATEWAY_DEFAULTS and the rate-limit
 * thresholds). The wire rows and the message tables are checked in packages/protocol.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATEWAY_DEFAULTS } from './gateway.js';
import { RATE_LIMIT_CLOSE_AFTER_MS, RATE_LIMIT_CLOSE_AFTER_REFUSED } from './connection/rate-limit.js';
import { REST_ROUTES } from './rest/rest-routes.js';
import { OPENTOK_ROUTES, UNSUPPORTED_FEATURES } from './rest/opentok/opentok-routes.js';

const docs = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The body rows of the first table after the line `heading`, as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const lines = docs.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/protocol.md has no line "${heading}"`);
  const first = lines.findIndex((line, i) => i > start && line.trim().startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    rows.push(
      lines[i]!.trim()
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  assert.ok(rows.length > 0, `no table after "${heading}"`);
  return rows;
}

/** `64 KiB`, `1 MiB` → bytes. */
function bytes(text: string): number {
  const m = /^(\d+) (KiB|MiB)$/.exec(text);
  assert.ok(m !== null, `"${text}" is not a size in KiB or MiB`);
  return Number(m[1]) * (m[2] === 'KiB' ? 1024 : 1024 * 1024);
}

/** `10 s` → milliseconds. */
function ms(text: string): number {
  const m = /^(\d+) s$/.exec(text);
  assert.ok(m !== null, `"${text}" is not a duration in seconds`);
  return Number(m[1]) * 1000;
}

/** The one match of `pattern` in `text`, its groups. */
function read(text: string, pattern: RegExp): string[] {
  const m = pattern.exec(text);
  assert.ok(m !== null, `"${text}" does not match ${pattern}`);
  return m.slice(1);
}

describe('docs/protocol.md, "REST API for app backends"', () => {
  it('lists exactly REST_ROUTES, in order, each with its method, path and whether it takes a body', () => {
    const documented = tableAfter('## REST API for app backends').map(([route, body]) => {
      const [method, path] = read(route!, /^`(GET|POST|DELETE) (\/v1\/apps\/\{appId\}\/\S+)`$/);
      return { method, pattern: path!.replace(/\{(\w+)\}/g, ':$1'), body: body !== '—' };
    });
    assert.deepEqual(
      documented,
      REST_ROUTES.map(({ method, pattern, body }) => ({ method, pattern, body })),
    );
  });
});

describe('docs/protocol.md, "Limits" (the gateway\'s rows)', () => {
  const rows = new Map(tableAfter('## Limits').map(([limit, ...rest]) => [limit!, rest]));
  const row = (name: string): string[] => {
    const found = rows.get(name);
    assert.ok(found !== undefined, `no row "${name}"`);
    return found;
  };

  it('states the defaults of GATEWAY_DEFAULTS', () => {
    assert.equal(bytes(row('message size')[0]!), GATEWAY_DEFAULTS.maxPayloadBytes);
    const [perSecond, burst] = read(row('message rate per connection')[0]!, /^(\d+)\/s, burst (\d+) /);
    assert.deepEqual({ perSecond: Number(perSecond), burst: Number(burst) }, { ...GATEWAY_DEFAULTS.rateLimit });
    assert.equal(ms(row('admission time (upgrade → `connect`)')[0]!), GATEWAY_DEFAULTS.admissionTimeoutMs);
    assert.equal(ms(row('resume window')[0]!), GATEWAY_DEFAULTS.resumeWindowMs);
    assert.equal(ms(read(row('keep-alive')[0]!, /^ping every (.+)$/)[0]!), GATEWAY_DEFAULTS.pingIntervalMs);
    assert.equal(
      ms(read(row('keep-alive')[1]!, /^terminate after (\d+ s) without any frame/)[0]!),
      GATEWAY_DEFAULTS.idleTimeoutMs,
    );
    assert.equal(
      bytes(read(row('outbound buffer per connection')[0]!, /^(.+) of unsent bytes$/)[0]!),
      GATEWAY_DEFAULTS.maxBufferedBytes,
    );
    assert.equal(
      Number(read(row('connections per session')[0]!, /^(\d+) \(or the app's `maxConnectionsPerSession`\)$/)[0]),
      GATEWAY_DEFAULTS.maxConnectionsPerSession,
    );
    assert.equal(Number(row('streams per connection')[0]), GATEWAY_DEFAULTS.maxStreamsPerConnection);
    assert.equal(Number(row('streams per session')[0]), GATEWAY_DEFAULTS.maxStreamsPerSession);
    assert.deepEqual(
      [row('streams per connection')[1], row('streams per session')[1]],
      Array(2).fill('`publish` refused `ERR_TOO_MANY_STREAMS`; the connection stays'),
    );
    assert.equal(Number(row('sockets per IP address')[0]), GATEWAY_DEFAULTS.maxSocketsPerIp);
    assert.equal(Number(row('HTTP requests in flight per connection')[0]), GATEWAY_DEFAULTS.maxRequestsInFlight);
    const [httpPerSecond, httpBurst] = read(row('HTTP request rate per IP address')[0]!, /^(\d+)\/s, burst (\d+)$/);
    assert.deepEqual(
      { perSecond: Number(httpPerSecond), burst: Number(httpBurst) },
      { ...GATEWAY_DEFAULTS.httpRateLimit },
    );
    assert.equal(ms(row('HTTP headers time')[0]!), GATEWAY_DEFAULTS.headersTimeoutMs);
    assert.equal(ms(row('HTTP request time')[0]!), GATEWAY_DEFAULTS.requestTimeoutMs);
    assert.equal(ms(read(row('`/metrics` collection')[0]!, /^once per (.+)$/)[0]!), GATEWAY_DEFAULTS.metricsCacheMs);
  });
  it('states when the rate limit closes a connection', () => {
    const [after, refused] = read(
      row('message rate per connection')[1]!,
      /after (\d+ s) over the limit \(or (\d+) refused messages in a run\), close 1008/,
    );
    assert.equal(ms(after!), RATE_LIMIT_CLOSE_AFTER_MS);
    assert.equal(Number(refused), RATE_LIMIT_CLOSE_AFTER_REFUSED);
  });
  it('gives the admission time in "Connecting" too', () => {
    assert.match(
      docs,
      new RegExp(`first and only once, within \\*\\*${GATEWAY_DEFAULTS.admissionTimeoutMs / 1000} s\\*\\*`),
    );
  });
});

describe('docs/protocol.md, "OpenTok-compatible REST routes"', () => {
  it('lists exactly OPENTOK_ROUTES, in order, each with its method, path and whether it takes a body', () => {
    const documented = tableAfter('### OpenTok-compatible REST routes').map(([route, body]) => {
      const [method, path] = read(route!, /^`(GET|POST|PUT|DELETE) (\/\S+)`$/);
      return { method, pattern: path, body: body !== '—' };
    });
    assert.deepEqual(
      documented,
      OPENTOK_ROUTES.map(({ method, pattern, body }) => ({ method, pattern, body: body !== 'none' })),
    );
  });

  it('names every unsupported feature prefix', () => {
    const section = docs.slice(docs.indexOf('### OpenTok-compatible REST routes'));
    for (const prefix of Object.keys(UNSUPPORTED_FEATURES)) assert.ok(section.includes(`\`${prefix}\``), prefix);
  });
});
