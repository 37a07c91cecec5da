import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CAPABILITIES, CAPABILITY_NAMES, REQUEST_CAPABILITY, type Capability } from './capabilities.js';
import { CLOSE_CODES, ERROR_CODES, isErrorCode } from './error-codes.js';
import { CLIENT_MESSAGE_MEMBERS, CLIENT_REQUEST_TYPES } from './parse-client-message.js';
import { ROLES, type Role } from './roles.js';
import {
  MAX_PAYLOAD_DEPTH,
  MAX_APP_ID_LENGTH,
  MAX_EXCLUDED_STREAMS,
  MAX_ID_LENGTH,
  MAX_SESSION_ID_LENGTH,
  MAX_REQUEST_ID,
  MAX_SIGNAL_DATA_BYTES,
  MAX_SIGNAL_RECIPIENTS,
  MAX_SIGNAL_TYPE_LENGTH,
  MAX_STREAM_NAME_LENGTH,
  SIGNAL_TYPE_PATTERN,
} from './wire-limits.js';
import { ACK_RESULT_MEMBERS, SERVER_MESSAGE_TYPES, type ClientRequestType, type ServerMessage } from './wire-types.js';

const docs = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The body rows of the first table after the line `heading` (a heading, or any line of its own), as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const lines = docs.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/protocol.md has no heading "${heading}"`);
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

/** The backticked words of a cell, in order. */
const quoted = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

/** The members of a "members" cell: its backticked names outside parentheses, `?` kept. */
function documentedMembers(cell: string): string[] {
  if (cell === '—') return [];
  return [...cell.replace(/\([^)]*\)/g, '').matchAll(/`(\w+)`(\?)?/g)].map((m) => m[1]! + (m[2] ?? ''));
}

/** The roles a "who may send it" cell names (before its parenthesis), or undefined when it names none. */
function documentedRoles(cell: string): Role[] | undefined {
  const words = cell.split('(')[0]!.trim();
  const but = /^everyone but (\w+)$/.exec(words);
  if (but !== null) return ROLES.filter((role) => role !== but[1]);
  const roles = words.split(', ').filter((word): word is Role => (ROLES as readonly string[]).includes(word));
  return roles.length === 0 ? undefined : roles;
}

/** The characters a documented class such as `A-Za-z0-9-_~` stands for, as a RegExp for one character. */
function documentedClass(text: string): RegExp {
  const parts = [...text.matchAll(/(.)-(.)|(.)/g)].map((m) => (m[3] === undefined ? `${m[1]}-${m[2]}` : `\\${m[3]}`));
  return new RegExp(`^[${parts.join('')}]$`);
}

describe('docs/protocol.md, "Client → gateway"', () => {
  const rows = tableAfter('### Client → gateway');
  const types = rows.map((row) => quoted(row[0]!)[0]);

  it('lists connect, resume and then exactly the request types, in order', () => {
    assert.deepEqual(types, ['connect', 'resume', ...CLIENT_REQUEST_TYPES]);
  });
  it("lists each message's members as the validator takes them, `?` for optional (every request also takes id?)", () => {
    for (const row of rows) {
      const type = quoted(row[0]!)[0] as keyof typeof CLIENT_MESSAGE_MEMBERS;
      const members = CLIENT_MESSAGE_MEMBERS[type].filter((member) => member !== 'id?');
      assert.deepEqual(documentedMembers(row[1]!).sort(), members.sort(), type);
      if (type !== 'connect' && type !== 'resume') assert.ok(CLIENT_MESSAGE_MEMBERS[type].includes('id?'), type);
    }
  });
  it('names the capability of each request as REQUEST_CAPABILITY does, and the roles that have it', () => {
    for (const row of rows.slice(2)) {
      const type = quoted(row[0]!)[0] as ClientRequestType;
      const named = quoted(row[2]!).filter((word): word is Capability =>
        (CAPABILITY_NAMES as readonly string[]).includes(word),
      );
      assert.ok(named.length <= 1, type);
      assert.equal(named[0] ?? null, REQUEST_CAPABILITY[type], type);
      const roles = documentedRoles(row[2]!);
      const capability = REQUEST_CAPABILITY[type];
      if (roles !== undefined && capability !== null) {
        assert.deepEqual(
          roles,
          ROLES.filter((role) => CAPABILITIES[role][capability]),
          type,
        );
      }
    }
    assert.equal(quoted(rows[0]![2]!).length, 0, 'connect needs no capability');
    assert.equal(quoted(rows[1]![2]!).length, 0, 'resume needs no capability');
  });
  it("gives each request's ack result the members of ACK_RESULT_MEMBERS", () => {
    assert.deepEqual(Object.keys(ACK_RESULT_MEMBERS), CLIENT_REQUEST_TYPES);
    for (const row of rows.slice(2)) {
      const type = quoted(row[0]!)[0] as ClientRequestType;
      const result = /^`\{(\w*)\}`$/.exec(row[3]!);
      assert.ok(result !== null, `${type}: result "${row[3]}" is not of the form \`{member}\``);
      assert.deepEqual(result[1] === '' ? [] : result[1]!.split(','), [...ACK_RESULT_MEMBERS[type]], type);
    }
  });
  it('states the size limits of wireLimits', () => {
    const cell = (type: string) => rows.find((row) => quoted(row[0]!)[0] === type)![1]!;
    assert.match(cell('publish'), new RegExp(`\`name\`\\? \\(≤ ${MAX_STREAM_NAME_LENGTH} chars`));
    assert.match(cell('signal'), new RegExp(`\`data\` \\(text ≤ ${MAX_SIGNAL_DATA_BYTES / 1024} KiB UTF-8\\)`));
    assert.match(cell('signal'), new RegExp(`\`signalType\`\\? \\(≤ ${MAX_SIGNAL_TYPE_LENGTH} of`));
    assert.match(cell('signal'), new RegExp(`a list of 1–${MAX_SIGNAL_RECIPIENTS}\\)`));
    assert.match(cell('webrtc'), new RegExp(`\`payload\` \\(object, at most ${MAX_PAYLOAD_DEPTH} levels deep\\)`));
    assert.match(cell('forceMuteAll'), new RegExp(`\`excludedStreamIds\`\\? \\(≤ ${MAX_EXCLUDED_STREAMS}\\)`));
    assert.match(
      docs,
      new RegExp(
        `subscription IDs are assigned by the gateway \\(from a CSPRNG\\): 1–${MAX_ID_LENGTH} printable ASCII`,
      ),
    );
    assert.equal(MAX_REQUEST_ID, 2 ** 31 - 1);
    assert.match(docs, /an integer from 0 to 2³¹−1 chosen by the client/);
  });
});

