#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/**/*.test.js) with Node's own test runner.
// `npm test` builds first (tsc -b, which is also the type check), then calls this.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=expiry).
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = [];
const stale = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dist = join(root, 'packages', pkg, 'dist');
  if (!existsSync(dist)) continue;
  for (const entry of readdirSync(dist, { recursive: true })) {
    if (!String(entry).endsWith('.test.js')) continue;
    // A compiled test whose source was moved or deleted is stale output, not a test: skip it.
    const source = join(root, 'packages', pkg, 'src', String(entry).replace(/\.js$/, '.ts'));
    if (existsSync(source)) files.push(join(dist, String(entry)));
    else stale.push(join('packages', pkg, 'dist', String(entry)));
  }
}
if (files.length === 0) {
  console.error('run-tests: no compiled test files found; run `npm run build` first.');
  process.exit(1);
}
if (stale.length > 0)
  console.error(`run-tests: skipping ${stale.length} stale compiled test(s) with no source: ${stale.join(', ')}`);
files.sort();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
