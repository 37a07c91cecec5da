import type { Duplex } from 'node:stream';

/** Something whose socket can be corked until the end of the event-loop turn. */
export interface Batched {
  /** True while corked for the current turn. */
  corked: boolean;
  readonly socket: Duplex;
}

const corkedThisTurn: Batched[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  // Index loop: an uncork that synchronously leads to more sends appends here and is flushed too.
  for (let i = 0; i < corkedThisTurn.length; i++) {
    const target = corkedThisTurn[i]!;
    target.corked = false;
    target.socket.uncork();
  }
  corkedThisTurn.length = 0;
}

/**
 * Corks the socket on the first write of an event-loop turn; every corked socket is uncorked once,
 * together, when the turn ends (setImmediate: after the poll phase, so the messages of every event
 * handled in this turn leave in one write per socket). One list for the whole process, no timer
 * or closure per connection.
 */
export function corkForThisTurn(target: Batched): void {
  if (target.corked) return;
  target.corked = true;
  target.socket.cork();
  corkedThisTurn.push(target);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}
