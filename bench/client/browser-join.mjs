#!/usr/bin/env node
// One round of the browser join benchmark, alone in its process:
//   node bench/client/browser-join.mjs [--joins 12] [--warmup 1] [--resumes 0]
//
// Starts the real gateway with the demo routes (as `stagepass serve --dev`: in-memory registry, one app, every
// gateway option default) on 127.0.0.1, Debian's Chromium (/usr/bin/chromium, playwright-core, fake camera and
// microphone), and one publisher page (the demo page, role publisher, publishing its fake camera + microphone).
// Then, `--joins` times (after `--warmup` joins not counted): a fresh browser context opens the demo page as a
// subscriber of that session, waits until its script is ready, and clicks Join; the page stamps every step with
// its own performance.now() (bench/client/page-probe.mjs) until the publisher's first video frame is presented in
// the remote <video> (requestVideoFrameCallback). The page then clicks Leave and its context closes. With
// `--resumes N`, the publisher page (joined through a TCP proxy) then has its socket cut N times; the time from the
// cut to the page's status `connected` again is measured from this process's clock.
//
// Prints ONE JSON line on stdout: {"joins":[{marks…}], "warmup":[…], "resumes":[ms…], "candidates":{…}}. Exits 1
// (saying why on stderr) when Chromium is missing or a join fails; 2 on a usage mistake.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createGateway, createSqliteAppRegistry } from '@stagepass/gateway';
import { createDevRoutes } from '@stagepass/demo';
import { CHROMIUM_PATH } from './chromium-path.mjs';
import { PAGE_PROBE } from './page-probe.mjs';
// The client's test helper (compiled by the build): cuts every connection through it at once, as a network drop.
import { TcpProxy } from '../../packages/client/dist/test-support/tcp-proxy.js';

const WAIT_MS = 30_000;

function parseArgs(argv) {
  const options = { joins: 12, warmup: 1, resumes: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < 0) {
      process.stderr.write('usage: node bench/client/browser-join.mjs [--joins N] [--warmup N] [--resumes N]\n');
      process.exit(2);
    }
    options[name] = value;
  }
  return options;
}

async function startGateway() {
  const registry = createSqliteAppRegistry({ path: ':memory:' });
  const { app, secret } = registry.createApp({ name: 'Development app' });
  const gateway = createGateway({
    registry,
    port: 0,
    dev: createDevRoutes({ appId: app.appId, secret, kid: app.keys[0].kid }),
  });
  const { port } = await gateway.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await gateway.close({ drainMs: 500 });
      registry.close();
    },
  };
}

