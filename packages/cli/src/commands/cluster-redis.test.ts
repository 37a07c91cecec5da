/**
 * Cluster mode's Redis half, end to end with the real `stagepass` bin: gateway nodes as child processes
 * (`serve --redis redis://…`) sharing one real redis-server and one SQLite registry file, both started
 * by this test. Locally a missing redis-server skips with a loud notice; under CI=true it fails.
 * Only the bounds are asserted (10 s after a SIGKILL, 1 s after a revocation, 3 s to refuse).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createToken } from '@stagepass/token';
import WebSocket from 'ws';
import { redisSkipReason, TestRedis } from '../../../gateway/dist/test-support/redis-server.js';
import { killNodes, startClusterNode, waitFor, type ClusterNode, type Message } from '../test-support/cluster-nodes.js';
import { runCli } from '../test-support/run-cli.js';

const skip = redisSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'stagepass-cluster-redis-'));
const db = join(dir, 'apps.db');
let redis: TestRedis | undefined;
let app: { appId: string; secret: string };
let singleUse: { appId: string; secret: string };
const nodes: ClusterNode[] = [];

/** `stagepass serve --port 0 --redis URL` on the shared SQLite file; resolves once it listens. */
async function startNode(drainMs = 500): Promise<ClusterNode> {
  const node = await startClusterNode(db, redis!.url, [], drainMs);
  nodes.push(node);
  return node;
}

/** An admitted client: every message it got, and how its socket closed. */
interface Client {
  readonly ws: WebSocket;
  readonly id: string;
  readonly messages: Message[];
  closed: { code: number; reason: string } | undefined;
  send(message: Record<string, unknown>): void;
}

type Attempt = { admitted: true; client: Client } | { admitted: false; code: string };

