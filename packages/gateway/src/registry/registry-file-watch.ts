/**
 * Watches the registry's store under a running gateway: a database file deleted or replaced (a restore, an
 * `app create` on a path that no longer exists) would leave the gateway reading a file nobody else writes,
 * still "ready". Checked once a second; a change is logged at error level, and `/readyz` answers 503 while it lasts.
 */
import type { Logger } from 'pino';
import type { AppRegistry } from './app-registry.js';

/** How often the file is checked. */
export const REGISTRY_CHECK_MS = 1000;

/** The registry's current problem, and the timer to stop. */
export interface RegistryFileWatch {
  problem(): string | undefined;
  stop(): void;
}

/** Starts watching; registries without `fileProblem` (in memory, custom stores) are always fine. */
export function watchRegistryFile(registry: Pick<AppRegistry, 'fileProblem'>, logger: Logger): RegistryFileWatch {
  let problem: string | undefined;
  const check = (): void => {
    let now: string | undefined;
    try {
      now = registry.fileProblem?.();
    } catch (err) {
      now = `the database file cannot be checked (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
    if (now !== problem) {
      if (now === undefined) logger.info('app registry back');
      else logger.error({ code: 'ERR_DATABASE_UNAVAILABLE' }, `${now} (readyz answers 503 until then)`);
    }
    problem = now;
  };
  const timer = registry.fileProblem === undefined ? undefined : setInterval(check, REGISTRY_CHECK_MS);
  timer?.unref();
  return {
    problem: () => problem,
    stop: () => clearInterval(timer),
  };
}
