/**
 * The app versions read in this event-loop turn. Reading a version is a native SQLite call, the
 * dearest step of an admission after the signature; admissions that arrive together (one turn)
 * share one read per app. The registry clears the memo after each of its own writes, so its own
 * changes show at once; another process's commits are seen from the next turn.
 */
export interface VersionMemo {
  /** The app's version (undefined: no such app), read at most once per turn while nothing is written. */
  get(appId: string): number | undefined;
  /** The version `get` read in this turn, without reading one; undefined when none was (or the app is unknown). */
  held(appId: string): number | undefined;
  /** Forgets every version read: after this process's own writes. */
  clear(): void;
}

/**
 * A memo over `read`, cleared at the end of each event-loop turn in which it was used.
 *
 * @example
 * ```ts
 * const versions = createVersionMemo((appId) => sql.version.get(appId));
 * versions.get(appId); // one query
 * versions.get(appId); // the same turn: none
 * ```
 */
export function createVersionMemo(read: (appId: string) => number | undefined): VersionMemo {
  const versions = new Map<string, number | undefined>();
  let clearScheduled = false;
  function clearAtTurnEnd(): void {
    clearScheduled = false;
    versions.clear();
  }

  return {
    get(appId) {
      const seen = versions.get(appId);
      if (seen !== undefined || versions.has(appId)) return seen;
      const version = read(appId);
      versions.set(appId, version);
      if (!clearScheduled) {
        clearScheduled = true;
        setImmediate(clearAtTurnEnd).unref();
      }
      return version;
    },
    held: (appId) => versions.get(appId),
    clear: () => versions.clear(),
  };
}
