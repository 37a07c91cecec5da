// werift for the media benchmark's processes: the exact copy the gateway uses (packages/gateway's
// pinned dependency), resolved from there since bench/ has no node_modules of its own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
const require = createRequire(join(root, 'packages', 'gateway', 'package.json'));

/**
 * The werift module, its ESM build (`exports["."].import`), the one the gateway's `import('werift')` loads:
 * werift ships a CJS build too, and the two differ in cost (one bundle vs many files).
 */
const main = require.resolve('werift'); // …/node_modules/werift/<its CJS main>
const dir = main.slice(0, main.lastIndexOf(`${sep}werift${sep}`) + `${sep}werift`.length);
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
export const werift = await import(pathToFileURL(join(dir, pkg.exports['.'].import)).href);

/** A wall-clock time in ms with sub-ms resolution, comparable between processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** A PeerConnection with the gateway's codecs (VP8 + Opus), host candidates only, one bundled transport. */
export function peer() {
  const { RTCPeerConnection, RTCRtpCodecParameters } = werift;
  return new RTCPeerConnection({
    iceServers: [],
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        }),
      ],
    },
  });
}

/** `{type, sdp}` of a PeerConnection's local description (werift puts every candidate in it). */
export function sdpOf(pc) {
  const d = pc.localDescription;
  if (d == null) throw new Error('no local description');
  return { type: d.type, sdp: d.sdp };
}

/** Replies to IPC requests `{rid, ...}` with `{rid, result}` or `{rid, error}`. */
export function serveIpc(handle) {
  process.on('message', async (message) => {
    // A clean exit, so that --cpu-prof writes its profile.
    if (message.cmd === 'exit') process.exit(0);
    try {
      process.send({ rid: message.rid, result: await handle(message) });
    } catch (err) {
      process.send({ rid: message.rid, error: String(err?.stack ?? err) });
    }
  });
  // The orchestrator gone: so are we.
  process.on('disconnect', () => process.exit(0));
}
