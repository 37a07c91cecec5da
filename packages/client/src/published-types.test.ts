import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const pkg = new URL('..', import.meta.url).pathname;
const tsc = new URL('../../../node_modules/typescript/bin/tsc', import.meta.url).pathname;

// A tiny app, as a user writes it: every public shape used once, typed events checked both ways.
const CONSUMER = `
import { connect, isStagepassError, type DisconnectedEvent, type Publisher, type Session, type SignalEvent } from '@stagepass/client';

export async function main(token: () => Promise<string>, camera: MediaStream): Promise<boolean> {
  const session: Session = await connect({ url: 'wss://video.example.com', appId: 'app', sessionId: 's1', token,
    iceServers: [{ urls: 'stun:stun.example.com:3478' }] });
  session.on('signal:chat', (event: SignalEvent) => { const text: string = event.data; void text; });
  session.on('disconnected', (event: DisconnectedEvent) => { if (event.code === 'ERR_TOKEN_EXPIRED') void event.message; });
  session.on('streamCreated', async ({ stream, local }) => {
    if (local) return;
    const sub = await session.subscribe(stream.id);
    const remote: MediaStream = sub.mediaStream;
    void remote;
  });
  session.on('muteForced', ({ publisher }) => { void publisher?.setAudioEnabled(true); });
  // @ts-expect-error: not an event of a session
  session.on('streamCreatd', () => {});
  // @ts-expect-error: a signal event has no stream
  session.on('signal', (event) => event.stream);
  const pub: Publisher = await session.publish(camera, { name: 'me', videoType: 'camera' });
  await pub.setVideoEnabled(false);
  try {
    await session.signal({ data: 'hi', type: 'chat', to: [...session.connections.keys()] });
  } catch (err) {
    if (isStagepassError(err) && err.code === 'ERR_CAPABILITY_DENIED') return false;
  }
  for (const stream of session.streams.values()) void stream.hasAudio;
  await session.forceMuteAll({ excludedStreamIds: [pub.streamId] });
  await session.disconnect();
  return session.capabilities.publish && session.forceMute.active && session.expireTime > 0;
}
`;

// The same for @stagepass/client/ot: OpenTok.js-style code, typed.
const OT_CONSUMER = `
import OT, { type OTError, type Publisher, type Stream } from '@stagepass/client/ot';

export function main(token: string): void {
  const session = OT.initSession('app', 's1', { url: 'wss://video.example.com' });
  const publisher: Publisher = OT.initPublisher('publisher', { name: 'me', insertMode: 'append', width: '100%' });
  session.on('streamCreated', (event) => {
    const stream: Stream = event.stream;
    session.subscribe(stream, 'subscribers', { insertMode: 'append' }, (error?: OTError) => void error?.code);
  });
  session.on('signal:chat', (event) => void [event.data, event.from?.data]);
  session.on({ sessionDisconnected: (event) => void event.reason, muteForced: (event) => void event.active }, {});
  // @ts-expect-error: a stream event has no data
  session.on('streamDestroyed', (event) => event.data);
  session.connect(token, (error) => {
    if (error?.name === 'OT_AUTHENTICATION_ERROR') return;
    if (session.capabilities.permittedTo('publish')) session.publish(publisher, () => {});
  });
  void session.forceMuteAll([]).then(() => session.disableForceMute());
  void OT.checkSystemRequirements();
}
`;

/** The first TypeScript example of docs/client.md (the one for the README), given its two free variables. */
function docsExample(): string {
  const doc = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'docs/client.md has a ts example');
  return `declare const appId: string, sessionId: string;\n${example}`;
}

describe('published declarations', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stagepass-client-types-'));
    mkdirSync(join(dir, 'node_modules', '@stagepass'), { recursive: true });
    symlinkSync(pkg, join(dir, 'node_modules', '@stagepass', 'client'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(dir, 'app.ts'), CONSUMER);
    writeFileSync(join(dir, 'ot-app.ts'), OT_CONSUMER);
    writeFileSync(join(dir, 'example.ts'), docsExample());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [module, moduleResolution] of [
    ['node16', 'node16'],
    ['esnext', 'bundler'],
  ] as const) {
    it(`a consumer compiles with tsc --strict, skipLibCheck false, moduleResolution ${moduleResolution}`, () => {
      const config = join(dir, `tsconfig.${moduleResolution}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          compilerOptions: {
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            module,
            moduleResolution,
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            types: [],
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
          },
          files: ['app.ts', 'example.ts', 'ot-app.ts'],
        }),
      );
      const run = spawnSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    });
  }

  it('imports nothing but @stagepass/protocol and its own files (no devDependency, no Node types)', () => {
    const dist = join(pkg, 'dist');
    const declarations = readdirSync(dist, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.d.ts') && !f.includes('.test.') && !f.startsWith('test-support'));
    for (const file of declarations) {
      const text = readFileSync(join(dist, file), 'utf8');
      for (const [, from] of text.matchAll(/^(?:import|export)\b[^;]*? from '([^']+)';/gm)) {
        const local = from!.startsWith('./') || (file.startsWith('ot/') && from!.startsWith('../'));
        assert.ok(from === '@stagepass/protocol' || local, `${file} imports ${from}`);
      }
      // tsc inlines types of the ot/ facade as import("./…") of its own files: only those are allowed.
      assert.doesNotMatch(text.replaceAll('import("./', ''), /reference types=|import\(|NodeJS\.|Buffer/, file);
    }
  });
});
