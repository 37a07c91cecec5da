/**
 * Connection data is shown to every client in the session, so personal data must never be put
 * there in clear. These patterns catch the common slips without crying wolf on IDs and room names.
 */

/** local@domain.tld, with a letters-only top-level domain of two or more letters. */
const EMAIL = /[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/;

/** International: `+` then 8–15 digits, optionally grouped by spaces, dots, dashes or parentheses. */
const INTERNATIONAL_PHONE = /(?<![\w+])\+\d(?:[\s().-]{0,2}\d){7,14}(?![\w-])/;

/**
 * National, grouped: 2–4 digits (optionally in parentheses), then two groups of 3–4 digits, separated
 * by a space, dot or dash, e.g. `415-555-0100`, `(415) 555 0100`. Not part of a longer dotted or
 * dashed number, so IP addresses and dates do not match.
 */
const NATIONAL_PHONE = /(?<![\w.-]|\d[\s.-])\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}(?![\w]|[\s.-]\d)/;

/**
 * The warning to print when connection data looks like an e-mail address or a phone number, else
 * undefined. A warning, not a refusal: the data could be a false positive.
 *
 * @example
 * ```ts
 * personalDataWarning('user=42'); // undefined
 * personalDataWarning('alice@example.com'); // 'warning: --data looks like an e-mail address; …'
 * ```
 */
export function personalDataWarning(data: string): string | undefined {
  let kind: string | undefined;
  if (EMAIL.test(data)) kind = 'an e-mail address';
  else if (INTERNATIONAL_PHONE.test(data) || NATIONAL_PHONE.test(data)) kind = 'a phone number';
  if (kind === undefined) return undefined;
  return `warning: --data looks like ${kind}; connection data is shown to everyone in the session: never put personal data in clear`;
}
