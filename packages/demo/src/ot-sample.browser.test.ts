/**
 * The OpenTok.js sample page (packages/client/examples/ot-sample, ordinary OpenTok.js code) in Debian's Chromium with
 * fake camera and microphone, against the real gateway, with only two changes: its opentok.min.js script tag points
 * at our stagepass-ot.min.js, and OT.initSession gets `{ url }`. Three pages (publisher, subscriber, moderator):
 * publish, subscribe with decoded frames and heard audio, signals, force-mute, force-disconnect, leave.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createGateway, createSqliteAppRegistry, type Gateway } from '@stagepass/gateway';
import { createSessionId, createToken } from '@stagepass/token';
import type { BrowserContext, Page } from 'playwright-core';
import {
  WAIT_MS,
  browserSkipReason,
  launchChromium,
  mediaProbe,
  waitForMedia,
  waitForSilence,
  type DemoBrowser,
} from './test-support/browser.js';

const SAMPLE_DIR = fileURLToPath(new URL('../../client/examples/ot-sample/', import.meta.url));
const OT_BUNDLE = fileURLToPath(import.meta.resolve('@stagepass/client/stagepass-ot.min.js'));
/** The two lines a migration changes, as the sample has them. */
const OPENTOK_SCRIPT = '<script src="https://unpkg.com/@opentok/client@2"></script>';
const INIT_SESSION = 'OT.initSession(API_KEY, SESSION_ID)';

/** `text` with `from` replaced by `to`, which must occur exactly once. */
function replaceOnce(text: string, from: string, to: string, file: string): string {
  const parts = text.split(from);
  assert.equal(parts.length, 2, `${file} has ${from} exactly once`);
  return parts.join(to);
}

/** The recorded RTCPeerConnections, and the inbound media of the subscriber in the card of the stream named `key`. */
const MEDIA_PROBE = mediaProbe(`'.card[data-name="' + key + '"] .OT_subscriber video'`);

/** What the tampering script leaves on `window`. */
interface Tampered {
  readonly __otExceptions: { code: number; title: string; message: string }[];
  readonly __tampered: string[];
}

/**
 * Before the page's scripts: every `webrtc` offer or answer the page sends over the WebSocket gets an SDP with no
 * media section (which the gateway cannot use), and every OT 'exception' is recorded. `OT` is caught as the
 * facade's classic script assigns it, so the listener is there before the page connects and publishes.
 */
const TAMPER_SDP = `(() => {
  window.__otExceptions = [];
  window.__tampered = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('"webrtc"')) {
      const message = JSON.parse(data);
      if (message.type === 'webrtc' && (message.kind === 'offer' || message.kind === 'answer')) {
        window.__tampered.push(message.kind);
        message.payload = { type: message.kind, sdp: 'v=0\\r\\no=- 0 0 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n' };
        data = JSON.stringify(message);
      }
    }
    return send.call(this, data);
  };
  let ot;
  Object.defineProperty(window, 'OT', {
    configurable: true,
    get: () => ot,
    set: (value) => {
      ot = value;
      value.on('exception', (e) => window.__otExceptions.push({ code: e.code, title: e.title, message: e.message }));
    },
  });
})();`;

interface SamplePage {
  readonly name: string;
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: string[];
}

