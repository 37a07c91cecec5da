import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createToken } from '@stagepass/token';
import type { ReplayGuard } from '../registry/app-registry.js';
import { createSqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { createAdmission, type Admission } from './admit-client.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A replay guard that decides each claim atomically when it is asked (as a store's insert does)
 * but answers only when the test says so.
 */
function heldGuard() {
  const claimed = new Set<string>();
  const answers: (() => void)[] = [];
  const guard: ReplayGuard = {
    claim(appId, tokenId) {
      const key = `${appId}\u0000${tokenId}`;
      const won = !claimed.has(key);
      claimed.add(key);
      return new Promise((resolve) => answers.push(() => resolve(won)));
    },
  };
  return { guard, answers };
}

function singleUseApp(path = ':memory:') {
  const registry = createSqliteAppRegistry({ path });
  const { app, secret } = registry.createApp({ name: 'single use', settings: { singleUseTokens: true } });
  return { registry, appId: app.appId, token: createToken({ appId: app.appId, secret, sessionId: 's' }) };
}

function admissionOf(registry: ReturnType<typeof createSqliteAppRegistry>, replay: ReplayGuard = registry): Admission {
  return createAdmission({ registry, replay, clockTolerance: 30, now: Date.now, maxConnectionsPerSession: 10 });
}

/** Which admissions were let through, and the codes of the refused ones, in the order they were started. */
async function outcomes(admissions: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(admissions);
  return settled.map((s) => (s.status === 'fulfilled' ? 'admitted' : (s.reason as { code: string }).code));
}

describe('admission of single-use tokens', () => {
  it('two interleaved admissions of one token: exactly one is let through, whichever the guard answers first', async () => {
    const { registry, appId, token } = singleUseApp();
    const { guard, answers } = heldGuard();
    const admission = admissionOf(registry, guard);
    const request = { appId, sessionId: 's', origin: undefined, token };
    const settledOrder: string[] = [];
    const first = admission.admit(request).finally(() => settledOrder.push('first'));
    const second = admission.admit(request).finally(() => settledOrder.push('second'));
    await nextTurn();
    assert.equal(answers.length, 2, 'both admissions reached the replay guard before either was answered');
    answers[1]!(); // the later claim is answered first
    answers[0]!();
    assert.deepEqual(await outcomes([first, second]), ['admitted', 'ERR_TOKEN_REPLAYED']);
    assert.deepEqual(settledOrder, ['second', 'first'], 'the refusal came back before the admission');
    registry.close();
  });

  it('with the SQLite replay guard, started together: one admitted, one ERR_TOKEN_REPLAYED', async () => {
    const { registry, appId, token } = singleUseApp();
    const admission = admissionOf(registry);
    const request = { appId, sessionId: 's', origin: undefined, token };
    const results = await outcomes([admission.admit(request), admission.admit(request)]);
    assert.deepEqual(results.sort(), ['ERR_TOKEN_REPLAYED', 'admitted']);
    await assert.rejects(admission.admit(request), { code: 'ERR_TOKEN_REPLAYED' });
    registry.close();
  });

  it('two registries (processes) on one file, started together: one admitted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagepass-admission-'));
    try {
      const path = join(dir, 'stagepass.db');
      const { registry: a, appId, token } = singleUseApp(path);
      const b = createSqliteAppRegistry({ path });
      const request = { appId, sessionId: 's', origin: undefined, token };
      const results = await outcomes([admissionOf(a).admit(request), admissionOf(b).admit(request)]);
      assert.deepEqual(results.sort(), ['ERR_TOKEN_REPLAYED', 'admitted']);
      a.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a revoked single-use token is refused ERR_TOKEN_REVOKED before it is claimed', async () => {
    const { registry, appId, token } = singleUseApp();
    const { guard, answers } = heldGuard();
    const admission = admissionOf(registry, guard);
    const admitted = await admissionOf(registry).admit({ appId, sessionId: 's', origin: undefined, token });
    registry.revoke(appId, { kind: 'token', tokenId: admitted.tokenId, expireTime: admitted.expireTime });
    await assert.rejects(admission.admit({ appId, sessionId: 's', origin: undefined, token }), {
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal(answers.length, 0, 'the replay guard was not asked');
    registry.close();
  });
});
