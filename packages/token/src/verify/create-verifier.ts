import { CAPABILITIES, invalidOption, toUnixSeconds, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { refused } from '../lib/errors.js';
import { MAX_TOKEN_BYTES, isTokenTooLarge } from '../lib/limits.js';
import { checkAppId, clockToleranceOption, splitLayout, unixSecondsOption } from '../lib/validate.js';
import { importVerificationKey, type KeyMember, type VerificationKey } from '../keys/import-key.js';
import type { VerificationKeyInput } from '../keys/key-input.js';
import { chooseKeys, createKeyRing, type KeyChoiceFault, type KeyRing } from '../keys/key-ring.js';
import { checkClaims, claimInvalid, digestTokenId, type NormalizedClaims } from '../formats/claims.js';
import { SESSION_TOKEN_JWS, parseJsonPart, splitCompactJws } from '../formats/jws.js';
import type { JsonObject } from '../lib/strict-json.js';
import { T1_PREFIX, readT1Claims, splitT1, t1SignatureMatches } from '../formats/opentok-t1.js';
import { readStagepassClaims } from '../formats/stagepass.js';
import { readVonageClaims } from '../formats/vonage.js';
import type { TokenAlgorithm, TokenFormat, VerifiedToken } from '../types.js';

/** One app's verification keys and settings. */
export interface AppKeys {
  readonly appId: string;
  /** Secrets and/or public keys; several for rotation (chosen by `kid` when the token has one). */
  readonly keys: readonly VerificationKeyInput[];
  /** Accept OpenTok's legacy `T1==` tokens (HMAC-SHA1 with a secret). Default false. */
  readonly legacyT1?: boolean;
}

export interface VerifierOptions {
  readonly apps?: readonly AppKeys[];
  /** Seconds of clock skew forgiven on expiry, not-before and issue times: 0–300, default 30. */
  readonly clockTolerance?: Seconds;
}

export interface VerifyOptions {
  /** The App ID the client presented; the app's keys are looked up by it. */
  readonly appId: string;
  /** The session being joined; when given, the token must be for it. */
  readonly sessionId?: string;
  /** The current time, integer UNIX seconds (default: now). */
  readonly now?: UnixSeconds;
}

/** A reusable, synchronous verifier holding the keys of one or more apps. */
export interface TokenVerifier {
  /**
   * Verifies a token presented with an App ID. Throws a StagepassError with a stable code on
   * refusal (`ERR_TOKEN_…`, `ERR_APP_UNKNOWN`); never returns an unverified result.
   */
  verify(token: unknown, options: VerifyOptions): VerifiedToken;
  /** Adds or replaces an app's keys (e.g. after a rotation). Keys are imported and checked here. */
  setApp(app: AppKeys): void;
  /** Forgets an app; returns whether it was known. */
  deleteApp(appId: string): boolean;
  hasApp(appId: string): boolean;
}

export interface PreparedApp {
  readonly appId: string;
  /** The keys, indexed once for {@link chooseKeys}. */
  readonly ring: KeyRing;
  readonly legacyT1: boolean;
  /** Validated JWS headers by their base64url segment (bounded). */
  readonly headers: Map<string, JsonObject>;
}

/**
 * How an app's options are named in errors: `apps[0].keys[1].secret` for createVerifier, the
 * caller's own option names for verifyToken (`secret`, `keys[1].secret`).
 */
export interface AppOptionNames {
  readonly app: string;
  readonly appId: string;
  readonly keys: string;
  readonly legacyT1: string;
  /** The key at `index` of `keys`, and how its members are named (default `key.member`). */
  key(index: number): { readonly option: string; readonly member?: (name: KeyMember) => string };
}

function nestedNames(app: string): AppOptionNames {
  return {
    app,
    appId: `${app}.appId`,
    keys: `${app}.keys`,
    legacyT1: `${app}.legacyT1`,
    key: (index) => ({ option: `${app}.keys[${index}]` }),
  };
}

/** Checks an app's options and imports its keys, naming a bad option as `names` says. */
export function prepareApp(app: AppKeys, names: AppOptionNames): PreparedApp {
  if (typeof app !== 'object' || app === null) throw invalidOption(names.app, 'must be an object with appId and keys');
  const appId = checkAppId(app.appId, names.appId);
  if (!Array.isArray(app.keys) || app.keys.length === 0) throw invalidOption(names.keys, 'must hold at least one key');
  const keys = app.keys.map((key, i) => {
    const { option, member } = names.key(i);
    return importVerificationKey(key, option, member);
  });
  const kids = keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
  if (new Set(kids).size !== kids.length) throw invalidOption(names.keys, 'two keys share a kid');
  if (app.legacyT1 !== undefined && typeof app.legacyT1 !== 'boolean')
    throw invalidOption(names.legacyT1, 'must be a boolean');
  return { appId, ring: createKeyRing(keys), legacyT1: app.legacyT1 === true, headers: new Map() };
}

const UNTRUSTED_HEADER_ALG = 'the token header names an algorithm this app has no key for';

/** The refusal of a session token for which {@link chooseKeys} found no key. */
function keyChoiceRefused(fault: KeyChoiceFault, ring: KeyRing, header: Readonly<Record<string, unknown>>): never {
  switch (fault) {
    case 'no-alg':
      throw refused('ERR_TOKEN_MALFORMED', 'The token header has no alg; pass the token exactly as it was minted.');
    case 'alg-none':
      throw refused('ERR_TOKEN_ALGORITHM_NOT_ALLOWED', 'Unsigned tokens (alg "none") are never accepted.');
    case 'kid-not-string':
      throw refused('ERR_TOKEN_MALFORMED', 'The token header kid must be a string.');
    case 'typ-not-jwt':
      throw refused('ERR_TOKEN_MALFORMED', 'The token header typ must be "JWT".');
    case 'kid-other-alg': {
      const [key] = ring.byKid.get(header.kid as string)!;
      throw refused(
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
        `The key this token names is a ${key.alg} key; ${UNTRUSTED_HEADER_ALG} under that kid.`,
      );
    }
    case 'kid-unknown':
      throw refused(
        'ERR_TOKEN_SIGNATURE_INVALID',
        'No key of this app has the key ID the token names; it may have been retired.',
      );
    case 'alg-not-allowed':
      throw refused(
        'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
        `Refused: ${UNTRUSTED_HEADER_ALG} (allowed: ${ring.algorithms}).`,
      );
  }
}

function signatureInvalid(): never {
  throw refused(
    'ERR_TOKEN_SIGNATURE_INVALID',
    "The token signature does not verify with this app's keys; it was altered or minted with another secret or key.",
  );
}

interface Checked {
  readonly format: TokenFormat;
  readonly algorithm: TokenAlgorithm;
  readonly claims: NormalizedClaims;
  readonly keyId: string | undefined;
}

function verifyJws(app: PreparedApp, token: string): Checked {
  const jws = splitCompactJws(token, SESSION_TOKEN_JWS, app.headers);
  const keys = chooseKeys(app.ring, jws.header);
  if (typeof keys === 'string') keyChoiceRefused(keys, app.ring, jws.header);
  // Every candidate is tried, so timing does not tell which key (if any) came close.
  let matched: VerificationKey | undefined;
  for (const key of keys) {
    if (key.verify(jws.signingInput, jws.signature) && matched === undefined) matched = key;
  }
  if (matched === undefined) signatureInvalid();
  // Only now is anything in the claims believed.
  const raw = parseJsonPart(jws.payload, 'claims', SESSION_TOKEN_JWS);
  let format: TokenFormat;
  let claims: NormalizedClaims;
  if (raw.iss !== undefined) {
    format = 'stagepass';
    claims = readStagepassClaims(raw);
  } else if (raw.application_id !== undefined) {
    format = 'vonage';
    claims = readVonageClaims(raw);
  } else {
    claimInvalid('iss', 'is missing (and so is application_id)');
  }
  return { format, algorithm: matched.alg, claims, keyId: matched.kid };
}

function verifyT1(app: PreparedApp, token: string): Checked {
  if (!app.legacyT1) {
    throw refused(
      'ERR_TOKEN_FORMAT_DISABLED',
      'Legacy OpenTok T1 tokens are not enabled for this app; enable legacyT1 for it or mint JWT tokens.',
    );
  }
  const parts = splitT1(token);
  const { secrets } = app.ring;
  if (secrets.length === 0) {
    throw refused(
      'ERR_TOKEN_ALGORITHM_NOT_ALLOWED',
      'T1 tokens are signed with an app secret (HMAC-SHA1) and this app has none.',
    );
  }
  let matched: VerificationKey | undefined;
  for (const key of secrets) {
    if (t1SignatureMatches(parts, key.secret!) && matched === undefined) matched = key;
  }
  if (matched === undefined) signatureInvalid();
  return { format: 'opentok-t1', algorithm: 'HMAC-SHA1', claims: readT1Claims(parts), keyId: matched.kid };
}

/**
 * Creates a reusable verifier. Keys are imported and bound to their algorithm here; a token's
 * header can never choose one.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ apps: [{ appId, keys: [{ secret }] }] });
 * const granted = verifier.verify(token, { appId, sessionId });
 * granted.role; granted.capabilities.publish;
 * ```
 */
export function createVerifier(options: VerifierOptions = {}): TokenVerifier {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const clockTolerance = clockToleranceOption(options.clockTolerance);
  const apps = new Map<string, PreparedApp>();
  if (options.apps !== undefined && !Array.isArray(options.apps)) throw invalidOption('apps', 'must be an array');
  (options.apps ?? []).forEach((app, i) => {
    const prepared = prepareApp(app, nestedNames(`apps[${i}]`));
    if (apps.has(prepared.appId)) throw invalidOption(`apps[${i}].appId`, 'is listed twice');
    apps.set(prepared.appId, prepared);
  });
  return verifierOf(apps, clockTolerance);
}

/** A verifier over apps already prepared (verifyToken prepares its one app under its own option names). */
export function verifierOf(apps: Map<string, PreparedApp>, clockTolerance: Seconds): TokenVerifier {
  function verify(token: unknown, verifyOptions: VerifyOptions): VerifiedToken {
    if (typeof verifyOptions !== 'object' || verifyOptions === null)
      throw invalidOption('options', 'must be an object with appId');
    const { appId, sessionId } = verifyOptions;
    if (typeof appId !== 'string') throw invalidOption('appId', 'must be a string');
    if (sessionId !== undefined && typeof sessionId !== 'string') throw invalidOption('sessionId', 'must be a string');
    const now =
      verifyOptions.now === undefined ? toUnixSeconds(Date.now()) : unixSecondsOption(verifyOptions.now, 'now');
    if (typeof token !== 'string') throw refused('ERR_TOKEN_MALFORMED', 'The token must be a string.');
    if (isTokenTooLarge(token))
      throw refused('ERR_TOKEN_TOO_LARGE', `The token is larger than ${MAX_TOKEN_BYTES} bytes.`);
    const app = apps.get(appId);
    if (app === undefined)
      throw refused('ERR_APP_UNKNOWN', 'No app is registered under this App ID; check the App ID the client sends.');
    const checked = token.startsWith(T1_PREFIX) ? verifyT1(app, token) : verifyJws(app, token);
    const { claims } = checked;
    checkClaims(claims, { appId, sessionId, now, clockTolerance });
    return {
      format: checked.format,
      algorithm: checked.algorithm,
      appId: claims.appId,
      sessionId: claims.sessionId,
      role: claims.role,
      capabilities: CAPABILITIES[claims.role],
      createTime: claims.createTime,
      issuedAt: claims.issuedAt,
      expireTime: claims.expireTime,
      notBefore: claims.notBefore,
      data: claims.data,
      initialLayoutClassList: splitLayout(claims.layout),
      tokenId: claims.tokenId ?? digestTokenId(token),
      keyId: checked.keyId,
    };
  }

  return {
    verify,
    setApp(app) {
      const prepared = prepareApp(app, nestedNames('app'));
      apps.set(prepared.appId, prepared);
    },
    deleteApp: (appId) => apps.delete(appId),
    hasApp: (appId) => apps.has(appId),
  };
}
