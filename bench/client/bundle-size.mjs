// Bundle sizes, min and min+gzip: ours (packages/client/dist/stagepass-client.min.js, made by `npm run build`)
// beside the minified browser bundles that livekit-client and @opentok/client publish on npm. Those are fetched
// at bench time with `npm pack <name>@<version>` into a temp folder (npm's ordinary client and cache; nothing is
// installed or added to the project), the one file is taken out of the tarball with `tar`, and gzipped here
// exactly as ours is (zlib level 9). Offline, or when npm refuses, the row says why and the run goes on.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

export const OUR_BUNDLE = new URL('../../packages/client/dist/stagepass-client.min.js', import.meta.url).pathname;

/** The published bundles compared, each the file its package.json points browsers / CDNs at. */
export const PUBLISHED = [
  // package.json "unpkg" and "main": the whole SDK, minified, its dependencies inside (UMD).
  { name: 'livekit-client', file: 'package/dist/livekit-client.umd.js' },
  // What Vonage's docs load from their CDN (https://unpkg.com/@opentok/client): the whole SDK, minified.
  { name: '@opentok/client', file: 'package/dist/js/opentok.min.js' },
];

function sizes(bytes) {
  return { minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

/** One published bundle: `npm pack` into `dir`, extract the file, measure. Never throws: a failure is a `notice`. */
async function published({ name, file }, version, dir) {
  const spec = `${name}@${version}`;
  try {
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', dir], {
      cwd: dir,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout);
    await run('tar', ['-xzf', join(dir, packed.filename), '-C', dir, file], { timeout: 60_000 });
    return {
      name,
      version: packed.version,
      file: file.replace(/^package\//, ''),
      ...sizes(readFileSync(join(dir, file))),
    };
  } catch (err) {
    const why = String(err?.stderr || err?.message || err)
      .split('\n')
      .find((line) => line.trim() !== '');
    return {
      name,
      version,
      file: file.replace(/^package\//, ''),
      notice: `could not fetch ${spec} (offline?): ${why}`,
    };
  }
}

/**
 * Sizes of our bundle and of the published ones (`versions`: name → version or dist-tag, default `latest`).
 * With `fetch: false` only ours.
 */
export async function bundleSizes({ fetch = true, versions = {} } = {}) {
  if (!existsSync(OUR_BUNDLE)) throw new Error(`${OUR_BUNDLE} is missing: run \`npm run build\` first`);
  const rows = [
    {
      name: '@stagepass/client',
      version: 'this build',
      file: 'dist/stagepass-client.min.js',
      ...sizes(readFileSync(OUR_BUNDLE)),
    },
  ];
  if (!fetch) return rows;
  const dir = mkdtempSync(join(tmpdir(), 'stagepass-bench-bundles-'));
  try {
    for (const entry of PUBLISHED) rows.push(await published(entry, versions[entry.name] ?? 'latest', dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
