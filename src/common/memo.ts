/**
 * Values computed once per (object, key): held as long as the object is referenced, then collected
 * with it. What an event shares among its subscribers (their contexts, their executions) lives here.
 */
export class PerObject<O extends object, V> {
  private readonly byObject = new WeakMap<O, Map<string, V>>();

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
