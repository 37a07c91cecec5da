/**
 * docs/protocol.md's tables that the gateway owns, kept equal to the code: the REST table (the
 * routes of rest-routes.ts) and the gateway rows of "Limits" (GATEWAY_DEFAULTS and the rate-limit
 * thresholds). The wire rows and the message tables are checked in packages/protocol.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATEWAY_DEFAULTS } from './gateway.js';
import { GATEWAY_SETTINGS } from './gateway-settings.js';
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
  /** The row's "default" cell; `past` its "past it" cell. */
  const def = (name: string): string => row(name)[1]!;
  const past = (name: string): string => row(name)[2]!;

  it('names, in its "setting" column, every limit of GATEWAY_SETTINGS once, in the table\'s order', () => {
    const documented = [...rows.values()]
      .map(([setting]) => setting!)
      .filter((setting) => setting !== '— (fixed)')
      .flatMap((setting) => setting.split(', ').map((key) => read(key, /^`([\w.]+)`$/)[0]!));
    // Where it listens and what /metrics exports are settings, not limits.
    const limits = GATEWAY_SETTINGS.map((s) => s.key).filter((k) => !['host', 'port', 'processMetrics'].includes(k));
    assert.deepEqual(documented, limits);
  });

  it('states the defaults of GATEWAY_DEFAULTS', () => {
    assert.equal(bytes(def('message size')), GATEWAY_DEFAULTS.maxPayloadBytes);
    const [perSecond, burst] = read(def('message rate per connection'), /^(\d+)\/s, burst (\d+) /);
    assert.deepEqual({ perSecond: Number(perSecond), burst: Number(burst) }, { ...GATEWAY_DEFAULTS.rateLimit });
    assert.equal(ms(def('admission time (upgrade → `connect`)')), GATEWAY_DEFAULTS.admissionTimeoutMs);
    assert.equal(ms(def('resume window')), GATEWAY_DEFAULTS.resumeWindowMs);
    const [ping, idle] = read(def('keep-alive'), /^ping every (\d+ s); idle timeout (\d+ s)$/);
    assert.deepEqual([ms(ping!), ms(idle!)], [GATEWAY_DEFAULTS.pingIntervalMs, GATEWAY_DEFAULTS.idleTimeoutMs]);
    assert.equal(
      bytes(read(def('outbound buffer per connection'), /^(.+) of unsent bytes$/)[0]!),
      GATEWAY_DEFAULTS.maxBufferedBytes,
    );
    assert.equal(
      Number(read(def('connections per session'), /^(\d+) \(or the app's `maxConnectionsPerSession`\)$/)[0]),
      GATEWAY_DEFAULTS.maxConnectionsPerSession,
    );
    assert.equal(Number(def('streams per connection')), GATEWAY_DEFAULTS.maxStreamsPerConnection);
    assert.equal(Number(def('streams per session')), GATEWAY_DEFAULTS.maxStreamsPerSession);
    assert.deepEqual(
      [past('streams per connection'), past('streams per session')],
      Array(2).fill('`publish` refused `ERR_TOO_MANY_STREAMS`; the connection stays'),
    );
    assert.equal(Number(def('sockets per IP address')), GATEWAY_DEFAULTS.maxSocketsPerIp);
    assert.equal(Number(def('HTTP requests in flight per connection')), GATEWAY_DEFAULTS.maxRequestsInFlight);
    const [httpPerSecond, httpBurst] = read(def('HTTP request rate per IP address'), /^(\d+)\/s, burst (\d+)$/);
    assert.deepEqual(
      { perSecond: Number(httpPerSecond), burst: Number(httpBurst) },
      { ...GATEWAY_DEFAULTS.httpRateLimit },
    );
    assert.equal(ms(def('HTTP headers time')), GATEWAY_DEFAULTS.headersTimeoutMs);
    assert.equal(ms(def('HTTP request time')), GATEWAY_DEFAULTS.requestTimeoutMs);
    assert.equal(ms(read(def('`/metrics` collection'), /^once per (.+)$/)[0]!), GATEWAY_DEFAULTS.metricsCacheMs);
    assert.equal(
      Number(read(def('routed streams with their own `/metrics` series'), /^(\d+) \(8 series each\)$/)[0]),
      GATEWAY_DEFAULTS.maxStreamMetrics,
    );
    assert.equal(ms(def('clock tolerance on token times')) / 1000, GATEWAY_DEFAULTS.clockTolerance);
    assert.equal(
      Number(read(def('TURN credential lifetime'), /^(\d+) h$/)[0]) * 3600,
      GATEWAY_DEFAULTS.turnCredentialTtl,
    );
    assert.equal(ms(def('drain time on shutdown')), GATEWAY_DEFAULTS.drainMs);
  });
  it('states when the rate limit closes a connection', () => {
    const [after, refused] = read(
      past('message rate per connection'),
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
