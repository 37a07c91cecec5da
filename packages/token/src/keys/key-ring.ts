import type { VerificationKey } from './import-key.js';

/**
 * One app's verification keys, indexed once when they are loaded, so that choosing the keys for a
 * token allocates nothing: every list {@link chooseKeys} returns was built here.
 */
export interface KeyRing {
  /** All keys, in configuration order. */
  readonly keys: readonly VerificationKey[];
  /** The HS256 keys (secrets), in order: the keys of legacy T1 tokens (HMAC-SHA1). */
  readonly secrets: readonly VerificationKey[];
  /** The algorithms of the keys, each once, in order, joined with ", " (for messages). */
  readonly algorithms: string;
  /** A one-key list per `kid`. */
  readonly byKid: ReadonlyMap<string, readonly [VerificationKey]>;
  /** Per algorithm: all its keys, and those of them without a `kid`. */
  readonly byAlg: ReadonlyMap<
    string,
    { readonly all: readonly VerificationKey[]; readonly withoutKid: readonly VerificationKey[] }
  >;
}

/**
 * Why no key may check a JWS, for each verifier to word in its own refusal:
 * - `no-alg`, `alg-none`, `kid-not-string`, `typ-not-jwt`: the header is unusable;
 * - `kid-other-alg`: the `kid` names a key of another algorithm than the header's `alg`;
 * - `kid-unknown`: the app has keys of that `alg`, but none with that `kid` (a retired key);
 * - `alg-not-allowed`: the app has no key of that `alg`.
 */
export type KeyChoiceFault =
  'no-alg' | 'alg-none' | 'kid-not-string' | 'typ-not-jwt' | 'kid-other-alg' | 'kid-unknown' | 'alg-not-allowed';

/** Indexes keys whose `kid`s are distinct (checked by the caller). */
export function createKeyRing(keys: readonly VerificationKey[]): KeyRing {
  const byKid = new Map<string, readonly [VerificationKey]>();
  const byAlg = new Map<string, { all: VerificationKey[]; withoutKid: VerificationKey[] }>();
  for (const key of keys) {
    if (key.kid !== undefined) byKid.set(key.kid, [key]);
    let ofAlg = byAlg.get(key.alg);
    if (ofAlg === undefined) byAlg.set(key.alg, (ofAlg = { all: [], withoutKid: [] }));
    ofAlg.all.push(key);
    if (key.kid === undefined) ofAlg.withoutKid.push(key);
  }
  return {
    keys,
    secrets: keys.filter((key) => key.secret !== undefined),
    algorithms: [...byAlg.keys()].join(', '),
    byKid,
    byAlg,
  };
}

/**
 * The keys that may check a JWS with this (already parsed, not yet believed) header: the key its
 * `kid` names, if the app has it and it is of the header's `alg`; for an unknown `kid`, the keys of
 * that `alg` without a `kid`; with no `kid`, every key of that `alg`. Returns a non-empty list, or
 * why there is none. Used by the session-token and the app-JWT verifier alike.
 */
export function chooseKeys(
  ring: KeyRing,
  header: Readonly<Record<string, unknown>>,
): readonly VerificationKey[] | KeyChoiceFault {
  const { alg, kid } = header;
  if (typeof alg !== 'string') return 'no-alg';
  if (alg.length === 4 && alg.toLowerCase() === 'none') return 'alg-none'; // only 4 characters lowercase to none
  if (kid !== undefined && typeof kid !== 'string') return 'kid-not-string';
  if (header.typ !== undefined && header.typ !== 'JWT') return 'typ-not-jwt';
  if (kid !== undefined) {
    const named = ring.byKid.get(kid);
    if (named !== undefined) return named[0].alg === alg ? named : 'kid-other-alg';
  }
  const ofAlg = ring.byAlg.get(alg);
  if (ofAlg === undefined) return 'alg-not-allowed';
  const keys = kid === undefined ? ofAlg.all : ofAlg.withoutKid;
  return keys.length > 0 ? keys : 'kid-unknown';
}
