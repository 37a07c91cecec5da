/**
 * Tampering, by property (fast-check): any change to a valid token — a byte replaced, deleted or
 * inserted, a truncation, a doubled segment, a byte changed under the base64 — never verifies,
 * and what it throws is always a StagepassError with a refusal code (never a TypeError,
 * SyntaxError or RangeError). Plus an exhaustive sweep of one HS256 token and the canonical
 * base64 rule (no second spelling of a signature).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  StagepassError,
  createMinter,
  createVerifier,
  type ErrorCode,
  type TokenVerifier,
  type VerifiedToken,
} from './index.js';
import {
  LATER,
  NOW,
  SPECIAL_DATA,
  assertRefused,
  ed25519KeyPair,
  opentokSecret,
  rsaKeyPair,
} from './test-support/interop-fixtures.js';

const NUM_RUNS = 2000;
const SESSION_ID = '1_MX40NzExfn5Tb21lIFNlc3Npb24gSUR-fg';
const LAYOUT = ['focus', 'full'];

type Kind = 'jws' | 't1';

interface Subject {
  readonly name: string;
  readonly kind: Kind;
  readonly token: string;
  readonly verify: (token: string) => VerifiedToken;
  /** What the valid token must grant (checked once, before any tampering). */
  readonly expectGranted: Partial<VerifiedToken>;
}

function subject(
  name: string,
  kind: Kind,
  token: string,
  appId: string,
  verifier: TokenVerifier,
  expectGranted: Partial<VerifiedToken>,
): Subject {
  return {
    name,
    kind,
    token,
    expectGranted,
    verify: (t) => verifier.verify(t, { appId, sessionId: SESSION_ID, now: LATER }),
  };
}

const HS_APP = randomUUID();
const HS_SECRET = opentokSecret();
const ED_APP = randomUUID();
const ED = ed25519KeyPair();
const VONAGE_APP = randomUUID();
const RSA = rsaKeyPair();
const T1_APP = '4711';
const T1_SECRET = opentokSecret();

const mintOptions = {
  sessionId: SESSION_ID,
  role: 'moderator',
  data: SPECIAL_DATA,
  initialLayoutClassList: LAYOUT,
  expireTime: NOW + 3600,
  now: NOW,
} as const;
const expectGranted = {
  sessionId: SESSION_ID,
  role: 'moderator',
  data: SPECIAL_DATA,
  expireTime: NOW + 3600,
  createTime: NOW,
} as const;

const SUBJECTS: readonly Subject[] = [
  subject(
    'stagepass HS256 (kid)',
    'jws',
    createMinter({ appId: HS_APP, secret: HS_SECRET, kid: 'hs-1' }).mint(mintOptions),
    HS_APP,
    createVerifier({ apps: [{ appId: HS_APP, keys: [{ secret: HS_SECRET, kid: 'hs-1' }] }] }),
    { ...expectGranted, format: 'stagepass', algorithm: 'HS256', keyId: 'hs-1' },
  ),
  subject(
    'stagepass EdDSA',
    'jws',
    createMinter({ appId: ED_APP, privateKey: ED.privateKey }).mint(mintOptions),
    ED_APP,
    createVerifier({ apps: [{ appId: ED_APP, keys: [{ publicKey: ED.publicKey }] }] }),
    { ...expectGranted, format: 'stagepass', algorithm: 'EdDSA' },
  ),
  subject(
    'vonage RS256',
    'jws',
    createMinter({ appId: VONAGE_APP, privateKey: RSA.privateKey, format: 'vonage' }).mint(mintOptions),
    VONAGE_APP,
    createVerifier({ apps: [{ appId: VONAGE_APP, keys: [{ publicKey: RSA.publicKey }] }] }),
    { ...expectGranted, format: 'vonage', algorithm: 'RS256' },
  ),
  subject(
    'opentok-t1 (legacyT1)',
    't1',
    createMinter({ appId: T1_APP, secret: T1_SECRET, format: 'opentok-t1' }).mint(mintOptions),
    T1_APP,
    createVerifier({ apps: [{ appId: T1_APP, keys: [{ secret: T1_SECRET }], legacyT1: true }] }),
    { ...expectGranted, format: 'opentok-t1', algorithm: 'HMAC-SHA1' },
  ),
];

/**
 * What a tampered token may be refused with. Claim checks (expiry, session, …) run only after the
 * signature verified, so none of their codes may ever appear. T1's head (`partner_id`) is not
 * covered by its HMAC (that is the T1 design), so a changed partner_id shows as an app mismatch.
 */
