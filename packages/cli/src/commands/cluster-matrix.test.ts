/**
 * Cluster mode with three gateway nodes as processes (`serve --redis`), one real redis-server and one shared
 * SQLite registry file (issue 12's "Tests"): the 4-role × action matrix with the actor, its target and a
 * witness each on a different node; and 1,000 clients in 20 sessions spread over the three nodes, every one of
 * them seeing every other member of its session. Locally a missing redis-server skips with a loud notice; under
 * CI=true it fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Role } from '@stagepass/token';
import { redisSkipReason, TestRedis } from '../../../gateway/dist/test-support/redis-server.js';
import {
  joinCluster,
  killNodes,
  startClusterNode,
  waitFor,
  type App,
  type ClusterClient,
  type ClusterNode,
  type Message,
} from '../test-support/cluster-nodes.js';
import { runCli } from '../test-support/run-cli.js';

const skip = redisSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'stagepass-cluster-matrix-'));
const db = join(dir, 'apps.db');
let redis: TestRedis | undefined;
let app: App;
const nodes: ClusterNode[] = [];
const WAIT_MS = 10_000;

before(async () => {
  if (skip !== undefined) return;
  redis = await TestRedis.start();
  const created = await runCli(['app', 'create', '--name', 'Matrix', '--db', db, '--json'], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  const parsed = JSON.parse(created.stdout) as { app: { appId: string }; secret: string };
  app = { appId: parsed.app.appId, secret: parsed.secret };
  nodes.push(
    ...(await Promise.all([0, 1, 2].map(() => startClusterNode(db, redis!.url, ['--max-sockets-per-ip', '2000'])))),
  );
});
after(async () => {
  killNodes(nodes);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What each role may do (docs/protocol.md, the request table). */
const ALLOWED: Readonly<Record<string, readonly Role[]>> = {
  publish: ['publisher', 'publisheronly', 'moderator'],
  subscribe: ['subscriber', 'publisher', 'moderator'],
  signal: ['subscriber', 'publisher', 'moderator'],
  moderate: ['moderator'],
};

const ROLES: readonly Role[] = ['subscriber', 'publisher', 'publisheronly', 'moderator'];

function ok(reply: Message, what: string): Record<string, unknown> {
  assert.equal(reply.type, 'ack', `${what}: ${JSON.stringify(reply)}`);
  return reply.result as Record<string, unknown>;
}

/** The reply is allowed (ack) or refused ERR_CAPABILITY_DENIED, as the role says. */
function expectVerdict(reply: Message, allowed: boolean, what: string): boolean {
  if (allowed) ok(reply, what);
  else assert.deepEqual({ type: reply.type, code: reply.code }, { type: 'error', code: 'ERR_CAPABILITY_DENIED' }, what);
  return allowed;
}

const seen = (client: ClusterClient, what: string, match: (m: Message) => boolean) =>
  waitFor(what, WAIT_MS, () => client.has(match));

/** One role's row: actor on nodes[i], the publishing target on nodes[i+1], a witness on nodes[i+2]. */
async function playRow(role: Role, i: number): Promise<void> {
  const sessionId = `matrix-${role}`;
  const [a, b, c] = [nodes[i % 3]!, nodes[(i + 1) % 3]!, nodes[(i + 2) % 3]!];
  const target = await joinCluster(b, app, sessionId, { role: 'publisher', data: 'target' });
  const streamId = ok(await target.request({ type: 'publish', name: 'cam', hasAudio: true, hasVideo: true }), 'target')
    .streamId as string;
  const witness = await joinCluster(c, app, sessionId, { role: 'subscriber', data: 'witness' });
  const actor = await joinCluster(a, app, sessionId, { role, data: 'actor' });
  const tag = `${role} on :${a.port}`;

  const published = await actor.request({ type: 'publish', name: 'mine', hasAudio: true, hasVideo: false });
  if (expectVerdict(published, ALLOWED.publish!.includes(role), `${tag} publish`)) {
    const id = (published.result as { streamId: string }).streamId;
    await seen(
      witness,
      `${tag}: the witness sees the stream`,
      (m) => m.type === 'streamCreated' && (m.stream as { id: string }).id === id,
    );
  }
  const subscribed = await actor.request({ type: 'subscribe', streamId });
  if (expectVerdict(subscribed, ALLOWED.subscribe!.includes(role), `${tag} subscribe`)) {
    const id = (subscribed.result as { subscriptionId: string }).subscriptionId;
    await seen(
      target,
      `${tag}: the publisher learns of the subscriber`,
      (m) => m.type === 'subscriberCreated' && m.subscriptionId === id,
    );
  }
  const signalled = await actor.request({ type: 'signal', to: target.id, signalType: 'chat', data: `from ${role}` });
  if (expectVerdict(signalled, ALLOWED.signal!.includes(role), `${tag} signal`)) {
    await seen(
      target,
      `${tag}: the signal crosses nodes`,
      (m) => m.type === 'signal' && m.from === actor.id && m.data === `from ${role}`,
    );
  }
  await moderate(actor, target, witness, { role, streamId, tag });
  for (const client of [actor, target, witness]) client.ws.close();
}

