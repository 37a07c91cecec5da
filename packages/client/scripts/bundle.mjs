#!/usr/bin/env node
// Builds the browser bundles after `tsc -b` (they bundle the compiled dist/ files) as part of the root
// `npm run build`, and prints each one's size, min and min+gzip:
// - dist/stagepass-client.min.js: the SDK and @stagepass/protocol in one minified ESM file (<script type="module">, a CDN);
// - dist/stagepass-ot.min.js: the OpenTok.js-shaped facade as a classic script that sets the global `OT`
//   (the drop-in for <script src=".../opentok.min.js">);
// - dist/stagepass-ot.esm.min.js: the same facade as ESM (`import OT from '/path/to/stagepass-ot.esm.min.js'`).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = new URL('..', import.meta.url).pathname;
const bundles = [
  { name: '@stagepass/client', entry: 'index.js', outfile: 'stagepass-client.min.js', format: 'esm' },
  {
    name: '@stagepass/client/ot (global OT)',
    entry: 'ot/ot-global.js',
    outfile: 'stagepass-ot.min.js',
    format: 'iife',
  },
  { name: '@stagepass/client/ot (ESM)', entry: 'ot/index.js', outfile: 'stagepass-ot.esm.min.js', format: 'esm' },
];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const { name, entry, outfile, format } of bundles) {
  const out = `${dir}dist/${outfile}`;
  await build({
    entryPoints: [`${dir}dist/${entry}`],
    outfile: out,
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const code = readFileSync(out);
  console.log(`${name} bundle: ${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip`);
}
