import { StagepassError, wireLimits, type ClientRequest, type ErrorMessage } from '@stagepass/protocol';

type Result = Readonly<Record<string, unknown>>;

interface Pending {
  readonly settle: (result: Result) => void;
  readonly reject: (err: unknown) => void;
}

/** A request without its `id`: the tracker numbers it. */
export type UnnumberedRequest = ClientRequest extends infer R
  ? R extends ClientRequest
    ? Omit<R, 'id'>
    : never
  : never;

/**
 * Numbers requests and matches each `ack` / `error` reply to its request. `accept` turns an ack's
 * result into the request's value and runs synchronously when the ack arrives, before any later
 * message is handled (the publisher must know its stream ID before its own `muteForced`).
 */
export class RequestTracker {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly write: (text: string) => void) {}

  send<T>(request: UnnumberedRequest, accept: (result: Result) => T): Promise<T> {
    const id = this.#nextId;
    this.#nextId = id >= wireLimits.MAX_REQUEST_ID ? 1 : id + 1;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        settle: (result) => {
          try {
            resolve(accept(result));
          } catch (err) {
            reject(err);
          }
        },
        reject,
      });
      try {
        this.write(JSON.stringify({ ...request, id }));
      } catch (err) {
        this.#pending.delete(id);
        reject(err);
      }
    });
  }

  /** Settles the request an ack answers; false when no request has that id. */
  ack(id: number, result: Result): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    pending.settle(result);
    return true;
  }

  /** Rejects the request an error answers with the gateway's code (and capability). */
  refuse(reply: ErrorMessage): boolean {
    if (reply.id === null) return false;
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return false;
    this.#pending.delete(reply.id);
    pending.reject(
      new StagepassError(reply.code, reply.message, {
        details: reply.capability === undefined ? undefined : { capability: reply.capability },
      }),
    );
    return true;
  }

  /** Rejects every pending request (the socket closed). */
  rejectAll(err: () => unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err());
  }

  get size(): number {
    return this.#pending.size;
  }
}
