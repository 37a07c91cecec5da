/**
 * A routed-media subscriber in a process of its own, for tests that stop it (SIGSTOP: its socket
 * no longer read, no RTCP, no ICE replies) and resume it (SIGCONT). Forked with an IPC channel by
 * {@link forkSubscriber}; requests `{rid, cmd: 'answer', offer}` → the answer, `{rid, cmd: 'counts'}`
 * → its packet counts by kind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MediaKind } from '../media/media-engine.js';
import { FakeSubscriber } from './werift-peers.js';

interface Request {
  readonly rid: number;
  readonly cmd: 'answer' | 'counts';
  readonly offer?: Record<string, unknown>;
}

/** The test's handle on a subscriber process. */
export interface SubscriberProcess {
  readonly child: ChildProcess;
  answer(offer: Record<string, unknown>): Promise<Record<string, unknown>>;
  counts(): Promise<Record<MediaKind, number>>;
  kill(): void;
}

/** Forks this file as a subscriber process. */
export function forkSubscriber(): SubscriberProcess {
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (result: unknown) => void>();
  let next = 1;
  child.on('message', (m: { rid: number; result: unknown }) => {
    pending.get(m.rid)?.(m.result);
    pending.delete(m.rid);
  });
  const request = <T>(message: Omit<Request, 'rid'>): Promise<T> =>
    new Promise((resolve) => {
      const rid = next++;
      pending.set(rid, resolve as (result: unknown) => void);
      child.send({ ...message, rid });
    });
  return {
    child,
    answer: (offer) => request({ cmd: 'answer', offer }),
    counts: () => request({ cmd: 'counts' }),
    kill: () => child.kill('SIGKILL'),
  };
}

function serve(): void {
  const subscriber = new FakeSubscriber();
  process.on('message', (m: Request) => {
    const reply = (result: unknown) => process.send?.({ rid: m.rid, result });
    if (m.cmd === 'counts') reply({ ...subscriber.received });
    else if (m.offer !== undefined)
      subscriber.answer(m.offer).then(reply, (err: unknown) => reply({ error: String(err) }));
  });
  // The test gone: so are we.
  process.on('disconnect', () => process.exit(0));
}

if (process.send !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) serve();
