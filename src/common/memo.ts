/**
 * State that belongs to one object (a request's context, its EntityManager, its HTTP response, an event
 * row), kept on the object under a symbol of its own rather than in a long-lived WeakMap keyed by it. V8's
 * young collections keep the keys of a WeakMap that lives in the old generation alive: every request's
 * objects outlive the young collection after it and are promoted (on a bare node:http server, 10 MB
 * copied per young collection and 14 ms pauses against none: bench/README.md, "Young collections").
 *
 * The slot is not enumerable, so a copy made by spread or Object.assign (Apollo clones the context,
 * services derive `{ ...ctx, em }`) starts without it, as it would with a WeakMap; and `get` reads only
 * the object's own slot, never one inherited through its prototype (a request's EntityManager is a view
 * of the ORM's).
 */
export class Slot<O extends object, V> {
  private readonly key: symbol;

  constructor(name: string) {
    this.key = Symbol(name);
  }

  get(owner: O): V | undefined {
    return Object.hasOwn(owner, this.key) ? (owner as Record<symbol, V | undefined>)[this.key] : undefined;
  }

  set(owner: O, value: V): void {
    if (Object.hasOwn(owner, this.key)) (owner as Record<symbol, V>)[this.key] = value;
    else Object.defineProperty(owner, this.key, { value, writable: true, configurable: true, enumerable: false });
  }

  /** Empties the slot (kept as a property: deleting one would turn the object's properties into a dictionary). */
  clear(owner: O): void {
    if (Object.hasOwn(owner, this.key)) (owner as Record<symbol, V | undefined>)[this.key] = undefined;
  }
}

/**
 * Values computed once per (object, key): held as long as the object is referenced, then collected
 * with it. What an event shares among its subscribers (their contexts, their executions) lives here.
 */
export class PerObject<O extends object, V> {
  private readonly byObject = new Slot<O, Map<string, V>>('omni360.perObject');

  /** The value for (`owner`, `key`), made by `create` the first time it is asked for. */
  get(owner: O, key: string, create: () => V): V {
    let byKey = this.byObject.get(owner);
    if (!byKey) {
      byKey = new Map();
      this.byObject.set(owner, byKey);
    }
    let value = byKey.get(key);
    if (value === undefined) {
      value = create();
      byKey.set(key, value);
    }
    return value;
  }
}