const ALLOWED: Record<Kind, ReadonlySet<ErrorCode>> = {
  jws: new Set(['ERR_TOKEN_MALFORMED', 'ERR_TOKEN_SIGNATURE_INVALID', 'ERR_TOKEN_ALGORITHM_NOT_ALLOWED']),
  t1: new Set(['ERR_TOKEN_MALFORMED', 'ERR_TOKEN_SIGNATURE_INVALID', 'ERR_TOKEN_APP_MISMATCH']),
};

type Mutation =
  | { readonly kind: 'replace'; readonly index: number; readonly code: number }
  | { readonly kind: 'delete'; readonly index: number }
  | { readonly kind: 'insert'; readonly index: number; readonly code: number }
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'double'; readonly segment: number; readonly glued: boolean }
  | { readonly kind: 'decoded'; readonly segment: number; readonly index: number; readonly byte: number }
  | { readonly kind: 'doubleParam'; readonly param: number };

const T1_PREFIX = 'T1==';

/** A printable ASCII character (0x20–0x7e) other than `original`, from k in 0..93. */
function otherPrintable(original: number, k: number): number {
  assert.ok(original >= 0x20 && original <= 0x7e, 'tokens are printable ASCII');
  const code = 0x20 + k;
  return code >= original ? code + 1 : code;
}

/** The segments a token is built of, and how to put them back together. */
function segmentsOf(subject: Subject): {
  parts: string[];
  join: (parts: readonly string[]) => string;
  decode: (s: string) => Buffer;
  encode: (b: Buffer) => string;
} {
  if (subject.kind === 'jws') {
    return {
      parts: subject.token.split('.'),
      join: (parts) => parts.join('.'),
      decode: (s) => Buffer.from(s, 'base64url'),
      encode: (b) => b.toString('base64url'),
    };
  }
  return {
    parts: [subject.token.slice(T1_PREFIX.length)],
    join: (parts) => T1_PREFIX + parts.join(''),
    decode: (s) => Buffer.from(s, 'base64'),
    encode: (b) => b.toString('base64'),
  };
}

function applyMutation(subject: Subject, m: Mutation): string {
  const token = subject.token;
  switch (m.kind) {
    case 'replace':
      return (
        token.slice(0, m.index) +
        String.fromCharCode(otherPrintable(token.charCodeAt(m.index), m.code)) +
        token.slice(m.index + 1)
      );
    case 'delete':
      return token.slice(0, m.index) + token.slice(m.index + 1);
    case 'insert':
      return token.slice(0, m.index) + String.fromCharCode(0x20 + m.code) + token.slice(m.index);
    case 'truncate':
      return token.slice(0, m.length);
    case 'double': {
      const { parts, join } = segmentsOf(subject);
      const i = m.segment % parts.length;
      const part = parts[i] ?? '';
      const doubled =
        subject.kind === 'jws' && !m.glued
          ? [...parts.slice(0, i), part, part, ...parts.slice(i + 1)]
          : parts.map((p, j) => (j === i ? p + p : p));
      return subject.kind === 'jws' && !m.glued ? doubled.join('.') : join(doubled);
    }
    case 'decoded': {
      const { parts, join, decode, encode } = segmentsOf(subject);
      const i = m.segment % parts.length;
      const bytes = decode(parts[i] ?? '');
      const at = m.index % bytes.length;
      const original = bytes[at] ?? 0;
      bytes[at] = m.byte >= original ? m.byte + 1 : m.byte; // m.byte in 0..254: any other byte
      return join(parts.map((p, j) => (j === i ? encode(bytes) : p)));
    }
    case 'doubleParam': {
      // T1 only: repeat one '&'- or ':'-separated piece of the decoded text, and re-encode it.
      const text = Buffer.from(token.slice(T1_PREFIX.length), 'base64').toString('latin1');
      const pieces = text.split(/(?=[&:])/);
      const i = m.param % pieces.length;
      const piece = pieces[i] ?? '';
      const repeated = i === 0 ? `${piece}&${piece}` : piece + piece;
      pieces[i] = repeated;
      return T1_PREFIX + Buffer.from(pieces.join(''), 'latin1').toString('base64');
    }
  }
}

