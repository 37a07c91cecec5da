import type { IncomingMessage } from 'node:http';
import { StagepassError, wireLimits } from '@stagepass/protocol';
import { limits, type SessionMediaMode } from '@stagepass/token';
import { HttpRefusal } from '../rest-routes.js';
import { isEntityId, type JsonBody } from '../parse-rest-body.js';
import { readLimited } from '../read-json-body.js';
import type { LayoutClassListChange } from '../../session/session-service.js';

const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** Layout class names: what fits in a token's `initial_layout_class_list` (space-separated, 1024 characters). */
const MAX_LAYOUT_LENGTH = limits.MAX_LAYOUT_LENGTH;

function invalid(message: string): never {
  throw new StagepassError('ERR_MESSAGE_INVALID', message);
}

/** What `POST /session/create` asks for. */
export interface CreateSessionForm {
  readonly mediaMode: SessionMediaMode;
  /** An IPv4 location hint, or undefined (none, or a hint that is not an address: not recorded). */
  readonly location: string | undefined;
}

/** A form member given once at most (a repeated one is ambiguous: refused). */
function formValue(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) invalid(`The form gives ${name} more than once.`);
  return values[0];
}

/**
 * `POST /session/create`'s form (`application/x-www-form-urlencoded`, as both SDKs send it; an
 * empty body is taken as an empty form): `p2p.preference` `enabled` (relayed, the default) or
 * `disabled` (routed); `archiveMode` `manual` (default) or `always` (501: no archiving here);
 * `location` an IPv4 hint, or empty / the literal `null` (none), any other hint accepted and not
 * recorded; `e2ee` `true` / `false`, accepted and not recorded; unknown members ignored, as OpenTok does.
 */
export async function readCreateSessionForm(req: IncomingMessage, maxBytes: number): Promise<CreateSessionForm> {
  const type = req.headers['content-type'];
  const bytes = await readLimited(req, maxBytes);
  if (bytes.length > 0 && (type === undefined || !FORM_MEDIA_TYPE.test(type))) {
    throw new HttpRefusal(
      415,
      'ERR_MESSAGE_INVALID',
      'The body must be a form: content-type: application/x-www-form-urlencoded.',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    invalid('The body is not valid UTF-8.');
  }
  const form = new URLSearchParams(text);
  const p2p = formValue(form, 'p2p.preference') ?? 'enabled';
  if (p2p !== 'enabled' && p2p !== 'disabled')
    invalid('p2p.preference must be enabled (relayed) or disabled (routed).');
  const archiveMode = formValue(form, 'archiveMode') ?? 'manual';
  if (archiveMode === 'always') {
    throw new HttpRefusal(
      501,
      'ERR_NOT_SUPPORTED',
      'Archiving (archiveMode always) is not supported by Stagepass; create the session with archiveMode manual.',
    );
  }
  if (archiveMode !== 'manual') invalid('archiveMode must be manual or always.');
  const e2ee = formValue(form, 'e2ee');
  if (e2ee !== undefined && e2ee !== 'true' && e2ee !== 'false') invalid('e2ee must be true or false.');
  const location = formValue(form, 'location');
  if (location !== undefined && (location.length > 255 || !/^[\x21-\x7e]*$/.test(location))) {
    invalid('location must be an IPv4 address (a hint of at most 255 printable characters).');
  }
  return {
    mediaMode: p2p === 'enabled' ? 'relayed' : 'routed',
    location: location !== undefined && IPV4.test(location) ? location : undefined,
  };
}

/** A list of stream IDs, named `name` in messages. */
function streamIds(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value) || value.length > wireLimits.MAX_EXCLUDED_STREAMS || !value.every(isEntityId)) {
    invalid(`${name} must be a list of at most ${wireLimits.MAX_EXCLUDED_STREAMS} stream IDs`);
  }
  return value;
}

function onlyMembers(body: JsonBody, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) invalid(`the body has no member "${key.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}"`);
  }
}

export type OpenTokMuteRequest =
  { readonly active: true; readonly excludedStreamIds: readonly string[] } | { readonly active: false };

/**
 * `POST …/session/{sessionId}/mute`: `{"active": true, "excludedStreamIds"?: […]}` — or the misspelt
 * `excudedStreamIds` that opentok's docs tell users to send (one of the two) — or `{"active": false}`,
 * which `@vonage/video` sends with `"excludedStreamIds": []`.
 */
export function readOpenTokMuteBody(body: JsonBody): OpenTokMuteRequest {
  onlyMembers(body, ['active', 'excludedStreamIds', 'excudedStreamIds']);
  const { active, excludedStreamIds, excudedStreamIds } = body;
  if (typeof active !== 'boolean') invalid('active must be true or false');
  if (excludedStreamIds !== undefined && excudedStreamIds !== undefined) {
    invalid('give excludedStreamIds once (not also as excudedStreamIds)');
  }
  const name = excudedStreamIds === undefined ? 'excludedStreamIds' : 'excudedStreamIds';
  const excluded = streamIds(excludedStreamIds ?? excudedStreamIds ?? [], name);
  if (!active) {
    if (excluded.length > 0) invalid(`${name} must be empty (or absent) with active false`);
    return { active };
  }
  return { active, excludedStreamIds: excluded };
}

/** `PUT …/session/{sessionId}/stream`: `{"items": [{"id", "layoutClassList": [class, …]}, …]}`. */
export function readLayoutBody(body: JsonBody): readonly LayoutClassListChange[] {
  onlyMembers(body, ['items']);
  const { items } = body;
  if (!Array.isArray(items) || items.length === 0 || items.length > wireLimits.MAX_EXCLUDED_STREAMS) {
    invalid(`items must be a list of 1–${wireLimits.MAX_EXCLUDED_STREAMS} streams`);
  }
  return items.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) invalid(`items[${i}] must be an object`);
    const { id, layoutClassList } = item as Record<string, unknown>;
    onlyMembers(item as JsonBody, ['id', 'layoutClassList']);
    if (!isEntityId(id)) invalid(`items[${i}].id must be a stream ID`);
    if (
      !Array.isArray(layoutClassList) ||
      !layoutClassList.every((c) => typeof c === 'string' && /^\S+$/u.test(c) && c.isWellFormed()) ||
      layoutClassList.join(' ').length > MAX_LAYOUT_LENGTH
    ) {
      invalid(
        `items[${i}].layoutClassList must be a list of class names (no spaces), ${MAX_LAYOUT_LENGTH} characters at most in all`,
      );
    }
    return { streamId: id, layoutClassList: layoutClassList as string[] };
  });
}
