/**
 * `stagepass session …` end to end: spawns the real bin against an in-test HTTP server running the
 * gateway's REST handler (SQLite registry in memory, in-memory session core, fake peers joined into
 * sessions), and checks stdout, stderr, exit codes and what the peers received. Also a table of
 * argv → options for the parser. No secret, private key or app JWT is ever printed.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../test-support/run-cli.js';
import {
  createMemorySessionService,
  createRestHandler,
  createSqliteAppRegistry,
  type AdmittedClient,
  type Outbound,
  type Peer,
  type SqliteAppRegistry,
  type SessionService,
} from '@stagepass/gateway';
import { CAPABILITIES, isErrorCode, type ServerMessage } from '@stagepass/protocol';
import { parseCommandLine } from '../parse-command-line.js';
import { isUsageError } from '../usage-error.js';

let registry: SqliteAppRegistry;
let sessions: SessionService;
let server: Server;
let url = '';
let deadUrl = '';
let appId = '';
let secret = '';
let dir = '';
/** Everything that must never appear in any output. */
const NEVER_PRINTED: string[] = [];

type Result = CliResult;

/** Runs the real bin (asynchronously: this process serves its requests meanwhile). */
function stagepass(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return runCli(args, { env, neverPrinted: NEVER_PRINTED, forbidden: [/eyJ[\w-]+\.[\w-]+\.[\w-]+/] });
}

/**
 * `stagepass session WORD …` with the gateway URL and the app's credentials first. Gateway IDs are
 * base64url and may start with "-": tests pass them after "--" or as --flag=ID, as users must.
 */
const session = (word: string, ...args: string[]) =>
  stagepass(['session', word, '--url', url, '--app-id', appId, '--secret', secret, ...args]);

