/**
 * `stagepass serve --config FILE`: reads a YAML (`.yaml`, `.yml`) or JSON (`.json`) file of settings into
 * one entry per setting key, each with the line it is on, and one problem per bad key. Values are checked
 * later, with the other sources (resolve-serve-settings.ts).
 */
import { extname } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { didYouMean } from '../did-you-mean.js';
import { UsageError } from '../usage-error.js';

/** A bad setting: where (`--port`, `STAGEPASS_PORT`, `stagepass.yaml:3: port`) and what is wrong. */
export interface SettingProblem {
  readonly option: string;
  readonly message: string;
}

/** One setting found in the file. */
export interface ConfigEntry {
  readonly value: unknown;
  /** `stagepass.yaml:7: rateLimit.burst`: the file, the line and the key, for messages. */
  readonly where: string;
}

/** The settings of a config file, by key (`rateLimit.burst`), and what was wrong with its keys. */
export interface ConfigFile {
  readonly path: string;
  readonly entries: ReadonlyMap<string, ConfigEntry>;
  readonly problems: readonly SettingProblem[];
}

const FLAG = '--config';
const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * What was given, for "(got …)": a number or a boolean as written, a short string quoted, anything
 * else by its kind. A secret setting's value is never shown.
 */
export function describeValue(value: unknown, secret = false): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && !secret && value.length <= 40 && !/[\u0000-\u001f]/.test(value))
    return JSON.stringify(value);
  return `a ${typeof value}`;
}

function parseText(path: string, text: string, lineCounter: LineCounter): Document {
  if (extname(path).toLowerCase() === '.json') {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${FLAG}: ${path} is not valid JSON (${(err as Error).message})`, FLAG);
    }
  }
  // JSON is YAML too: one parser gives the line of every key for either.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  const [error] = doc.errors;
  if (error !== undefined) {
    const line = error.message.split('\n', 1)[0]!.replace(/:$/, '');
    throw new UsageError(`${FLAG}: ${path} cannot be parsed: ${line}`, FLAG);
  }
  return doc;
}

interface Walk {
  readonly path: string;
  readonly lines: LineCounter;
  readonly keys: readonly string[];
  readonly groups: ReadonlySet<string>;
  readonly entries: Map<string, ConfigEntry>;
  readonly problems: SettingProblem[];
  /** The whole file as plain data (aliases resolved), where entries take their values from. */
  readonly data: unknown;
}

/** The value at a key path (`rateLimit.burst`) of the file's data. */
function valueAt(data: unknown, key: string): unknown {
  let value = data;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | null | undefined)?.[part];
  return value ?? null;
}

function lineOf(walk: Walk, node: Node | null | undefined): string {
  const offset = node?.range?.[0];
  return offset === undefined ? walk.path : `${walk.path}:${walk.lines.linePos(offset).line}`;
}

/** Reads the members of one mapping (the top level, or a group such as `rateLimit`). */
function walkMap(walk: Walk, node: Node, prefix: string): void {
  if (!isMap(node)) {
    const what = prefix === '' ? 'the file' : prefix.slice(0, -1);
    const members = walk.keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    const expected = prefix === '' ? 'a mapping of settings (key: value)' : `a mapping of ${members.join(', ')}`;
    walk.problems.push({ option: `${lineOf(walk, node)}: ${what}`, message: `must be ${expected}` });
    return;
  }
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const name = isScalar(keyNode) ? String(keyNode.value) : '';
    const key = `${prefix}${name}`;
    const where = `${lineOf(walk, keyNode)}: ${key}`;
    const value = pair.value as Node | null;
    // One spelling per setting: `rateLimit: { burst: 5 }`, never a top-level `rateLimit.burst: 5` too.
    const dotted = prefix === '' && name.includes('.');
    if (prefix === '' && walk.groups.has(key)) walkMap(walk, value ?? keyNode!, `${key}.`);
    else if (walk.keys.includes(key) && !dotted) walk.entries.set(key, { value: valueAt(walk.data, key), where });
    else {
      const [group, member] = name.split('.');
      const nested = dotted && walk.keys.includes(name) ? ` (write it nested: ${group}: { ${member}: … })` : '';
      // Top-level keys may also be groups (`rateLimit`): `ratelimit:` is close to one.
      const candidates = prefix === '' ? [...walk.keys, ...walk.groups] : walk.keys;
      const hint = nested || didYouMean(key, candidates);
      walk.problems.push({ option: where, message: `is not a setting${hint}` });
    }
  }
}

/**
 * Reads and parses the config file at `path` (its extension says YAML or JSON) against the setting
 * `keys`. An unreadable file, a wrong extension or a syntax error throws a {@link UsageError} naming
 * `--config` and the file; unknown keys and misplaced groups come back as `problems`, one per key.
 *
 * @example
 * ```ts
 * const file = await readConfigFile('stagepass.yaml', (p) => readFile(p, 'utf8'), ['port', 'rateLimit.burst']);
 * file.entries.get('port'); // { value: 4280, where: 'stagepass.yaml:1: port' }
 * ```
 */
export async function readConfigFile(
  path: string,
  read: (path: string) => Promise<string>,
  keys: readonly string[],
): Promise<ConfigFile> {
  if (!EXTENSIONS.includes(extname(path).toLowerCase())) {
    throw new UsageError(`${FLAG}: ${path}: the name must end in .yaml, .yml (YAML) or .json (JSON)`, FLAG);
  }
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${FLAG}: cannot read ${path} (${reason})`, FLAG);
  }
  const lines = new LineCounter();
  const doc = parseText(path, text, lines);
  const groups = new Set(keys.filter((k) => k.includes('.')).map((k) => k.split('.')[0]!));
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const walk: Walk = { path, lines, keys, groups, entries: new Map(), problems: [], data };
  // A file of comments only (or empty) holds no settings.
  if (doc.contents !== null) walkMap(walk, doc.contents as Node, '');
  return { path, entries: walk.entries, problems: walk.problems };
}
