/**
 * The four roles a token can carry, in OpenTok's wire spelling.
 *
 * @example
 * ```ts
 * import { ROLES, isRole } from '@stagepass/protocol';
 * isRole('publisheronly'); // true
 * isRole('Publisher');     // false: roles match exactly, no case folding
 * ```
 */
export const ROLES = ['subscriber', 'publisher', 'publisheronly', 'moderator'] as const;

/** A token role. `publisheronly` is OpenTok's spelling of "publisher-only". */
export type Role = (typeof ROLES)[number];

/**
 * The role a freshly minted token gets when none is asked for. Verification never defaults.
 *
 * @example
 * ```ts
 * const role = options.role ?? DEFAULT_ROLE; // 'publisher'
 * ```
 */
export const DEFAULT_ROLE: Role = 'publisher';

/**
 * True when `value` is exactly one of {@link ROLES}: no trimming, no case folding.
 *
 * @example
 * ```ts
 * if (!isRole(input)) throw new TypeError('unknown role');
 * ```
 */
export function isRole(value: unknown): value is Role {
  return value === 'subscriber' || value === 'publisher' || value === 'publisheronly' || value === 'moderator';
}
