import type { Capabilities, ConnectedMessage, Role } from '@stagepass/protocol';

/** What a `connected` message says (docs/protocol.md); `type` is filled in. */
export type ConnectedParts = Omit<ConnectedMessage, 'type'>;

/** `,"role":…,"capabilities":{…}` by role, for the capability object it was made from. */
const roleFragments = new Map<Role, { readonly capabilities: Capabilities; readonly text: string }>();

function roleFragment(role: Role, capabilities: Capabilities): string {
  const cached = roleFragments.get(role);
  if (cached !== undefined && cached.capabilities === capabilities) return cached.text;
  const text = `,"role":${JSON.stringify(role)},"capabilities":${JSON.stringify(capabilities)}`;
  roleFragments.set(role, { capabilities, text });
  return text;
}

const NOT_MUTED = ',"forceMute":{"active":false,"excludedStreamIds":[]}';

function list(items: readonly unknown[]): string {
  return items.length === 0 ? '[]' : JSON.stringify(items);
}

/**
 * The text of a `connected` message: exactly what `JSON.stringify({ type: 'connected', ...parts })`
 * gives, key order included, with the parts that repeat for every admission (a role's
 * capabilities, empty lists, no force mute) serialised once instead of at every admission.
 */
export function connectedText(parts: ConnectedParts): string {
  const { forceMute } = parts;
  return (
    `{"type":"connected","v":${JSON.stringify(parts.v)},"sessionId":${JSON.stringify(parts.sessionId)}` +
    `,"mediaMode":${JSON.stringify(parts.mediaMode)}` +
    `,"connection":${JSON.stringify(parts.connection)}${roleFragment(parts.role, parts.capabilities)}` +
    `,"expireTime":${JSON.stringify(parts.expireTime)},"connections":${list(parts.connections)},"streams":${list(parts.streams)}` +
    (!forceMute.active && forceMute.excludedStreamIds.length === 0
      ? NOT_MUTED
      : `,"forceMute":${JSON.stringify(forceMute)}`) +
    `,"resumeSecret":${JSON.stringify(parts.resumeSecret)},"iceServers":${list(parts.iceServers)}}`
  );
}
