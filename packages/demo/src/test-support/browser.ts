/**
 * Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven by playwright-core, with fake
 * camera and microphone, HOME and TMPDIR in a temp folder. Under CI=true a missing Chromium is a failure;
 * locally the browser tests skip with a loud notice.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Every wait on a condition: generous, the machine is shared. */
export const WAIT_MS = 20_000;
/** Screenshots of each role's view (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * `undefined` when the browser tests run, else why they skip. Under CI=true they never skip: a missing Chromium
 * makes {@link launchChromium} fail the suite. Locally a missing one skips with a loud notice.
 */
export function browserSkipReason(
  chromiumPresent = existsSync(CHROMIUM_PATH),
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (chromiumPresent || env.CI === 'true') return undefined;
  const reason = `${CHROMIUM_PATH} is missing (apt-get install -y chromium)`;
  console.error(`\n${'!'.repeat(78)}\n!! BROWSER TESTS SKIPPED: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}

export interface DemoBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Launch options shared by every browser the tests start: fake devices, and HOME/TMPDIR in `home`. */
function launchOptions(path: string, home: string) {
  return {
    executablePath: path,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
    env: { ...process.env, HOME: home, TMPDIR: join(home, 'tmp') },
    timeout: WAIT_MS,
  };
}

function chromiumHome(path: string): string {
  if (!existsSync(path))
    throw new Error(`${path} is missing: .ci/run must apt-get install -y chromium (never a skip in CI)`);
  const home = mkdtempSync(join(tmpdir(), 'stagepass-chromium-'));
  mkdirSync(join(home, 'tmp'));
  return home;
}

export async function launchChromium(path = CHROMIUM_PATH): Promise<DemoBrowser> {
  const home = chromiumHome(path);
  const browser = await chromium.launch(launchOptions(path, home));
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A browser whose processes a test can stop and continue (SIGSTOP / SIGCONT), e.g. a subscriber that stops reading. */
export interface StoppableBrowser extends DemoBrowser {
  /** Sends `signal` to every process of this browser (Playwright starts it as the leader of its own process group). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

/** Like {@link launchChromium}, through a browser server, so that the browser's process ID is known. */
export async function launchStoppableChromium(path = CHROMIUM_PATH): Promise<StoppableBrowser> {
  const home = chromiumHome(path);
  const server = await chromium.launchServer(launchOptions(path, home));
  const pid = server.process().pid;
  if (pid === undefined) throw new Error('the browser server has no process ID');
  const browser = await chromium.connect(server.wsEndpoint(), { timeout: WAIT_MS });
  return {
    browser,
    signal(signal) {
      process.kill(-pid, signal);
    },
    async close() {
      try {
        process.kill(-pid, 'SIGCONT'); // a test that failed while it was stopped
      } catch {
        // already gone
      }
      await browser.close();
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * A script recorded in every page before its own scripts run: it keeps the RTCPeerConnections the page
 * makes, and defines `window.__inbound(key)`, the inbound media (getStats) of the tracks of the `<video>`
 * that `videoSelector` finds — a JavaScript expression of `key` giving a CSS selector.
 */
export function mediaProbe(videoSelector: string): string {
  return `
  window.__pcs = [];
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
  window.__inbound = async (key) => {
    const video = document.querySelector(${videoSelector});
    const ids = new Set((video && video.srcObject ? video.srcObject.getTracks() : []).map((t) => t.id));
    const out = { framesDecoded: 0, audioEnergy: 0, audioPackets: 0 };
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      if (!pc.getReceivers().some((r) => r.track && ids.has(r.track.id))) continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') out.framesDecoded += r.framesDecoded || 0;
        if (r.kind === 'audio') { out.audioEnergy += r.totalAudioEnergy || 0; out.audioPackets += r.packetsReceived || 0; }
      });
    }
    return out;
  };
