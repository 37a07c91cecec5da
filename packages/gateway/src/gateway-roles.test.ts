/**
 * The role × action matrix (test-support/role-matrix.ts) against one gateway on port 0.
 */
import { after, before } from 'node:test';
import { describeRoleMatrix } from './test-support/role-matrix.js';
import { TestGateway } from './test-support/test-gateway.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

describeRoleMatrix('gateway', () => ({
  join: (sessionId, options) => tg.join(sessionId, options),
  sessions: tg.gateway.sessions,
  appId: tg.app.appId,
}));