function mutationArbitrary(subject: Subject): fc.Arbitrary<Mutation> {
  const n = subject.token.length;
  const maxSegment = subject.kind === 'jws' ? 2 : 0;
  const arbitraries: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('replace' as const), index: fc.nat({ max: n - 1 }), code: fc.nat({ max: 93 }) }),
    fc.record({ kind: fc.constant('delete' as const), index: fc.nat({ max: n - 1 }) }),
    fc.record({ kind: fc.constant('insert' as const), index: fc.nat({ max: n }), code: fc.nat({ max: 94 }) }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: n - 1 }) }),
    fc.record({ kind: fc.constant('double' as const), segment: fc.nat({ max: maxSegment }), glued: fc.boolean() }),
    fc.record({
      kind: fc.constant('decoded' as const),
      segment: fc.nat({ max: maxSegment }),
      index: fc.nat({ max: 10_000 }),
      byte: fc.nat({ max: 254 }),
    }),
  ];
  if (subject.kind === 't1') {
    arbitraries.push(fc.record({ kind: fc.constant('doubleParam' as const), param: fc.nat({ max: 20 }) }));
  }
  return fc.oneof(...arbitraries);
}

/** Verifies a tampered token: it must throw a StagepassError with a refusal code; returns the code. */
function refusalCode(subject: Subject, tampered: string): ErrorCode {
  assert.notEqual(tampered, subject.token, 'the mutation changed the token');
  let thrown: unknown;
  try {
    const granted = subject.verify(tampered);
    assert.fail(`a tampered ${subject.name} token verified: ${JSON.stringify(tampered)} → ${JSON.stringify(granted)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    thrown = err;
  }
  if (!(thrown instanceof StagepassError)) {
    assert.fail(
      `a tampered ${subject.name} token threw a non-StagepassError ${String(thrown)} for ${JSON.stringify(tampered)}`,
    );
  }
  assert.ok(thrown.code.startsWith('ERR_TOKEN_') || thrown.code === 'ERR_APP_UNKNOWN', thrown.code);
  assert.ok(
    ALLOWED[subject.kind].has(thrown.code),
    `${subject.name}: unexpected ${thrown.code} for ${JSON.stringify(tampered)}`,
  );
  return thrown.code;
}

describe('tampered tokens never verify and throw only StagepassErrors (fast-check)', () => {
  for (const s of SUBJECTS) {
    it(`${s.name}: ${NUM_RUNS} random mutations`, () => {
      // The untouched token verifies, with the values it was minted with.
      const granted = s.verify(s.token);
      for (const [key, value] of Object.entries(s.expectGranted)) {
        assert.deepEqual(granted[key as keyof VerifiedToken], value, key);
      }
      assert.deepEqual(granted.initialLayoutClassList, LAYOUT);

      const seen = new Map<string, number>();
      fc.assert(
        fc.property(mutationArbitrary(s), (m) => {
          const code = refusalCode(s, applyMutation(s, m));
          seen.set(code, (seen.get(code) ?? 0) + 1);
          if (m.kind === 'decoded' && s.kind === 'jws' && m.segment % 3 !== 0) {
            // Claims or signature bytes changed under a canonical encoding: only the signature can fail.
            assert.equal(code, 'ERR_TOKEN_SIGNATURE_INVALID');
          }
        }),
        { numRuns: NUM_RUNS },
      );
      // The run reached past the parser to the signature check, not only into MALFORMED.
      assert.ok((seen.get('ERR_TOKEN_MALFORMED') ?? 0) > 0, JSON.stringify([...seen]));
      assert.ok((seen.get('ERR_TOKEN_SIGNATURE_INVALID') ?? 0) > 0, JSON.stringify([...seen]));
    });
  }

  it('the mutations themselves are what they claim (spot checks)', () => {
    const s = SUBJECTS[0]!;
    const [h, p, sig] = s.token.split('.') as [string, string, string];
    assert.equal(applyMutation(s, { kind: 'double', segment: 1, glued: false }), `${h}.${p}.${p}.${sig}`);
    assert.equal(applyMutation(s, { kind: 'double', segment: 2, glued: true }), `${h}.${p}.${sig}${sig}`);
    assert.equal(applyMutation(s, { kind: 'truncate', length: 3 }), s.token.slice(0, 3));
    assert.equal(applyMutation(s, { kind: 'replace', index: 0, code: 0 }), ` ${s.token.slice(1)}`);
    assert.equal(otherPrintable(0x7e, 93), 0x7d);
    assert.equal(otherPrintable(0x20, 0), 0x21);
    const t1 = SUBJECTS[3]!;
    const doubled = applyMutation(t1, { kind: 'doubleParam', param: 0 });
    assert.match(Buffer.from(doubled.slice(4), 'base64').toString('latin1'), /^partner_id=4711&partner_id=4711&sig=/);
  });
});

describe('exhaustive: every index of an HS256 token × 3 replacement characters', () => {
  const s = SUBJECTS[0]!;
  it('each one is refused, with the exact code where it is predictable', () => {
    const token = s.token;
    const dots = [token.indexOf('.'), token.lastIndexOf('.')] as const;
    const counts = new Map<string, number>();
    for (let i = 0; i < token.length; i++) {
      const original = token[i]!;
      const alphabetChar = ['A', 'Q', 'g'].find((c) => c !== original)!; // zero low bits: canonical anywhere
      for (const r of [alphabetChar, '~', original === '.' ? '+' : '.']) {
        const tampered = token.slice(0, i) + r + token.slice(i + 1);
        const code = refusalCode(s, tampered);
        counts.set(code, (counts.get(code) ?? 0) + 1);
        const segment = i < dots[0] ? 0 : i < dots[1] ? 1 : 2;
        if (original === '.' || r === '.' || r === '~' || r === '+') {
          assert.equal(code, 'ERR_TOKEN_MALFORMED', `index ${i}: ${original} → ${r}`);
        } else if (segment !== 0) {
          assert.equal(code, 'ERR_TOKEN_SIGNATURE_INVALID', `index ${i}: ${original} → ${r}`);
        }
      }
    }
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      token.length * 3,
    );
  });
});

describe('canonical base64: no second spelling of a token', () => {
  /** The other last characters that decode (leniently) to the same bytes. */
  function aliasesOfLastChar(segment: string, alphabet: 'base64url' | 'base64'): string[] {
    const chars =
      alphabet === 'base64url'
        ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const bytes = Buffer.from(segment, alphabet);
    const head = segment.slice(0, -1);
    return [...chars].filter((c) => c !== segment.at(-1) && Buffer.from(head + c, alphabet).equals(bytes));
  }

  for (const s of SUBJECTS.filter((x) => x.kind === 'jws')) {
    it(`${s.name}: a signature (or header/claims) last character with non-zero trailing bits is refused ERR_TOKEN_MALFORMED`, () => {
      const parts = s.token.split('.');
      let checked = 0;
      parts.forEach((part, index) => {
        const aliases = aliasesOfLastChar(part, 'base64url');
        if (part.length % 4 === 0) assert.equal(aliases.length, 0);
        for (const alias of aliases) {
          const tampered = parts.map((p, j) => (j === index ? p.slice(0, -1) + alias : p)).join('.');
          assertRefused(() => s.verify(tampered), 'ERR_TOKEN_MALFORMED', `segment ${index}, last char → ${alias}`);
          checked++;
        }
      });
      // The signature always has trailing bits here (32, 64 and 256 bytes are not multiples of 3).
      assert.ok(aliasesOfLastChar(parts[2]!, 'base64url').length >= 3);
      assert.ok(checked >= 3);
    });
  }

  it("HS256: each of the 3 lenient aliases of the signature's last character", () => {
    const s = SUBJECTS[0]!;
    const sig = s.token.split('.')[2]!;
    assert.equal(sig.length, 43); // 32 bytes: 2 trailing bits
    const aliases = aliasesOfLastChar(sig, 'base64url');
    assert.equal(aliases.length, 3);
    for (const alias of aliases) {
      const tampered = s.token.slice(0, -1) + alias;
      assert.ok(Buffer.from(tampered.split('.')[2]!, 'base64url').equals(Buffer.from(sig, 'base64url')));
      assertRefused(() => s.verify(tampered), 'ERR_TOKEN_MALFORMED');
    }
  });

  it('opentok-t1: a non-canonical last base64 character, or missing/extra padding, is refused ERR_TOKEN_MALFORMED', () => {
    const s = SUBJECTS[3]!;
    const body = s.token.slice(T1_PREFIX.length);
    const unpadded = body.replace(/=+$/, '');
    const padding = body.slice(unpadded.length);
    const aliases = aliasesOfLastChar(unpadded, 'base64');
    assert.equal(aliases.length, padding.length === 0 ? 0 : padding.length === 1 ? 3 : 15);
    for (const alias of aliases) {
      assertRefused(() => s.verify(T1_PREFIX + unpadded.slice(0, -1) + alias + padding), 'ERR_TOKEN_MALFORMED', alias);
    }
    if (padding.length > 0) assertRefused(() => s.verify(T1_PREFIX + unpadded), 'ERR_TOKEN_MALFORMED');
    assertRefused(() => s.verify(`${s.token}=`), 'ERR_TOKEN_MALFORMED');
    // The URL-safe alphabet is another spelling too.
    const urlSafe = T1_PREFIX + body.replace(/\+/g, '-').replace(/\//g, '_');
    if (urlSafe !== s.token) assertRefused(() => s.verify(urlSafe), 'ERR_TOKEN_MALFORMED');
  });
});
