// bench:cluster's admission case: `count` clients with fresh tokens, `concurrency` in flight at once,
// spread round robin over the nodes, in sessions of `perSession`; admissions/s from the first upgrade to
// the last `connected`. With Redis, `INFO commandstats` before and after (less the node's idle background
// traffic over the same time, measured just before) gives the Redis commands per admission.
import { createSessionId } from '@stagepass/token';
import { Redis } from 'ioredis';
import { inParallel, joinStagepass, mint } from './clients.mjs';
import { diffCommandStats, parseCommandStats } from './stats.mjs';

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function commandStats(redis) {
  return parseCommandStats(await redis.info('commandstats'));
}

/** Admits `count` clients through `nodes`; closes them after. `redisUrl` set: counts the Redis commands. */
export async function measureAdmissions({ nodes, app, count, concurrency, perSession, redisUrl }) {
  const sessions = Array.from({ length: Math.ceil(count / perSession) }, () => createSessionId({ appId: app.appId }));
  const joins = Array.from({ length: count }, (_, i) => {
    const sessionId = sessions[Math.floor(i / perSession)];
    return { port: nodes[i % nodes.length].port, appId: app.appId, sessionId, token: mint(app, sessionId) };
  });
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  let idle;
  let idleMs;
  if (redis !== undefined) {
    const a = await commandStats(redis);
    const t = performance.now();
    await pause(2000);
    const b = await commandStats(redis);
    idleMs = performance.now() - t;
    idle = diffCommandStats(a, b);
  }
  const before = redis === undefined ? undefined : await commandStats(redis);
  const t0 = performance.now();
  const clients = await inParallel(
    joins.map((j) => () => joinStagepass(j)),
    concurrency,
  );
  const seconds = (performance.now() - t0) / 1000;
  const after = redis === undefined ? undefined : await commandStats(redis);
  for (const c of clients) c.close();
  await redis?.quit();
  await pause(1000);
  const result = { admissions: count, seconds, perSecond: count / seconds };
  if (before === undefined) return result;
  const raw = diffCommandStats(before, after);
  const perAdmission = {};
  for (const [name, calls] of Object.entries(raw)) {
    const background = ((idle[name] ?? 0) * seconds * 1000) / idleMs;
    const net = (calls - background) / count;
    if (net > 0.005) perAdmission[name] = net;
  }
  const total = Object.values(perAdmission).reduce((s, n) => s + n, 0);
  return { ...result, redisCommands: raw, idleCommandsPerSecond: scale(idle, 1000 / idleMs), perAdmission, total };
}

const scale = (calls, f) => Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, v * f]));