async function launch() {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
  const home = mkdtempSync(join(tmpdir(), 'stagepass-bench-chromium-'));
  mkdirSync(join(home, 'tmp'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    env: { ...process.env, HOME: home, TMPDIR: join(home, 'tmp') },
    timeout: WAIT_MS,
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Opens the demo page in a fresh context, prefilled from the query string, and waits until its script is ready. */
async function openPage(browser, url, { session, role, name }) {
  // Camera and microphone allowed for the publisher only, as a person would: a viewer is never asked.
  const permissions = role === 'subscriber' ? [] : ['camera', 'microphone'];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions });
  await context.addInitScript(PAGE_PROBE);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${url}/?${new URLSearchParams({ session, role, name })}`);
  // The module ran (prefill, bind, then setStatus): a click now goes to its handler.
  await page.waitForSelector('[data-testid="status"][data-state="disconnected"]', { state: 'attached' });
  return { context, page, problems };
}

async function joinPublisher(browser, url, session) {
  const publisher = await openPage(browser, url, { session, role: 'publisher', name: 'Publisher' });
  await publisher.page.getByTestId('join').click();
  await publisher.page.waitForSelector('[data-testid="status"][data-state="connected"]');
  await publisher.page.waitForSelector('[data-testid="local-video"]');
  return publisher;
}

/** One subscriber join: click → first remote frame; returns the page's marks relative to the click (ms). */
async function measureJoin(browser, url, session, n) {
  const { context, page, problems } = await openPage(browser, url, { session, role: 'subscriber', name: `Viewer${n}` });
  try {
    await page.getByTestId('join').click();
    await page.waitForFunction(() => window.__bench.marks.firstFrame !== undefined, null, {
      polling: 100,
      timeout: WAIT_MS,
    });
    // framesDecoded is polled every 10 ms: give it the same chance to land as the frame callback had.
    await page
      .waitForFunction(() => window.__bench.marks.framesDecoded !== undefined, null, {
        polling: 50,
        timeout: 2000,
      })
      .catch(() => {});
    const { marks, localCandidates } = await page.evaluate(() => window.__bench);
    const relative = {};
    for (const [name, t] of Object.entries(marks)) relative[name] = round1(t - marks.click);
    await page.getByTestId('leave').click();
    await page.waitForSelector('[data-testid="status"][data-state="disconnected"]');
    return { marks: relative, localCandidates };
  } catch (err) {
    throw new Error(`join ${n}: ${err.message}${problems.length > 0 ? `\npage errors: ${problems.join('\n')}` : ''}`);
  } finally {
    await context.close();
  }
}

/**
 * The publisher page joined through a TCP proxy: its socket cut `count` times. For each: the page's own time from
 * its status `reconnecting` to `connected` again, and this process's time from the cut to seeing `connected`.
 */
async function measureResumes(browser, gatewayUrl, count) {
  const proxy = await TcpProxy.start(gatewayUrl);
  const publisher = await joinPublisher(browser, proxy.url.replace(/^ws/, 'http'), `resume-${process.pid}`);
  const { page } = publisher;
  const streamId = () => page.getByTestId('local-video').getAttribute('data-stream-id');
  const published = await streamId();
  const resumes = [];
  try {
    for (let i = 0; i <= count; i++) {
      await page.waitForTimeout(200);
      // A rejoin would publish again, as a new stream: the same stream ID means the drop before was resumed.
      if ((await streamId()) !== published) throw new Error(`drop ${i}: rejoined (a new stream), not resumed`);
      if (i === count) break;
      const seen = await page.evaluate(() => window.__bench.states.length);
      const t0 = performance.now();
      proxy.cut();
      await page.waitForFunction((n) => window.__bench.states.slice(n).some(([state]) => state === 'connected'), seen, {
        polling: 'raf',
        timeout: WAIT_MS,
      });
      const cutToSeenMs = performance.now() - t0;
      const states = (await page.evaluate(() => window.__bench.states)).slice(seen);
      const away = states.find(([state]) => state === 'reconnecting');
      const back = states.find(([state]) => state === 'connected');
      if (away === undefined || states.some(([state]) => state === 'disconnected'))
        throw new Error(`drop ${i + 1}: the page went ${states.map(([state]) => state).join(' → ')}`);
      resumes.push({ inPageMs: round1(back[1] - away[1]), cutToSeenMs: round1(cutToSeenMs) });
    }
    return resumes;
  } finally {
    await publisher.context.close();
    await proxy.stop();
  }
}

const round1 = (x) => Math.round(x * 10) / 10;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const gateway = await startGateway();
  const chromiumBrowser = await launch();
  try {
    const session = `bench-${process.pid}`;
    const publisher = await joinPublisher(chromiumBrowser.browser, gateway.url, session);
    const warmup = [];
    for (let i = 0; i < options.warmup; i++)
      warmup.push(await measureJoin(chromiumBrowser.browser, gateway.url, session, `W${i + 1}`));
    const joins = [];
    for (let i = 0; i < options.joins; i++)
      joins.push(await measureJoin(chromiumBrowser.browser, gateway.url, session, i + 1));
    await publisher.context.close();
    const resumes =
      options.resumes > 0 ? await measureResumes(chromiumBrowser.browser, gateway.url, options.resumes) : [];
    process.stdout.write(`${JSON.stringify({ joins, warmup, resumes })}\n`);
  } finally {
    await chromiumBrowser.close();
    await gateway.close();
  }
}

main().catch((err) => {
  process.stderr.write(`browser-join.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