describe('the OpenTok.js sample page on the OT facade in Chromium', { skip: browserSkipReason() }, () => {
  let gateway: Gateway;
  let registry: ReturnType<typeof createSqliteAppRegistry>;
  let chromium: DemoBrowser;
  let base = '';
  let appId = '';
  let appSecret = '';
  const configs = new Map<string, string>();
  const open: SamplePage[] = [];

  /** Serves the sample (per page: /p/KEY/…, its config.js with that page's token) and the facade bundle. */
  const routes = (url: () => string) => {
    const sample = (file: string) => readFileSync(`${SAMPLE_DIR}${file}`, 'utf8');
    const files = new Map<string, [string, string]>([
      [
        'index.html',
        [
          'text/html',
          replaceOnce(
            sample('index.html'),
            OPENTOK_SCRIPT,
            '<script src="/stagepass-ot.min.js"></script>',
            'index.html',
          ),
        ],
      ],
      ['style.css', ['text/css', sample('style.css')]],
    ]);
    return (req: IncomingMessage, res: ServerResponse): boolean => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (type: string, body: string | Buffer) => {
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
        res.end(body);
        return true;
      };
      if (path === '/stagepass-ot.min.js') return send('text/javascript', readFileSync(OT_BUNDLE));
      const match = /^\/p\/([a-z]+)\/([a-z.]+)$/.exec(path);
      if (match === null) return false;
      const [, key, file] = match as unknown as [string, string, string];
      if (file === 'config.js' && configs.has(key)) return send('text/javascript', configs.get(key)!);
      if (file === 'app.js') {
        const app = replaceOnce(
          sample('app.js'),
          INIT_SESSION,
          `OT.initSession(API_KEY, SESSION_ID, { url: '${url()}' })`,
          'app.js',
        );
        return send('text/javascript', app);
      }
      const served = files.get(file);
      return served === undefined ? false : send(served[0], served[1]);
    };
  };

  before(async () => {
    registry = createSqliteAppRegistry({ path: ':memory:' });
    const { app, secret } = registry.createApp({ name: 'OT sample' });
    gateway = createGateway({ registry, port: 0, dev: routes(() => base.replace('http', 'ws')) });
    const { port } = await gateway.listen();
    base = `http://127.0.0.1:${port}`;
    appId = app.appId;
    appSecret = secret;
    chromium = await launchChromium();
  });
  after(async () => {
    for (const p of open.splice(0)) await p.context.close();
    await chromium?.close();
    await gateway?.close({ drainMs: 500 });
    registry?.close();
  });

  const openPage = async (name: string, role: string, sessionId: string, initScript?: string): Promise<SamplePage> => {
    const key = name.toLowerCase();
    const token = createToken({ appId, secret: appSecret, sessionId, role: role as 'publisher', data: `name=${name}` });
    configs.set(key, `const API_KEY = '${appId}';\nconst SESSION_ID = '${sessionId}';\nconst TOKEN = '${token}';\n`);
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(MEDIA_PROBE);
    if (initScript !== undefined) await context.addInitScript(initScript);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.stack ?? err.message}`));
    page.on('console', (msg) => {
      // Failed loads are recorded with their URL below.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      // The browser asks for a favicon the sample does not have.
      if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${base}/p/${key}/index.html`);
    await page.locator('#status', { hasText: `Connected as name=${name}` }).waitFor();
    const sample = { name, page, context, problems };
    open.push(sample);
    return sample;
  };
  const logLine = (p: SamplePage, text: string) => p.page.locator('#log li', { hasText: text }).waitFor();
  const card = (p: SamplePage, name: string) => p.page.locator(`.card[data-name="name=${name}"]`);

  it('publish, subscribe (frames decoded, audio heard), chat over signals, force-mute, mute all, force-disconnect and leave, with OpenTok.js’s events and reasons', async () => {
    const sessionId = `ot-sample-${process.pid}`;
    const ada = await openPage('Ada', 'publisher', sessionId);
    await ada.page.locator('#publisher.OT_publisher video, #publisher .OT_publisher video').first().waitFor();
    await logLine(ada, 'Publishing as name=Ada');
    const bob = await openPage('Bob', 'subscriber', sessionId);
    const mia = await openPage('Mia', 'moderator', sessionId);

    // Subscribe: Bob and Mia decode Ada's video and hear her.
    for (const viewer of [bob, mia]) {
      await card(viewer, 'Ada').locator('.OT_subscriber video').waitFor();
      await waitForMedia(
        viewer.page,
        'name=Ada',
        (m) => m.framesDecoded > 0 && m.audioEnergy > 0,
        `${viewer.name} gets Ada`,
      );
    }
    await waitForMedia(bob.page, 'name=Mia', (m) => m.framesDecoded > 0, 'Bob sees Mia');
    // A subscriber does not publish (the page asks capabilities.permittedTo), and sees no moderator controls.
    assert.equal(await bob.page.locator('#publisher video').count(), 0);
    assert.equal(await card(bob, 'Ada').locator('button').count(), 0);
    assert.equal(await bob.page.locator('#moderation').isVisible(), false);
    await logLine(ada, 'name=Bob joined');

    // Signals: everyone sees Bob's message with his connection data; Bob's own as his.
    await bob.page.locator('#msgTxt').fill('hello from Bob');
    await bob.page.locator('#chat button').click();
    for (const p of [ada, bob, mia])
      await p.page.locator('#history li', { hasText: 'name=Bob: hello from Bob' }).waitFor();
    assert.equal(await bob.page.locator('#history li.mine').count(), 1);
    assert.equal(await ada.page.locator('#history li.theirs').count(), 1);

    // Moderation refused to a subscriber, with OpenTok.js's name and code.
    // `session` is the page's own top-level const.
    const refused = await bob.page.evaluate('session.forceMuteAll().then(() => null, (e) => [e.name, e.code])');
    assert.deepEqual(refused, ['OT_PERMISSION_DENIED', 1540]);

    // Force-mute Ada: her page is told and her microphone track is off; everyone sees hasAudio false and hears silence.
    await card(mia, 'Ada').locator('button.mute').click();
    await logLine(ada, 'A moderator muted your microphone.');
    const adaTracks = await ada.page.evaluate(() =>
      ((document.querySelector('#publisher video') as HTMLVideoElement).srcObject as MediaStream)
        .getAudioTracks()
        .map((t) => t.enabled),
    );
    assert.deepEqual(adaTracks, [false]);
    for (const viewer of [bob, mia]) {
      await card(viewer, 'Ada').locator('.name', { hasText: '(muted)' }).waitFor();
      await waitForSilence(viewer.page, 'name=Ada');
    }

    // Mute everyone and lift it: the session's muteForced, active true then false.
    await mia.page.locator('#mute-all').click();
    await logLine(bob, 'A moderator muted everyone.');
    await mia.page.locator('#lift-mute').click();
    await logLine(bob, 'A moderator lifted the mute.');

    // Force-disconnect Ada: her session ends "forceDisconnected", her publisher is removed; the others see why.
    await card(mia, 'Ada').locator('button.remove').click();
    await ada.page.locator('#status[data-reason="forceDisconnected"]').waitFor();
    await logLine(ada, 'Your stream ended (forceDisconnected)');
    assert.equal(await ada.page.locator('#publisher video').count(), 0);
    for (const viewer of [bob, mia]) {
      await logLine(viewer, 'name=Ada stopped publishing (forceDisconnected)');
      await logLine(viewer, 'name=Ada left (forceDisconnected)');
      await card(viewer, 'Ada').waitFor({ state: 'detached' });
    }

    // Mia leaves: "clientDisconnected" for her and for Bob.
    await mia.page.locator('#leave').click();
    await mia.page.locator('#status[data-reason="clientDisconnected"]').waitFor();
    await logLine(bob, 'name=Mia stopped publishing (clientDisconnected)');
    await logLine(bob, 'name=Mia left (clientDisconnected)');
    await card(bob, 'Mia').waitFor({ state: 'detached' });
    for (const p of [ada, bob, mia]) assert.deepEqual(p.problems, [], `${p.name}'s page reported no errors`);
    assert.equal(await ada.page.locator('#log li.error').count(), 0);
  });
  it("reports a routed media link the gateway could not negotiate as OpenTok.js does: OT 'exception' 1553 (publisher) and 1554 (subscriber)", async () => {
    const sessionId = createSessionId({ appId, mediaMode: 'routed' });
    const ada = await openPage('Ada', 'publisher', sessionId, TAMPER_SDP);
    const bob = await openPage('Bob', 'subscriber', sessionId, TAMPER_SDP);
    const exceptions = async (p: SamplePage, code: number) => {
      await p.page.waitForFunction((c) => (window as never as Tampered).__otExceptions.some((e) => e.code === c), code);
      return (await p.page.evaluate(() => (window as never as Tampered).__otExceptions)).filter((e) => e.code === code);
    };
    const [upload] = await exceptions(ada, 1553);
    assert.equal(upload!.title, 'Publisher ICEWorkflow failed');
    assert.match(upload!.message, /upload/, "the gateway's reason, naming the upload");
    const [download] = await exceptions(bob, 1554);
    assert.equal(download!.title, 'Subscriber ICEWorkflow failed');
    // The session goes on: the pages stay connected and a signal still goes through.
    await bob.page.locator('#msgTxt').fill('still here');
    await bob.page.locator('#chat button').click();
    await ada.page.locator('#history li', { hasText: 'name=Bob: still here' }).waitFor();
    for (const p of [ada, bob]) {
      assert.equal(
        await p.page.locator('#status', { hasText: 'Connected as' }).count(),
        1,
        `${p.name} stays connected`,
      );
      assert.deepEqual(
        await p.page.evaluate(() => (window as never as Tampered).__tampered),
        p === ada ? ['offer'] : ['answer'],
        `${p.name}'s page sent one unusable SDP`,
      );
    }
  });
});
