import type { Role } from '@stagepass/protocol';

/** What a minter has validated and is about to write, in any format. */
export interface MintClaims {
  readonly appId: string;
  readonly sessionId: string;
  readonly role: Role;
  /** Creation time: `iat` and `create_time`. */
  readonly now: number;
  readonly expireTime: number;
  readonly notBefore: number | undefined;
  readonly data: string | undefined;
  /** Layout classes joined by single spaces ('' for none). */
  readonly layout: string;
  readonly jti: string;
  /** Decimal digits, written as a JSON number. */
  readonly nonce: string;
}
