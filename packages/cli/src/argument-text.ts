import type { Command, OptionSpec } from './command-spec.js';
import { UsageError } from './usage-error.js';

/**
 * U+FFFD, the replacement character: Node.js decodes the command line as UTF-8 and puts it in place of every
 * byte sequence that is not UTF-8 (a Latin-1 "é" typed in an ISO-8859-1 terminal, or read from such a file), so
 * by the time the CLI sees the text the original bytes are gone. Refusing it is the only way not to mint,
 * store or send the mangled text; a real U+FFFD typed on purpose is refused too, and says so.
 */
const REPLACEMENT = '\uFFFD';

function notUtf8(what: string, path: readonly string[]): UsageError {
  return new UsageError(
    `${what}: is not valid UTF-8: it holds bytes that are not UTF-8, which Node.js reads as U+FFFD (\u201c${REPLACEMENT}\u201d; a typed U+FFFD is refused too); give UTF-8 text (e.g. convert it with iconv -f LATIN1 -t UTF-8)`,
    what,
    path,
  );
}

function empty(name: string, spec: OptionSpec, path: readonly string[]): UsageError {
  const orEnv = spec.env === undefined ? '' : `, or leave --${name} out to use $${spec.env}`;
  return new UsageError(
    `--${name} is empty: a shell variable in it (e.g. --${name} "$VAR") is unset or empty; set it${orEnv}`,
    `--${name}`,
    path,
  );
}

/**
 * Checks the text of every argument once parsed: no U+FFFD in any value or positional argument (they were not
 * UTF-8), and no empty value for a flag declared `nonEmpty`. Never quotes a value (it could be a secret).
 *
 * @example
 * ```ts
 * checkArgumentText(command, { data: 'caf\uFFFD' }, []); // throws UsageError('--data: is not valid UTF-8: …')
 * ```
 */
export function checkArgumentText(
  command: Command,
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
  positionals: readonly string[],
): void {
  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    const texts = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    if (texts.some((text) => text.includes(REPLACEMENT))) throw notUtf8(`--${name}`, command.path);
    if (spec.nonEmpty === true && texts.includes('')) throw empty(name, spec, command.path);
  }
  positionals.forEach((text, index) => {
    if (text.includes(REPLACEMENT)) throw notUtf8(command.positionals[index]?.name ?? 'argument', command.path);
  });
}
