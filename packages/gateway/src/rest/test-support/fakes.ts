/**
 * Test helpers for the REST handler: fake peers that record what the session core sends them, and
 * admitted clients to join with (as admission would make them from a verified token).
 */
import { randomBytes } from 'node:crypto';
import { CAPABILITIES, type Role, type ServerMessage } from '@stagepass/protocol';
import type { AdmittedClient, Peer } from '../../session/session-service.js';

/** A peer that keeps every message it was sent (parsed) and how it was closed. */
export interface FakePeer extends Peer {
  readonly sent: ServerMessage[];
  /** The raw texts, exactly as delivered. */
  readonly texts: string[];
  closed: { code: number; reason: string } | undefined;
  /** Messages of one type. */
  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[];
}

export function createFakePeer(): FakePeer {
  const peer: FakePeer = {
    sent: [],
    texts: [],
    closed: undefined,
    send(message) {
      peer.texts.push(message.text);
      peer.sent.push(JSON.parse(message.text) as ServerMessage);
    },
    close(code, reason) {
      peer.closed = { code, reason };
    },
    of(type) {
      return peer.sent.filter((m) => m.type === type) as never;
    },
  };
  return peer;
}

/** An admitted client as admission would make it from a verified token. */
export function admittedClient(
  appId: string,
  sessionId: string,
  extra: Partial<AdmittedClient> & { role?: Role } = {},
): AdmittedClient {
  const role = extra.role ?? 'publisher';
  const now = Math.floor(Date.now() / 1000);
  return {
    appId,
    sessionId,
    role,
    capabilities: CAPABILITIES[role],
    data: null,
    tokenId: randomBytes(16).toString('base64url'),
    issuedAt: now - 60,
    expireTime: now + 3600,
    ejectAtExpiry: false,
    maxConnectionsPerSession: 1000,
    ...extra,
  };
}