/** Opens a connection to `port` and sends `connect` once `go` resolves. */
function attempt(
  port: number,
  appId: string,
  token: string,
  go: Promise<void> = Promise.resolve(),
  sessionId = 'room',
): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}/v1/connect?appId=${encodeURIComponent(appId)}&sessionId=${sessionId}`,
    );
    const messages: Message[] = [];
    let client: Client | undefined;
    let seq = 0;
    ws.once('open', () => void go.then(() => ws.send(JSON.stringify({ type: 'connect', v: 1, token }))));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      messages.push(message);
      if (client !== undefined || message.type !== 'connected') return;
      const id = (message.connection as { id: string }).id;
      client = {
        ws,
        id,
        messages,
        closed: undefined,
        send: (m) => ws.send(JSON.stringify({ id: ++seq, ...m })),
      };
      resolve({ admitted: true, client });
    });
    ws.on('close', (code, reason) => {
      if (client !== undefined) client.closed = { code, reason: String(reason) };
      else resolve({ admitted: false, code: String(reason) });
    });
    ws.once('error', reject);
  });
}

async function joinAt(node: ClusterNode, data: string, sessionId = 'room'): Promise<Client> {
  const token = createToken({ appId: app.appId, secret: app.secret, sessionId, data });
  const result = await attempt(node.port, app.appId, token, Promise.resolve(), sessionId);
  assert.ok(result.admitted, `refused: ${JSON.stringify(result)}`);
  return result.client;
}

function has(client: Client, match: (m: Message) => boolean): boolean {
  return client.messages.some(match);
}

before(async () => {
  if (skip !== undefined) return;
  redis = await TestRedis.start();
  for (const [name, extra] of [
    ['Cluster', []],
    ['Single use', ['--single-use']],
  ] as const) {
    const created = await runCli(['app', 'create', '--name', name, ...extra, '--db', db, '--json'], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    const parsed = JSON.parse(created.stdout) as { app: { appId: string }; secret: string };
    const entry = { appId: parsed.app.appId, secret: parsed.secret };
    if (name === 'Cluster') app = entry;
    else singleUse = entry;
  }
});
after(async () => {
  killNodes(nodes);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --redis: what it accepts', () => {
  it('a URL that is not redis:// is a usage error (exit 2); an unreachable Redis exits 1 ERR_UNAVAILABLE', async () => {
    for (const url of ['postgres://127.0.0.1/x', 'not a url']) {
      const result = await runCli(['serve', '--port', '0', '--db', db, '--redis', url], { cwd: dir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--redis: must be/);
    }
    const down = await runCli(['serve', '--port', '0', '--pretty', 'false', '--db', db], {
      cwd: dir,
      env: { STAGEPASS_REDIS_URL: 'redis://127.0.0.1:1' },
    });
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, /ERR_UNAVAILABLE/);
  });
});

describe('nodes as processes sharing one redis-server', { skip }, () => {
  it('two clients of one session on two nodes see each other and signal', async () => {
    const [a, b] = await Promise.all([startNode(), startNode()]);
    const alice = await joinAt(a, 'alice');
    const bob = await joinAt(b, 'bob');
    await waitFor('alice sees bob', 10_000, () =>
      has(alice, (m) => m.type === 'connectionCreated' && (m.connection as { id: string }).id === bob.id),
    );
    assert.ok(
      (bob.messages[0]!.connections as { id: string }[]).some((c) => c.id === alice.id),
      'bob was told of alice',
    );
    bob.send({ type: 'signal', to: alice.id, signalType: 'chat', data: 'hello from b' });
    alice.send({ type: 'signal', to: bob.id, signalType: 'chat', data: 'hello from a' });
    await waitFor(
      'signals across nodes',
      10_000,
      () =>
        has(alice, (m) => m.type === 'signal' && m.from === bob.id && m.data === 'hello from b') &&
        has(bob, (m) => m.type === 'signal' && m.from === alice.id && m.data === 'hello from a'),
    );
    alice.ws.close();
    bob.ws.close();
  });

  it('a SIGKILLed node: its connection and stream leave the session within 10 s, announced by the survivors', async () => {
    const [owner, doomed] = [nodes[0]!, nodes[1]!];
    // The survivor joins first, so its node owns the session (a dead owner's sessions are lost: docs/cluster.md).
    const survivor = await joinAt(owner, 'survivor', 'kill-room');
    const victim = await joinAt(doomed, 'victim', 'kill-room');
    victim.send({ type: 'publish', name: 'cam', hasAudio: true, hasVideo: true });
    let streamId: string | undefined;
    await waitFor('the victim publishes', 10_000, () => {
      const created = survivor.messages.find((m) => m.type === 'streamCreated');
      streamId = (created?.stream as { id: string } | undefined)?.id;
      return streamId !== undefined;
    });
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await waitFor(
      'connectionDestroyed networkDisconnected and streamDestroyed',
      30_000,
      () =>
        has(survivor, (m) => m.type === 'connectionDestroyed' && m.connectionId === victim.id) &&
        has(survivor, (m) => m.type === 'streamDestroyed' && m.streamId === streamId),
    );
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed <= 10_000, `the dead node's connection left after ${elapsed} ms`);
    const destroyed = survivor.messages.find((m) => m.type === 'connectionDestroyed' && m.connectionId === victim.id);
    assert.equal(destroyed!.reason, 'networkDisconnected');
    assert.equal(survivor.closed, undefined, 'the survivor stays connected');
    survivor.ws.close();
  });

  it('one single-use token at two nodes at the same instant: exactly one admitted', async () => {
    const [a, b] = [nodes[0]!, await startNode()];
    for (let round = 0; round < 5; round++) {
      const token = createToken({ appId: singleUse.appId, secret: singleUse.secret, sessionId: 'room' });
      let release!: () => void;
      const go = new Promise<void>((resolve) => (release = resolve));
      const both = [attempt(a.port, singleUse.appId, token, go), attempt(b.port, singleUse.appId, token, go)];
      await new Promise((resolve) => setTimeout(resolve, 50)); // both sockets open, waiting
      release();
      const results = await Promise.all(both);
      assert.equal(results.filter((r) => r.admitted).length, 1, `round ${round}: ${JSON.stringify(results)}`);
      assert.deepEqual(
        results.filter((r) => !r.admitted).map((r) => (r as { code: string }).code),
        ['ERR_TOKEN_REPLAYED'],
      );
      for (const r of results) if (r.admitted) r.client.ws.terminate();
    }
  });

  it('a revocation on node A closes a matching connection on node B within 1 s', async () => {
    const [a, b] = [nodes[0]!, nodes[2]!];
    const victim = await joinAt(b, 'revoked');
    // issuedBefore counts whole seconds: wait until the token's second has passed.
    const issuedAt = Math.floor(Date.now() / 1000);
    await waitFor('the next second', 2000, () => Math.floor(Date.now() / 1000) > issuedAt);
    const revoked = await runCli(
      [
        'session',
        'revoke',
        '--url',
        `http://127.0.0.1:${a.port}`,
        '--issued-before',
        String(issuedAt + 1),
        '--session',
        'room',
      ],
      { cwd: dir, env: { STAGEPASS_APP_ID: app.appId, STAGEPASS_SECRET: app.secret } },
    );
    assert.equal(revoked.code, 0, revoked.stderr);
    const revokedAt = Date.now();
    await waitFor('the revoked connection closed on node B', 10_000, () => victim.closed !== undefined);
    const elapsed = Date.now() - revokedAt;
    assert.deepEqual(victim.closed, { code: 4014, reason: 'ERR_TOKEN_REVOKED' });
    assert.ok(elapsed <= 1000, `closed ${elapsed} ms after the revocation`);
  });
});

