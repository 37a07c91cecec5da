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
// Browser tests run apart, with --test-force-exit (Node >= 20.14): once their tests finished, a file must not hang
// the suite. In 4 of about 40 runs the routed-media browser test's process stayed alive after every page, the
// browser and the gateway were closed, with no active handle left to name (docs/architecture.md "Routed media",
// known issue). Node-only tests keep running without it, so a leak there still shows as a hang.
const [major, minor] = process.versions.node.split('.').map(Number);
const forceExit = major > 20 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : [];
const browser = files.filter((file) => file.endsWith('.browser.test.js'));
const others = files.filter((file) => !file.endsWith('.browser.test.js'));
const run = (args, list) =>
  list.length === 0
    ? 0
    : (spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...args, ...process.argv.slice(2), ...list], {
        stdio: 'inherit',
        cwd: root,
      }).status ?? 1);
const status = run([], others);
const browserStatus = run(forceExit, browser);
process.exit(status !== 0 ? status : browserStatus);
