import DataLoader from 'dataloader';
/**
 * Creates a DataLoader for one request from its context; named `<Target>By<Key>Loader` in each module.
 * (Generic in the context so that this file need not import context.ts, which imports it.)
 */
export type LoaderFactory<C, K, V> = (ctx: C) => DataLoader<K, V, string>;

/**
 * The per-request set of loaders. A loader is created on first use and lives as long as the request
 * (or the subscription event) that owns the context, never longer.
 */
export class LoaderRegistry<C = unknown> {
  private readonly loaders = new Map<LoaderFactory<C, unknown, unknown>, DataLoader<unknown, unknown, string>>();

  constructor(private readonly ctx: C) {}

  get<K, V>(factory: LoaderFactory<C, K, V>): DataLoader<K, V, string> {
    let loader = this.loaders.get(factory as LoaderFactory<C, unknown, unknown>);
    if (!loader) {
      loader = factory(this.ctx) as DataLoader<unknown, unknown, string>;
      this.loaders.set(factory as LoaderFactory<C, unknown, unknown>, loader);
    }
    return loader as DataLoader<K, V, string>;
  }

  /** Drops cached values after a write so that payload fields read fresh data. */
  clearAll(): void {
    for (const loader of this.loaders.values()) loader.clearAll();
  }
}

/** Groups rows by a key in the order of `keys`: the shape DataLoader batch functions must return. */
export function groupBy<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/** One row per key (or null), in the order of `keys`. */
export function indexBy<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return keys.map((key) => byKey.get(key) ?? null);
}

/** Stable cache key for composite loader keys. */
export function jsonKey(key: unknown): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

export function makeLoader<K, V>(batch: (keys: readonly K[]) => Promise<(V | Error)[]>, maxBatchSize = 500): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(batch, { cacheKeyFn: jsonKey, maxBatchSize });
}