/**
 * An admitted client that never answers the gateway's close frame (a stuck peer): it keeps a drain going
 * until the drain time is over. A raw socket: `ws` would answer the close by itself.
 */
function stuckClient(port: number, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1');
    let seen = '';
    socket.on('error', reject);
    socket.once('connect', () =>
      socket.write(
        `GET /v1/connect?appId=${app.appId}&sessionId=room HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      const before = seen;
      seen += chunk.toString('latin1');
      if (!before.includes('\r\n\r\n') && seen.includes('\r\n\r\n')) {
        // A masked text frame with an all-zero mask key: the payload goes as it is.
        const payload = Buffer.from(JSON.stringify({ type: 'connect', v: 1, token }));
        const head = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0]);
        socket.write(Buffer.concat([head, payload]));
      }
      if (seen.includes('"type":"connected"')) {
        socket.removeAllListeners('data');
        socket.pause(); // reads nothing more, so it never answers the close
        resolve(socket);
      }
    });
  });
}

describe('drain: a SIGTERMed node, as a process', { skip }, () => {
  it('closes its clients 1012 ERR_SERVER_SHUTTING_DOWN, refuses new connections while draining, exits within the drain time', async () => {
    const drainMs = 3000;
    const [stay, leaving] = [await startNode(), await startNode(drainMs)];
    // The staying node owns the session: its member there stays, and sees the others leave.
    const alice = await joinAt(stay, 'alice', 'drain-room');
    const bob = await joinAt(leaving, 'bob', 'drain-room');
    const stuck = await stuckClient(
      leaving.port,
      createToken({ appId: app.appId, secret: app.secret, sessionId: 'room' }),
    );
    await waitFor('alice sees bob', 10_000, () =>
      has(alice, (m) => m.type === 'connectionCreated' && (m.connection as { id: string }).id === bob.id),
    );
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      leaving.child.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    const termAt = Date.now();
    leaving.child.kill('SIGTERM');
    await waitFor('bob closed', 5000, () => bob.closed !== undefined);
    assert.deepEqual(bob.closed, { code: 1012, reason: 'ERR_SERVER_SHUTTING_DOWN' });
    // The stuck client holds the drain open: the node is still up, and refuses what is new.
    const ready = await fetch(`http://127.0.0.1:${leaving.port}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'draining');
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${leaving.port}/v1/connect?appId=${app.appId}&sessionId=drain-room`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('a new WebSocket was accepted while draining')));
      ws.once('error', () => {});
    });
    assert.equal(refused, 503);
    assert.equal(Date.now() - termAt < drainMs, true, 'the checks ran while the drain went on');
    const { code, at } = await exited;
    assert.equal(code, 0, leaving.output());
    const took = at - termAt;
    assert.ok(took >= drainMs - 200, `exited after ${took} ms, before the stuck client's drain time was over`);
    assert.ok(took <= drainMs + 3000, `exited ${took} ms after SIGTERM (drain time ${drainMs} ms)`);
    stuck.destroy();
    await waitFor('alice sees bob leave', 10_000, () =>
      has(alice, (m) => m.type === 'connectionDestroyed' && m.connectionId === bob.id),
    );
    assert.equal(alice.closed, undefined, 'the other node keeps its clients');
    alice.ws.close();
  });
});