function json(result: Result): Record<string, unknown> {
  assert.ok(result.stdout.endsWith('\n') && !result.stdout.trimEnd().includes('\n'), 'one JSON line');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** A peer that keeps what it was sent. */
class FakePeer implements Peer {
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | undefined;
  send(message: Outbound): void {
    this.texts.push(message.text);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  of(type: ServerMessage['type']): ServerMessage[] {
    return this.texts.map((t) => JSON.parse(t) as ServerMessage).filter((m) => m.type === type);
  }
}

async function join(
  sessionId: string,
  extra: Partial<AdmittedClient> = {},
): Promise<{ id: string; peer: FakePeer; client: AdmittedClient }> {
  const now = Math.floor(Date.now() / 1000);
  const client: AdmittedClient = {
    appId,
    sessionId,
    role: 'publisher',
    capabilities: CAPABILITIES.publisher,
    data: null,
    tokenId: randomBytes(16).toString('base64url'),
    issuedAt: now - 60,
    expireTime: now + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
    ...extra,
  };
  const peer = new FakePeer();
  return { id: await sessions.join(client, peer), peer, client };
}
function publish(who: { id: string; peer: FakePeer }): string {
  sessions.handle(who.id, { type: 'publish', id: 5, hasAudio: true, hasVideo: true });
  const ack = who.peer.of('ack').find((m) => m.type === 'ack' && m.id === 5);
  assert.ok(ack?.type === 'ack');
  return ack.result.streamId as string;
}
const closeOf = (peer: FakePeer): FakePeer['closed'] => peer.closed;

before(async () => {
  dir = mkdtempSync(joinPath(tmpdir(), 'stagepass-session-'));
  registry = createSqliteAppRegistry({ path: ':memory:' });
  const created = registry.createApp({ name: 'cli-test' });
  appId = created.app.appId;
  secret = created.secret;
  const ed = generateKeyPairSync('ed25519');
  const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(joinPath(dir, 'ed25519.pem'), edPem);
  registry.addKey(appId, {
    kid: 'ed-1',
    publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  NEVER_PRINTED.push(secret, edPem.split('\n')[1]!);
  sessions = createMemorySessionService();
  server = createServer(createRestHandler({ registry, sessions, replay: registry }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port nobody listens on: taken, then given back.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
after(async () => {
  sessions.closeAll(1001, 'ERR_SERVER_SHUTTING_DOWN');
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stagepass session: create → show → signal → mute-all → revoke', () => {
  it('walks a session through the REST API', async () => {
    // create, with --json and plain (the bare ID, for $(…))
    const created = await session('create', '--session-id', 'room-1', '--json');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
    const out = json(created);
    assert.deepEqual(Object.keys(out).sort(), ['createdAt', 'mediaMode', 'sessionId']);
    assert.equal(out.sessionId, 'room-1');
    const plain = await session('create');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^[\x21-\x7e]{1,256}\n$/);
    assert.ok((await sessions.getSession(appId, plain.stdout.trim())) !== undefined);
    assert.equal(out.mediaMode, 'relayed');
    const routed = json(await session('create', '--routed', '--json'));
    assert.equal(routed.mediaMode, 'routed');
    assert.equal((await sessions.getSession(appId, routed.sessionId as string))?.mediaMode, 'routed');
    // Without a flag the app's mediaMode setting decides; --relayed overrides it.
    registry.updateSettings(appId, { mediaMode: 'routed' });
    assert.equal(json(await session('create', '--json')).mediaMode, 'routed');
    assert.equal(json(await session('create', '--relayed', '--json')).mediaMode, 'relayed');
    registry.updateSettings(appId, { mediaMode: 'relayed' });
    assert.equal((await session('create', '--routed', '--relayed')).code, 2, 'the two flags conflict');

    // show
    const a = await join('room-1', { data: 'user=1' });
    const b = await join('room-1');
    const streamA = publish(a);
    const streamB = publish(b);
    const shown = await session('show', 'room-1', '--json');
    assert.equal(shown.code, 0, shown.stderr);
    const view = json(shown);
    assert.equal(view.sessionId, 'room-1');
    assert.deepEqual(
      (view.connections as { id: string }[]).map((c) => c.id),
      [a.id, b.id],
    );
    assert.deepEqual(
      (view.streams as { id: string }[]).map((s) => s.id),
      [streamA, streamB],
    );
    assert.deepEqual(view.forceMute, { active: false, excludedStreamIds: [] });
    const text = await session('show', 'room-1');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^session room-1, created \d{4}-/);
    assert.ok(text.stdout.includes(a.id) && text.stdout.includes('data: "user=1"') && text.stdout.includes(streamB));
    assert.match(text.stdout, /force mute: off\n$/);

    // signal everyone, then one connection
    const signalled = await session('signal', 'room-1', '--type', 'chat', '--data', 'hello all');
    assert.equal(signalled.code, 0, signalled.stderr);
    assert.equal(signalled.stdout, 'signal "chat" sent to everyone in session room-1\n');
    const expected = '{"type":"signal","from":null,"signalType":"chat","data":"hello all"}';
    assert.equal(a.peer.texts.at(-1), expected);
    assert.equal(b.peer.texts.at(-1), expected);
    const one = await session('signal', `--to=${b.id}`, '--data=-just you', '--json', '--', 'room-1');
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(json(one), { sessionId: 'room-1', to: b.id, type: '' });
    assert.equal(b.peer.texts.at(-1), '{"type":"signal","from":null,"signalType":"","data":"-just you"}');
    assert.equal(a.peer.texts.at(-1), expected);

    // mute-all with an exclusion, then unmute-all
    const muted = await session('mute-all', `--exclude=${streamA}`, '--json', 'room-1');
    assert.equal(muted.code, 0, muted.stderr);
    assert.deepEqual(json(muted), { sessionId: 'room-1', forceMute: { active: true, excludedStreamIds: [streamA] } });
    assert.deepEqual(b.peer.of('muteForced'), [{ type: 'muteForced', streamId: streamB }]);
    assert.deepEqual(a.peer.of('muteForced'), []);
    assert.deepEqual((await sessions.getSession(appId, 'room-1'))!.forceMute, {
      active: true,
      excludedStreamIds: [streamA],
    });
    const unmuted = await session('unmute-all', 'room-1');
    assert.equal(unmuted.code, 0, unmuted.stderr);
    assert.equal(unmuted.stdout, 'force mute off in session room-1\n');
    assert.equal((await sessions.getSession(appId, 'room-1'))!.forceMute.active, false);

    // revoke a's token: a is closed 4014, b stays
    const expireTime = a.client.expireTime;
    const revoked = await session(
      'revoke',
      `--token-id=${a.client.tokenId}`,
      '--expire-time',
      String(expireTime),
      '--json',
    );
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(json(revoked), { tokenId: a.client.tokenId, expireTime });
    assert.deepEqual(a.peer.closed, { code: 4014, reason: 'ERR_TOKEN_REVOKED' });
    assert.equal(b.peer.closed, undefined);
    assert.equal(await registry.isRevoked(appId, 'room-1', a.client.tokenId, a.client.issuedAt), true);
  });

  it('disconnects, unpublishes and mutes single connections and streams', async () => {
    const a = await join('room-2');
    const b = await join('room-2');
    const stream = publish(b);
    const mute = await session('mute', '--', 'room-2', stream);
    assert.equal(mute.code, 0, mute.stderr);
    assert.equal(mute.stdout, `muted stream ${stream}\n`);
    assert.deepEqual(b.peer.of('muteForced'), [{ type: 'muteForced', streamId: stream }]);
    const unpublished = await session('unpublish', '--json', '--', 'room-2', stream);
    assert.equal(unpublished.code, 0, unpublished.stderr);
    assert.deepEqual(json(unpublished), { sessionId: 'room-2', streamId: stream });
    assert.deepEqual(a.peer.of('streamDestroyed'), [
      { type: 'streamDestroyed', streamId: stream, reason: 'forceUnpublished' },
    ]);
    const disconnected = await session('disconnect', '--', 'room-2', a.id);
    assert.equal(disconnected.code, 0, disconnected.stderr);
    assert.equal(disconnected.stdout, `disconnected connection ${a.id}\n`);
    assert.deepEqual(a.peer.closed, { code: 4100, reason: 'forceDisconnected' });
  });

  it('revokes every token issued before a time, in one session', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await join('room-3', { issuedAt: now - 100 });
    const fresh = await join('room-3', { issuedAt: now + 5 });
    const revoked = await session('revoke', '--issued-before', String(now), '--session', 'room-3');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^revoked every token issued before \d{4}-.*Z in session room-3\n$/);
    assert.equal(closeOf(old.peer)?.code, 4014);
    assert.equal(fresh.peer.closed, undefined);
  });

  it('signs with a private key file and a kid, and reads STAGEPASS_URL / _APP_ID / _SECRET', async () => {
    const withKey = await stagepass([
      'session',
      'create',
      '--url',
      url,
      '--app-id',
      appId,
      '--private-key',
      joinPath(dir, 'ed25519.pem'),
      '--kid',
      'ed-1',
      '--json',
    ]);
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.equal(typeof json(withKey).sessionId, 'string');
    const fromEnv = await stagepass(['session', 'create', '--session-id', 'env-room'], {
      STAGEPASS_URL: url,
      STAGEPASS_APP_ID: appId,
      STAGEPASS_SECRET: secret,
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(fromEnv.stdout, 'env-room\n');
  });
});

describe('stagepass session: refusals', () => {
  it("exits 1 with the gateway's code when it refuses: wrong secret → ERR_AUTH_INVALID", async () => {
    const wrong = await stagepass([
      'session',
      'create',
      '--url',
      url,
      '--app-id',
      appId,
      '--secret',
      randomBytes(32).toString('hex'),
    ]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /^error: ERR_AUTH_INVALID: The app JWT does not verify/);
    const wrongJson = await stagepass([
      'session',
      'show',
      'room-1',
      '--url',
      url,
      '--app-id',
      appId,
      '--secret',
      randomBytes(32).toString('hex'),
      '--json',
    ]);
    assert.equal(wrongJson.code, 1);
    const body = json(wrongJson);
    assert.equal(body.code, 'ERR_AUTH_INVALID');
    assert.equal(body.status, 401);
    const unknownApp = await stagepass([
      'session',
      'create',
      '--url',
      url,
      '--app-id',
      'no-such-app',
      '--secret',
      secret,
    ]);
    assert.equal(unknownApp.code, 1);
    assert.match(unknownApp.stderr, /^error: ERR_AUTH_INVALID: /);
  });

  it('exits 1 with ERR_NOT_FOUND and ERR_MESSAGE_INVALID', async () => {
    const missing = await session('show', 'no-such-room');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: ERR_NOT_FOUND: /);
    const gone = await session('disconnect', 'room-1', 'nobody', '--json');
    assert.equal(gone.code, 1);
    assert.equal(json(gone).code, 'ERR_NOT_FOUND');
    const badType = await session('signal', 'room-1', '--type', 'no spaces', '--data', 'x');
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /^error: ERR_MESSAGE_INVALID: type must be/);
  });

  it('exits 1 naming the URL when no gateway listens there', async () => {
    const refused = await stagepass([
      'session',
      'show',
      'room-1',
      '--url',
      deadUrl,
      '--app-id',
      appId,
      '--secret',
      secret,
    ]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      `error: ERR_GATEWAY_UNREACHABLE: cannot reach the Stagepass gateway at ${deadUrl} (connection refused): is it running? Point --url (or STAGEPASS_URL) at it.\n`,
    );
    const asJson = await stagepass([
      'session',
      'create',
      '--url',
      `${deadUrl}/`,
      '--app-id',
      appId,
      '--secret',
      secret,
      '--json',
    ]);
    assert.equal(asJson.code, 1);
    assert.deepEqual(json(asJson), {
      code: 'ERR_GATEWAY_UNREACHABLE',
      message: `cannot reach the Stagepass gateway at ${deadUrl} (connection refused): is it running? Point --url (or STAGEPASS_URL) at it.`,
      status: null,
      cause: 'ECONNREFUSED',
    });
    assert.equal(isErrorCode(json(asJson).code), true, 'a code of the registry (docs/errors.md)');
  });

  it('exits 1 with ERR_GATEWAY_ANSWER_INVALID (a registered code) when --url is not a Stagepass gateway', async () => {
    // A web server that answers every request as a proxy's error page or another API would.
    const other = createServer((req, res) => {
      if (req.method === 'GET') res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const flags = ['--url', otherUrl, '--app-id', appId, '--secret', secret, '--json'];
      const shown = await stagepass(['session', 'show', 'room-1', ...flags]);
      assert.equal(shown.code, 1);
      assert.deepEqual(json(shown), {
        code: 'ERR_GATEWAY_ANSWER_INVALID',
        message: `the server at ${otherUrl} answered HTTP 502 without a Stagepass error; is --url a Stagepass gateway?`,
        status: 502,
      });
      const created = await stagepass(['session', 'create', ...flags]);
      assert.equal(created.code, 1);
      assert.equal(json(created).code, 'ERR_GATEWAY_ANSWER_INVALID');
      assert.equal(json(created).status, 200);
      assert.ok(isErrorCode(json(created).code));
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('exits 2 on usage errors, before any request', async () => {
    const noExpiry = await session('revoke', '--token-id', 't1');
    assert.equal(noExpiry.code, 2);
    assert.match(noExpiry.stderr, /^error: --token-id needs --expire-time/);
    assert.match(noExpiry.stderr, /Run "stagepass session revoke --help"/);
    const badUrl = await stagepass([
      'session',
      'show',
      's',
      '--url',
      'ftp://example.com',
      '--app-id',
      appId,
      '--secret',
      secret,
    ]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /^error: --url: must be an http:\/\/ or https:\/\/ URL/);
    const shortSecret = await stagepass(['session', 'show', 's', '--url', url, '--app-id', appId, '--secret', 'short']);
    assert.equal(shortSecret.code, 2);
    assert.match(shortSecret.stderr, /^error: --secret: /);
    const noData = await session('signal', 'room-1');
    assert.equal(noData.code, 2);
    assert.match(noData.stderr, /^error: missing required option --data/);
  });
});

const SECRET = 'parser-test-secret-0123456789abcdef';
const CREDS = ['--app-id', 'a1', '--secret', SECRET];
const BASE = { url: 'http://127.0.0.1:4280', appId: 'a1', secret: SECRET };

describe('parseCommandLine: stagepass session …', () => {
  const rows: { argv: string[]; env?: Record<string, string>; options: unknown }[] = [
    { argv: ['session', 'create', ...CREDS], options: BASE },
    {
      argv: ['session', 'create', '--session-id', 's1', '--url', 'https://gw.example', ...CREDS],
      options: { ...BASE, url: 'https://gw.example', sessionId: 's1' },
    },
    {
      argv: ['session', 'create'],
      env: { STAGEPASS_URL: 'http://gw:1', STAGEPASS_APP_ID: 'e1', STAGEPASS_SECRET: SECRET },
      options: { url: 'http://gw:1', appId: 'e1', secret: SECRET },
    },
    {
      argv: ['session', 'create', '--private-key', 'k.pem', '--kid', 'k2', '--app-id', 'a1'],
      env: { STAGEPASS_SECRET: SECRET },
      options: { url: BASE.url, appId: 'a1', privateKeyFile: 'k.pem', kid: 'k2' },
    },
    { argv: ['session', 'show', 's1', ...CREDS], options: { ...BASE, sessionId: 's1' } },
    {
      argv: ['session', 'disconnect', 's1', 'c1', ...CREDS],
      options: { ...BASE, sessionId: 's1', connectionId: 'c1' },
    },
    { argv: ['session', 'unpublish', 's1', 'st1', ...CREDS], options: { ...BASE, sessionId: 's1', streamId: 'st1' } },
    { argv: ['session', 'mute', 's1', 'st1', ...CREDS], options: { ...BASE, sessionId: 's1', streamId: 'st1' } },
    {
      argv: ['session', 'mute-all', 's1', '--exclude', 'x', '--exclude', 'y', ...CREDS],
      options: { ...BASE, sessionId: 's1', excludedStreamIds: ['x', 'y'] },
    },
    { argv: ['session', 'mute-all', 's1', ...CREDS], options: { ...BASE, sessionId: 's1', excludedStreamIds: [] } },
    { argv: ['session', 'unmute-all', 's1', ...CREDS], options: { ...BASE, sessionId: 's1' } },
    { argv: ['session', 'signal', 's1', '--data', 'hi', ...CREDS], options: { ...BASE, sessionId: 's1', data: 'hi' } },
    {
      argv: ['session', 'signal', 's1', '--to', 'c1', '--type', 't', '--data', 'hi', ...CREDS],
      options: { ...BASE, sessionId: 's1', to: 'c1', type: 't', data: 'hi' },
    },
    {
      argv: ['session', 'revoke', '--token-id', 't1', '--expire-time', '1800000000', ...CREDS],
      options: { ...BASE, tokenId: 't1', expireTime: 1800000000 },
    },
    {
      argv: ['session', 'revoke', '--issued-before', '1800000000', '--session', 's1', ...CREDS],
      options: { ...BASE, issuedBefore: 1800000000, sessionId: 's1' },
    },
  ];
  for (const row of rows) {
    it(row.argv.join(' ').replaceAll(SECRET, '$SECRET'), () => {
      const parsed = parseCommandLine(row.argv, row.env ?? {});
      assert.equal(parsed.kind, 'command');
      if (parsed.kind === 'command') assert.deepEqual(parsed.options, row.options);
    });
  }
  const errors: { argv: string[]; option: string | undefined; message: RegExp }[] = [
    { argv: ['session', 'show', ...CREDS], option: 'SESSION_ID', message: /^missing SESSION_ID argument/ },
    {
      argv: ['session', 'disconnect', 's1', ...CREDS],
      option: 'CONNECTION_ID',
      message: /^missing CONNECTION_ID argument/,
    },
    {
      argv: ['session', 'show', 's1', '--app-id', 'a1'],
      option: '--secret',
      message: /^missing --secret or --private-key \(or set STAGEPASS_SECRET\)$/,
    },
    { argv: ['session', 'revoke', ...CREDS], option: '--token-id', message: /^missing --token-id or --issued-before$/ },
    {
      argv: ['session', 'revoke', '--token-id', 't', '--issued-before', '1', ...CREDS],
      option: '--token-id',
      message: /cannot be used together/,
    },
    {
      argv: ['session', 'revoke', '--token-id', 't', '--session', 's', ...CREDS],
      option: '--session',
      message: /cannot be used together/,
    },
    {
      argv: ['session', 'revoke', '--issued-before', '17e8', ...CREDS],
      option: '--issued-before',
      message: /whole number/,
    },
    {
      argv: ['session', 'frob'],
      option: undefined,
      message:
        /^unknown command "session frob" \(one of: create, show, disconnect, unpublish, mute, mute-all, unmute-all, signal, revoke\)$/,
    },
  ];
  for (const row of errors) {
    it(`usage: ${row.argv.join(' ').replaceAll(SECRET, '$SECRET')}`, () => {
      assert.throws(
        () => parseCommandLine(row.argv, {}),
        (err: unknown) => {
          assert.ok(isUsageError(err));
          assert.equal(err.option, row.option);
          assert.match(err.message, row.message);
          return true;
        },
      );
    });
  }
});
