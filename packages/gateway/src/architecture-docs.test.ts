import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else out.push(relative(root, path));
  }
  return out;
}

describe('docs/architecture.md', () => {
  it('names only files that exist (a module moved: move its line too)', () => {
    const files = [...sourceFiles(join(root, 'packages')), ...sourceFiles(join(root, 'scripts'))];
    const named = [...doc.matchAll(/`([\w./-]+\.(?:ts|mjs|json))`/g)].map((m) => m[1]!);
    assert.ok(named.length > 30, `only ${named.length} file names found`);
    const missing = named.filter((name) => !files.some((file) => file === name || file.endsWith(`/${name}`)));
    assert.deepEqual([...new Set(missing)], []);
  });
  it('names only folders of the gateway that exist', () => {
    const folders = new Set(
      readdirSync(join(root, 'packages/gateway/src'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `${e.name}/`),
    );
    folders.add('transport/ws/');
    const table = doc.slice(doc.indexOf("## The gateway's modules"), doc.indexOf('### The session core'));
    const named = [...table.matchAll(/^\| `([\w/]+\/)` \|/gm)].map((m) => m[1]!);
    assert.ok(named.length >= 7);
    for (const folder of named) assert.ok(folders.has(folder), folder);
  });
});
