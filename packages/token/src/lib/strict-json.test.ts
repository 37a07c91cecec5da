import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonObject } from './strict-json.js';

const parse = (text: string | Buffer) => parseJsonObject(typeof text === 'string' ? Buffer.from(text) : text);

describe('parseJsonObject', () => {
  it('parses an object with nested members', () => {
    assert.deepEqual(parse('{"a":1,"b":{"c":[1,{"d":"x"}]},"e":"\\"}"}'), { a: 1, b: { c: [1, { d: 'x' }] }, e: '"}' });
  });
  it('refuses duplicate member names at any depth, also when spelled with escapes', () => {
    assert.equal(parse('{"a":1,"a":2}'), 'duplicate');
    assert.equal(parse('{"a":1,"\\u0061":2}'), 'duplicate');
    assert.equal(parse('{"x":{"a":1,"a":2}}'), 'duplicate');
    assert.equal(parse('{"x":[{"a":1,"a":2}]}'), 'duplicate');
    // The same name in sibling objects, or as a value, is fine.
    assert.deepEqual(parse('{"x":{"a":1},"y":{"a":2},"a":"a"}'), { x: { a: 1 }, y: { a: 2 }, a: 'a' });
    // Strings holding quotes, braces and backslashes do not confuse the scan.
    assert.deepEqual(parse('{"a":"\\\\","b":"{\\"a\\":1,\\"a\\":2}"}'), { a: '\\', b: '{"a":1,"a":2}' });
  });
  it('refuses __proto__ members, so nothing can reach a prototype', () => {
    assert.equal(parse('{"__proto__":{"polluted":true}}'), 'forbidden');
    assert.equal(parse('{"a":{"\\u005f_proto__":{}}}'), 'forbidden');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it('refuses anything but an object', () => {
    for (const text of ['[]', '"s"', '1', 'null', 'true']) assert.equal(parse(text), 'not-object', text);
    for (const text of ['', '{', '{"a":1,}', "{'a':1}", '{"a":1} x']) assert.equal(parse(text), 'syntax', text);
  });
  it('refuses invalid UTF-8 instead of replacing it', () => {
    assert.equal(parse(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), 'utf8');
    assert.equal(parse(Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d])), 'utf8');
    assert.deepEqual(parse(Buffer.from('{"é":"✓"}')), { é: '✓' });
  });
});
