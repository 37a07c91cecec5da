import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';

const src = new URL('../src/', import.meta.url);
const modules = readdirSync(src).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

describe('public exports', () => {
  it('each have a doc comment (the client SDK and its users read them in their editor)', () => {
    const undocumented: string[] = [];
    for (const name of modules) {
      const text = readFileSync(new URL(name, src), 'utf8');
      for (const m of text.matchAll(/^export (?:const|function|class|interface|type) (\w+)/gm)) {
        if (!text.slice(0, m.index).trimEnd().endsWith('*/')) undocumented.push(`${name}: ${m[1]}`);
      }
    }
    assert.ok(modules.includes('index.ts') && modules.length > 5);
    assert.deepEqual(undocumented, []);
  });
});