/** The moderation column: refused for all but moderators; for them, each effect seen across nodes. */
async function moderate(
  actor: ClusterClient,
  target: ClusterClient,
  witness: ClusterClient,
  { role, streamId, tag }: { role: Role; streamId: string; tag: string },
): Promise<void> {
  const may = ALLOWED.moderate!.includes(role);
  const mute = await actor.request({ type: 'forceMuteStream', streamId });
  if (expectVerdict(mute, may, `${tag} forceMuteStream`)) {
    await seen(target, `${tag}: muteForced`, (m) => m.type === 'muteForced' && m.streamId === streamId);
    await seen(
      witness,
      `${tag}: hasAudio false, forceMuted`,
      (m) => m.type === 'streamPropertyChanged' && m.reason === 'forceMuted',
    );
  }
  const all = await actor.request({ type: 'forceMuteAll' });
  if (expectVerdict(all, may, `${tag} forceMuteAll`)) {
    await seen(witness, `${tag}: forceMuteChanged`, (m) => m.type === 'forceMuteChanged' && m.active === true);
  }
  if (expectVerdict(await actor.request({ type: 'disableForceMute' }), may, `${tag} disableForceMute`)) {
    await seen(witness, `${tag}: force mute lifted`, (m) => m.type === 'forceMuteChanged' && m.active === false);
  }
  if (expectVerdict(await actor.request({ type: 'forceUnpublish', streamId }), may, `${tag} forceUnpublish`)) {
    await seen(
      witness,
      `${tag}: streamDestroyed`,
      (m) => m.type === 'streamDestroyed' && m.streamId === streamId && m.reason === 'forceUnpublished',
    );
  }
  if (
    expectVerdict(
      await actor.request({ type: 'forceDisconnect', connectionId: target.id }),
      may,
      `${tag} forceDisconnect`,
    )
  ) {
    await seen(
      witness,
      `${tag}: connectionDestroyed`,
      (m) => m.type === 'connectionDestroyed' && m.connectionId === target.id && m.reason === 'forceDisconnected',
    );
    await waitFor(`${tag}: the target's socket closes`, WAIT_MS, () => target.closed !== undefined);
  } else {
    assert.equal(
      target.has((m) => m.type === 'muteForced'),
      false,
      `${tag}: a refused mute did nothing`,
    );
    assert.equal(target.closed, undefined, `${tag}: a refused disconnect did nothing`);
  }
}

describe('three nodes, one redis-server', { skip }, () => {
  it('the 4-role × action matrix, with the actor, the target and a witness on three different nodes', async () => {
    for (const [i, role] of ROLES.entries()) await playRow(role, i);
  });

  it('1,000 clients in 20 sessions over 3 nodes all see each other', async () => {
    const SESSIONS = 20;
    const CLIENTS = 1000;
    const clients: { client: ClusterClient; session: number }[] = [];
    for (let start = 0; start < CLIENTS; start += 100) {
      const batch = Array.from({ length: 100 }, (_, k) => start + k);
      clients.push(
        ...(await Promise.all(
          batch.map(async (n) => ({
            client: await joinCluster(nodes[n % 3]!, app, `crowd-${n % SESSIONS}`, { role: 'subscriber' }),
            session: n % SESSIONS,
          })),
        )),
      );
    }
    const members = new Map<number, Set<string>>();
    for (const { client, session } of clients) {
      if (!members.has(session)) members.set(session, new Set());
      members.get(session)!.add(client.id);
    }
    /** The others a client knows: `connected`'s list, plus connectionCreated, minus connectionDestroyed. */
    const known = (client: ClusterClient): Set<string> => {
      const ids = new Set<string>();
      for (const m of client.messages) {
        if (m.type === 'connected') for (const c of m.connections as { id: string }[]) ids.add(c.id);
        if (m.type === 'connectionCreated') ids.add((m.connection as { id: string }).id);
        if (m.type === 'connectionDestroyed') ids.delete(m.connectionId as string);
      }
      return ids;
    };
    await waitFor('every client sees its 49 others', 30_000, () =>
      clients.every(({ client, session }) => known(client).size === members.get(session)!.size - 1),
    );
    for (const { client, session } of clients) {
      const expected = [...members.get(session)!].filter((id) => id !== client.id).sort();
      assert.deepEqual([...known(client)].sort(), expected);
    }
    for (const { client } of clients) client.ws.close();
  });
});
