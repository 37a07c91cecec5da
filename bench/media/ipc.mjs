// The orchestrator's side of the IPC requests of bench/media's child processes.
import { fork } from 'node:child_process';

/** Forks `script` with `args`; `.request(message)` resolves with the child's result. */
export function forkChild(script, args, options = {}) {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options });
  const pending = new Map();
  let nextRid = 1;
  child.on('message', (m) => {
    if (m.rid === undefined) return child.emit('event', m);
    const p = pending.get(m.rid);
    pending.delete(m.rid);
    if (m.error !== undefined) p.reject(new Error(`${script}: ${m.error}`));
    else p.resolve(m.result);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited (${code})`));
    pending.clear();
  });
  return {
    child,
    request(message) {
      const rid = nextRid++;
      return new Promise((resolve, reject) => {
        pending.set(rid, { resolve, reject });
        child.send({ ...message, rid });
      });
    },
    kill: () => child.kill(),
  };
}
