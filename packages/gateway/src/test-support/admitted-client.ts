import { CAPABILITIES, type Role } from '@stagepass/protocol';
import type { AdmittedClient } from '../session/session-service.js';

/** The token times of {@link admittedClient}: issued at this UNIX second, expiring an hour later. */
export const ADMITTED_AT_S = 1_800_000_000;

/**
 * A client as admission hands it to the session core, for tests of the core: app `app-1`, session `s1`,
 * the role's capabilities, token ID `t-DATA`; `extra` wins.
 */
export function admittedClient(role: Role, extra: Partial<AdmittedClient> = {}): AdmittedClient {
  const data = extra.data ?? null;
  return {
    appId: 'app-1',
    sessionId: 's1',
    role,
    capabilities: CAPABILITIES[role],
    data,
    tokenId: `t-${data}`,
    issuedAt: ADMITTED_AT_S,
    expireTime: ADMITTED_AT_S + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 100,
    ...extra,
  };
}