`;
}

/** The demo page's probe: `key` is a stream ID, its `<video data-stream-id>` tile the video. */
const MEDIA_PROBE = mediaProbe(`'[data-testid="remote-video"][data-stream-id="' + key + '"]'`);

export interface Participant {
  readonly name: string;
  readonly page: Page;
  readonly context: BrowserContext;
  /** Messages the page logged as errors, and uncaught exceptions: shown when a test fails. */
  readonly problems: string[];
}

export interface JoinOptions {
  readonly name: string;
  readonly role: 'subscriber' | 'publisher' | 'publisheronly' | 'moderator';
  readonly session: string;
  /** The page's Media choice (its `media` query parameter); default relayed. */
  readonly media?: 'relayed' | 'routed';
  /** Wait for `connected` (default true). */
  readonly expectConnected?: boolean;
  /** The person refuses camera and microphone: getUserMedia rejects NotAllowedError, as after a "Block". */
  readonly refuseCamera?: boolean;
  /** A script run in the page before its own (after the media probe), e.g. one forcing relay-only ICE. */
  readonly initScript?: string;
}

const REFUSE_CAMERA = `
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
`;

/** A fresh browser context opens the demo page prefilled from the query string and clicks Join. */
export async function joinDemo(browser: Browser, url: string, options: JoinOptions): Promise<Participant> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(MEDIA_PROBE);
  if (options.refuseCamera === true) await context.addInitScript(REFUSE_CAMERA);
  if (options.initScript !== undefined) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.stack ?? err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  const query = new URLSearchParams({ session: options.session, role: options.role, name: options.name });
  if (options.media === 'routed') query.set('media', 'routed');
  await page.goto(`${url}/?${query}`);
  await page.getByTestId('join').click();
  if (options.expectConnected !== false) {
    await page.waitForSelector('[data-testid="status"][data-state="connected"]');
    if (options.role !== 'subscriber' && options.refuseCamera !== true)
      await page.waitForSelector('[data-testid="local-video"]');
  }
  return { name: options.name, page, context, problems };
}

export interface InboundMedia {
  readonly framesDecoded: number;
  readonly audioEnergy: number;
  readonly audioPackets: number;
}

export function inboundMedia(page: Page, streamId: string): Promise<InboundMedia> {
  return page.evaluate(
    (id) => (window as unknown as { __inbound(id: string): Promise<InboundMedia> }).__inbound(id),
    streamId,
  );
}

/** Polls the page's getStats for one remote stream until `done` holds, up to WAIT_MS; returns the last sample. */
export async function waitForMedia(
  page: Page,
  streamId: string,
  done: (media: InboundMedia) => boolean,
  what: string,
): Promise<InboundMedia> {
  const deadline = Date.now() + WAIT_MS;
  let last = await inboundMedia(page, streamId);
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms (last ${JSON.stringify(last)})`);
    await page.waitForTimeout(250);
    last = await inboundMedia(page, streamId);
  }
  return last;
}

/**
 * A disabled track still sends frames of digital near-silence: their energy grows by ~1e-9 per sample, while the
 * fake microphone's beeps add ~1e-2 per second. Below this over ~2 s is silence.
 */
const SILENT_ENERGY = 1e-5;

/**
 * Waits until the remote stream's audio is silent: the received energy stays (all but) the same over four samples
 * 600 ms apart (about 2 s, longer than the fake microphone's beep period) while its packets keep coming.
 */
export async function waitForSilence(page: Page, streamId: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let samples: InboundMedia[] = [await inboundMedia(page, streamId)];
  for (;;) {
    await page.waitForTimeout(600);
    samples = [...samples, await inboundMedia(page, streamId)].slice(-4);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    if (
      samples.length === 4 &&
      last.audioEnergy - first.audioEnergy < SILENT_ENERGY &&
      last.audioPackets > first.audioPackets
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`audio of ${streamId} not silent within ${WAIT_MS} ms: ${JSON.stringify(samples)}`);
  }
}

/** The stream ID of the tile whose name is `name` in this page. */
export async function remoteStreamIdOf(page: Page, name: string): Promise<string> {
  const video = page.locator('.tile', { hasText: name }).locator('[data-testid="remote-video"]');
  await video.waitFor();
  return (await video.getAttribute('data-stream-id'))!;
}

export async function screenshot(participant: Participant, file: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await participant.page.screenshot({ path: join(ARTIFACTS_DIR, file), fullPage: true });
}

/** Raw protocol from inside a page (no SDK): joins with a fresh /dev/token and sends `requests`, returning the replies. */
export function rawRequests(
  page: Page,
  options: { sessionId: string; role: string; requests: readonly Record<string, unknown>[] },
): Promise<Record<string, unknown>[]> {
  return page.evaluate(async ({ sessionId, role, requests }) => {
    const res = await fetch('/dev/token', {
      method: 'POST',
      body: JSON.stringify({ sessionId, role, data: 'name=raw' }),
    });
    const { token, appId } = (await res.json()) as { token: string; appId: string };
    const query = new URLSearchParams({ appId, sessionId });
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/v1/connect?${query}`);
    const replies: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ type: 'connect', v: 1, token }));
      ws.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as Record<string, unknown>;
        if (message.type === 'connected') {
          for (const request of requests) ws.send(JSON.stringify(request));
        } else if ((message.type === 'ack' || message.type === 'error') && typeof message.id === 'number') {
          replies.push(message);
          if (replies.length === requests.length) resolve();
        }
      };
    });
    ws.onclose = null;
    ws.close();
    return replies;
  }, options);
}
