#!/usr/bin/env node
// Builds dist/stagepass-client.min.js: the SDK and @stagepass/protocol in one minified ESM file for
// browsers (<script type="module">, or a CDN). Runs after `tsc -b` (it bundles the compiled
// dist/index.js) as part of the root `npm run build`; prints the size, min and min+gzip.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = new URL('..', import.meta.url).pathname;
const outfile = `${dir}dist/stagepass-client.min.js`;
await build({
  entryPoints: [`${dir}dist/index.js`],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const code = readFileSync(outfile);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`@stagepass/client bundle: ${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip`);
