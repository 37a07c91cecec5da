/**
 * OpenTok.js-style events: an event object with `type`, `target`, `cancelable` and `preventDefault()`,
 * and an emitter whose `on`/`once`/`off` take a handler and a `this` context, a space-separated list of
 * types, or a map of type → handler.
 */

/** The base of every event the facade dispatches. `preventDefault()` stops the default action of a cancelable one. */
export class OTEvent<Type extends string = string, Target = unknown> {
  #prevented = false;

  constructor(
    readonly type: Type,
    readonly target: Target,
    readonly cancelable = false,
  ) {}

  /** Stops the default action (e.g. removing a Subscriber's element) when the event is cancelable. */
  preventDefault(): void {
    if (this.cancelable) this.#prevented = true;
  }

  isDefaultPrevented(): boolean {
    return this.#prevented;
  }
}

/** @internal An event of `type` with the members of `fields` (an OpenTok.js event object). */
export function createEvent<Type extends string, Target, Fields extends object>(
  type: Type,
  target: Target,
  fields: Fields,
  cancelable = false,
): OTEvent<Type, Target> & Fields {
  return Object.assign(new OTEvent(type, target, cancelable), fields);
}

/** A handler of one event; `this` is the context given to `on`, else the emitter. */
export type OTHandler<E> = (event: E) => void;

/** `{ streamCreated: handler, … }` for `on(map, context)`. */
export type OTHandlerMap<Events> = { readonly [K in keyof Events]?: OTHandler<Events[K]> };

/** @internal */
export interface Listener {
  readonly handler: OTHandler<never>;
  readonly context: object | undefined;
  readonly once: boolean;
}

/**
 * The emitter of Session, Publisher, Subscriber and `OT` itself. Handlers run in the order they were added; one
 * that throws does not stop the others (its error is rethrown on a microtask, where the browser reports it).
 *
 * @example
 * ```ts
 * session.on({ streamCreated: onStream, streamDestroyed: onGone }, view);
 * session.on('signal:chat', (event) => console.log(event.data));
 * ```
 */
export class OTEventEmitter<Events extends object> {
  readonly #listeners = new Map<string, Listener[]>();

  on<K extends keyof Events & string>(type: K, handler: OTHandler<Events[K]>, context?: object): this;
  on(type: string, handler: OTHandler<OTEvent>, context?: object): this;
  on(map: OTHandlerMap<Events>, context?: object): this;
  on(typeOrMap: string | object, handlerOrContext?: unknown, context?: object): this {
    this.#add(typeOrMap, handlerOrContext, context, false);
    return this;
  }

  once<K extends keyof Events & string>(type: K, handler: OTHandler<Events[K]>, context?: object): this;
  once(type: string, handler: OTHandler<OTEvent>, context?: object): this;
  once(map: OTHandlerMap<Events>, context?: object): this;
  once(typeOrMap: string | object, handlerOrContext?: unknown, context?: object): this {
    this.#add(typeOrMap, handlerOrContext, context, true);
    return this;
  }

  /**
   * Removes handlers: all of them (no argument), all of a type, one handler (with any context, or only with
   * `context` when given), or those of a map.
   */
  off<K extends keyof Events & string>(type?: K, handler?: OTHandler<Events[K]>, context?: object): this;
  off(type?: string, handler?: OTHandler<OTEvent>, context?: object): this;
  off(map: OTHandlerMap<Events>, context?: object): this;
  off(typeOrMap?: string | object, handlerOrContext?: unknown, context?: object): this {
    if (typeOrMap === undefined) {
      this.#listeners.clear();
      return this;
    }
    for (const [type, handler, ctx] of entriesOf(typeOrMap, handlerOrContext, context, 'off')) {
      const list = this.#listeners.get(type);
      if (list === undefined) continue;
      const kept =
        handler === undefined
          ? []
          : list.filter((l) => l.handler !== handler || (ctx !== undefined && l.context !== ctx));
      if (kept.length === 0) this.#listeners.delete(type);
      else this.#listeners.set(type, kept);
    }
    return this;
  }

  /**
   * @internal Calls the handlers of `event.type` (or of `as`), then runs `defaultAction` unless a handler
   * called `preventDefault()` on a cancelable event.
   */
  dispatch(event: OTEvent, defaultAction?: () => void, as: string = event.type): void {
    const list = this.#listeners.get(as);
    for (const listener of list === undefined ? [] : [...list]) {
      if (listener.once) this.#remove(as, listener);
      try {
        (listener.handler as OTHandler<OTEvent>).call(listener.context ?? this, event);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    if (defaultAction !== undefined && !event.isDefaultPrevented()) defaultAction();
  }

  #add(typeOrMap: string | object, handlerOrContext: unknown, context: object | undefined, once: boolean): void {
    for (const [type, handler, ctx] of entriesOf(typeOrMap, handlerOrContext, context, once ? 'once' : 'on')) {
      if (typeof handler !== 'function')
        throw new TypeError(`${once ? 'once' : 'on'}(${type}): the handler must be a function`);
      const list = this.#listeners.get(type) ?? [];
      list.push({ handler: handler as OTHandler<never>, context: ctx, once });
      this.#listeners.set(type, list);
    }
  }

  #remove(type: string, listener: Listener): void {
    const list = this.#listeners.get(type);
    if (list === undefined) return;
    const kept = list.filter((l) => l !== listener);
    if (kept.length === 0) this.#listeners.delete(type);
    else this.#listeners.set(type, kept);
  }
}

/** `(type, handler, context)` or `(map, context)` as a list of `[type, handler, context]`; types split on spaces. */
function entriesOf(
  typeOrMap: string | object,
  handlerOrContext: unknown,
  context: object | undefined,
  method: string,
): [string, unknown, object | undefined][] {
  if (typeof typeOrMap === 'string') {
    return typeOrMap
      .split(/\s+/)
      .filter((type) => type !== '')
      .map((type) => [type, handlerOrContext, context]);
  }
  if (typeOrMap === null || typeof typeOrMap !== 'object')
    throw new TypeError(`${method}: pass an event type and a handler, or a map of type → handler`);
  const ctx = handlerOrContext === undefined ? undefined : (handlerOrContext as object);
  return Object.entries(typeOrMap).flatMap(([types, handler]) => entriesOf(types, handler, ctx, method));
}
