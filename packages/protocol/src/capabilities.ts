import type { Role } from './roles.js';
import type { ClientRequestType } from './wire-types.js';

/**
 * What a connected client may do beyond connecting, which every valid token allows.
 *
 * @example
 * ```ts
 * for (const name of CAPABILITY_NAMES) console.log(name, CAPABILITIES.subscriber[name]);
 * ```
 */
export const CAPABILITY_NAMES = [
  'subscribe',
  'publish',
  'signal',
  'forceDisconnect',
  'forceUnpublish',
  'forceMute',
] as const;

/** One of {@link CAPABILITY_NAMES}: `subscribe`, `publish`, `signal`, `forceDisconnect`, `forceUnpublish`, `forceMute`. */
export type Capability = (typeof CAPABILITY_NAMES)[number];

/** One role's capabilities: a flag per {@link Capability} (as `connected.capabilities` carries them). */
export type Capabilities = Readonly<Record<Capability, boolean>>;

function freeze(flags: Record<Capability, boolean>): Capabilities {
  return Object.freeze(flags);
}

/**
 * The capability table: the single source of truth for what each role allows.
 * The gateway enforces exactly this; the client SDK only reads it.
 *
 * | role          | subscribe | publish | signal | forceDisconnect | forceUnpublish | forceMute |
 * |---------------|-----------|---------|--------|-----------------|----------------|-----------|
 * | subscriber    | yes       | no      | yes    | no              | no             | no        |
 * | publisher     | yes       | yes     | yes    | no              | no             | no        |
 * | publisheronly | no        | yes     | no     | no              | no             | no        |
 * | moderator     | yes       | yes     | yes    | yes             | yes            | yes       |
 *
 * @example
 * ```ts
 * import { CAPABILITIES } from '@stagepass/protocol';
 * CAPABILITIES.publisheronly.signal; // false
 * ```
 */
export const CAPABILITIES: Readonly<Record<Role, Capabilities>> = Object.freeze({
  subscriber: freeze({
    subscribe: true,
    publish: false,
    signal: true,
    forceDisconnect: false,
    forceUnpublish: false,
    forceMute: false,
  }),
  publisher: freeze({
    subscribe: true,
    publish: true,
    signal: true,
    forceDisconnect: false,
    forceUnpublish: false,
    forceMute: false,
  }),
  publisheronly: freeze({
    subscribe: false,
    publish: true,
    signal: false,
    forceDisconnect: false,
    forceUnpublish: false,
    forceMute: false,
  }),
  moderator: freeze({
    subscribe: true,
    publish: true,
    signal: true,
    forceDisconnect: true,
    forceUnpublish: true,
    forceMute: true,
  }),
});

/**
 * True when `role` allows `capability`.
 *
 * @example
 * ```ts
 * roleCan('subscriber', 'publish'); // false
 * ```
 */
export function roleCan(role: Role, capability: Capability): boolean {
  return CAPABILITIES[role][capability];
}

/**
 * The capability each client request needs, shared by the gateway (which enforces it) and the
 * client SDK (which refuses locally first). `null`: no role capability; `webrtc` is allowed to
 * the two ends of a subscription, which the session checks. docs/protocol.md lists the same.
 *
 * @example
 * ```ts
 * const needed = REQUEST_CAPABILITY[request.type];
 * if (needed !== null && !capabilities[needed]) throw new Error(`this role may not ${request.type}`);
 * ```
 */
export const REQUEST_CAPABILITY = Object.freeze({
  publish: 'publish',
  unpublish: 'publish',
  setStreamProperty: 'publish',
  subscribe: 'subscribe',
  unsubscribe: 'subscribe',
  webrtc: null,
  signal: 'signal',
  forceDisconnect: 'forceDisconnect',
  forceUnpublish: 'forceUnpublish',
  forceMuteStream: 'forceMute',
  forceMuteAll: 'forceMute',
  disableForceMute: 'forceMute',
} as const satisfies Readonly<Record<ClientRequestType, Capability | null>>);
