/**
 * A session service whose joins can be held at a gate: a join that the service takes its time over,
 * as a networked one would. Admission runs as usual; only the join waits.
 */
import { MemorySessionService, type MemorySessionServiceOptions } from '../session/memory-session-service.js';
import type { AdmittedClient, Peer } from '../session/session-service.js';

export class HeldJoins extends MemorySessionService {
  /** Joins waiting at the gate. */
  waiting = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private arrived: (() => void)[] = [];

  constructor(options: MemorySessionServiceOptions = {}) {
    super(options);
  }

  /** From now on, joins wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  /** Lets every waiting join (and later ones) through. */
  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  /** Resolves once `count` joins are waiting at the gate. */
  async joinsWaiting(count = 1): Promise<void> {
    while (this.waiting < count) await new Promise<void>((resolve) => this.arrived.push(resolve));
  }

  override async join(client: AdmittedClient, peer: Peer): Promise<string> {
    const gate = this.gate;
    if (gate !== undefined) {
      this.waiting++;
      for (const wake of this.arrived.splice(0)) wake();
      await gate;
      this.waiting--;
    }
    return super.join(client, peer);
  }
}
