/** A handler of one event type. */
export type Handler<E> = (event: E) => void;

/**
 * A small typed event emitter (no dependency): `on`, `once`, `off`. A handler that throws does not
 * stop the others nor the SDK's own bookkeeping: its error is rethrown on a fresh microtask, where
 * the host reports it (the browser's console, Node's `uncaughtException`).
 *
 * @example
 * ```ts
 * session.on('signal:chat', (event) => console.log(event.data));
 * ```
 */
export class TypedEmitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Set<Handler<never>>>();

  /** Calls `handler` for every `type` event; returns this (chainable, as in OpenTok.js). */
  on<K extends keyof Events>(type: K, handler: Handler<Events[K]>): this {
    let set = this.#handlers.get(type);
    if (set === undefined) this.#handlers.set(type, (set = new Set()));
    set.add(handler as Handler<never>);
    return this;
  }

  /** Calls `handler` for the next `type` event only. */
  once<K extends keyof Events>(type: K, handler: Handler<Events[K]>): this {
    const wrapper: Handler<Events[K]> = (event) => {
      this.off(type, wrapper);
      handler(event);
    };
    return this.on(type, wrapper);
  }

  /** Removes `handler` (or, without one, every handler of `type`). */
  off<K extends keyof Events>(type: K, handler?: Handler<Events[K]>): this {
    if (handler === undefined) this.#handlers.delete(type);
    else this.#handlers.get(type)?.delete(handler as Handler<never>);
    return this;
  }

  /** Calls the handlers of `type` in the order they were added. */
  protected emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#handlers.get(type);
    if (set === undefined) return;
    for (const handler of [...set]) {
      try {
        (handler as Handler<Events[K]>)(event);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