describe('docs/protocol.md, "Gateway → client"', () => {
  it('lists exactly SERVER_MESSAGE_TYPES, in order', () => {
    const types = tableAfter('### Gateway → client').flatMap((row) => quoted(row[0]!));
    assert.deepEqual(types, [...SERVER_MESSAGE_TYPES]);
    // And the list has every ServerMessage type (the `satisfies` of its declaration checks the reverse).
    const complete: ServerMessage['type'] extends (typeof SERVER_MESSAGE_TYPES)[number] ? true : false = true;
    assert.equal(complete, true);
  });
});

describe('docs/protocol.md, "Connecting"', () => {
  it('states the ID limits of wireLimits', () => {
    assert.match(
      docs,
      new RegExp(
        `Both are 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces \\(App IDs at most ${MAX_APP_ID_LENGTH}\\)`,
      ),
    );
  });
});

describe('docs/protocol.md, close codes and upgrade statuses', () => {
  it('gives each close code of "Closing" its registry code, and forceDisconnected / normal their own', () => {
    for (const [close, reason] of tableAfter('## Closing')) {
      const [name] = quoted(reason!);
      if (name === undefined) assert.equal(Number(close), CLOSE_CODES.normal);
      else if (isErrorCode(name)) assert.equal(Number(close), ERROR_CODES[name].closeCode, name);
      else assert.equal(Number(close), CLOSE_CODES[name as keyof typeof CLOSE_CODES], name);
    }
  });
  it("gives each upgrade refusal with a code that code's HTTP status", () => {
    for (const [status, when] of tableAfter('1. Open a WebSocket to')) {
      for (const name of quoted(when!).filter(isErrorCode))
        assert.equal(Number(status), ERROR_CODES[name].httpStatus, name);
    }
  });
});

/** The limits rows the gateway owns; packages/gateway/src/rest/rest-routes-docs.test.ts checks them. */
const GATEWAY_LIMIT_ROWS = [
  'message size',
  'message rate per connection',
  'admission time (upgrade → `connect`)',
  'resume window',
  'keep-alive',
  'outbound buffer per connection',
  'connections per session',
  'streams per connection',
  'streams per session',
  'routed media: silent subscriber',
  'sockets per IP address',
  'HTTP requests in flight per connection',
  'HTTP request rate per IP address',
  'HTTP headers time',
  'HTTP request time',
  '`/metrics` collection',
  'routed streams with their own `/metrics` series',
  'clock tolerance on token times',
  'TURN credential lifetime',
  'drain time on shutdown',
];

describe('docs/protocol.md, "Limits"', () => {
  const rows = tableAfter('## Limits');
  const row = (name: string) => rows.find((r) => r[0] === name)!;

  it('has the wire rows checked here and the gateway rows checked by the gateway', () => {
    assert.deepEqual(
      rows.map((r) => r[0]),
      [...GATEWAY_LIMIT_ROWS, 'signal data', 'signal type'],
    );
  });
  it('states the signal limits of wireLimits', () => {
    assert.deepEqual(row('signal data').slice(1), [
      '— (fixed)',
      `${MAX_SIGNAL_DATA_BYTES / 1024} KiB (UTF-8)`,
      '`ERR_MESSAGE_INVALID`',
    ]);
    const type = /^(\d+) characters `([^`]+)`$/.exec(row('signal type')[2]!);
    assert.ok(type !== null);
    assert.equal(Number(type[1]), MAX_SIGNAL_TYPE_LENGTH);
    assert.equal(row('signal type')[1], '— (fixed)');
    assert.equal(row('signal type')[3], '`ERR_MESSAGE_INVALID`');
    const documented = documentedClass(type[2]!);
    for (let c = 0x20; c < 0x7f; c++) {
      const char = String.fromCharCode(c);
      assert.equal(SIGNAL_TYPE_PATTERN.test(char), documented.test(char), JSON.stringify(char));
    }
    assert.equal(SIGNAL_TYPE_PATTERN.test('a'.repeat(MAX_SIGNAL_TYPE_LENGTH)), true);
    assert.equal(SIGNAL_TYPE_PATTERN.test('a'.repeat(MAX_SIGNAL_TYPE_LENGTH + 1)), false);
  });
  it("gives every close code it names the registry's close code for that error", () => {
    let seen = 0;
    for (const [, , , past] of rows) {
      for (const m of past!.matchAll(/close (\d{4}) `(ERR_\w+)`/g)) {
        assert.ok(isErrorCode(m[2]), m[2]);
        assert.equal(Number(m[1]), ERROR_CODES[m[2]].closeCode, m[2]);
        seen++;
      }
    }
    assert.ok(seen >= 4);
  });
});
