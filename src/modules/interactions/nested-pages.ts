import type { EntityManager } from '@mikro-orm/postgresql';
import type { KeysetPage } from '../../common/pagination';
import { queryPrepared, textArray } from '../../database/sql';

/** The page one parent asks for: the loader key of a nested connection (e.g. Customer.interactions). */
export interface NestedPageKey {
  parentId: string;
  /** Validated page size. */
  first: number;
  /** Decoded cursor values (one per order column), or null for the first page. */
  after: string[] | null;
  /** Optional equality filter on `filterColumn` (a channel, a status). */
  filter: string | null;
}

export interface NestedPageSpec {
  /** FROM item(s) with alias `t`; `parent` is the SQL expression of the parent id (for sources that need it inside). */
  from: (parent: string) => string;
  /** Predicate tying `t` to the parent. */
  parentWhere: (parent: string) => string;
  /** Select list over `t`. */
  columns: string;
  /** Keyset columns over `t`, with the SQL type of their cursor values. */
  order: { column: string; type: 'timestamptz' | 'text' }[];
  direction: 'asc' | 'desc';
  filterColumn?: string;
}

/**
 * Pages of a nested connection for many parents in ONE statement: the keys (parent, cursor, filter,
 * limit) as parallel arrays, unnested and joined LATERAL to a keyset-ordered, limited read per parent.
 * A list of 50 customers with their interactions costs one statement, as does a list of 5, and the
 * statement text is the same for both (a prepared statement, planned once per connection).
 */
export async function loadNestedPages<R>(em: EntityManager, spec: NestedPageSpec, keys: readonly NestedPageKey[]): Promise<KeysetPage<R>[]> {
  const orderNames = spec.order.map((_, i) => `a${i}`);
  const params: unknown[] = [
    textArray(keys.map((_, index) => index)),
    textArray(keys.map((key) => key.parentId)),
    textArray(keys.map((key) => key.filter)),
    ...spec.order.map((_, i) => textArray(keys.map((key) => key.after?.[i] ?? null))),
    textArray(keys.map((key) => key.first + 1)),
  ];
  const dir = spec.direction;
  const op = dir === 'desc' ? '<' : '>';
  const orderBy = spec.order.map((o) => `${o.column} ${dir}`).join(', ');
  const keyset = `(k.a0 is null or (${spec.order.map((o) => o.column).join(', ')}) ${op} (${orderNames.map((name) => `k.${name}`).join(', ')}))`;
  const filter = spec.filterColumn ? `and (k.filter is null or ${spec.filterColumn} = k.filter)` : '';
  const rows = await queryPrepared<R & { _key: number; _rn: string }>(
    em,
    `select k.idx as "_key", p.*
       from unnest(?::int[], ?::text[], ?::text[], ${spec.order.map((o) => `?::${o.type}[]`).join(', ')}, ?::int[])
            as k(idx, parent_id, filter, ${orderNames.join(', ')}, lim)
       cross join lateral (
         select ${spec.columns}, row_number() over (order by ${orderBy}) as "_rn"
           from ${spec.from('k.parent_id')}
          where ${spec.parentWhere('k.parent_id')} ${filter} and ${keyset}
          order by ${orderBy}
          limit k.lim
       ) p
      order by k.idx, p."_rn"`,
    params,
  );
  const pages: R[][] = keys.map(() => []);
  for (const { _key, _rn, ...rest } of rows) pages[_key].push(rest as unknown as R);
  return pages.map((pageRows, index) => ({ rows: pageRows.slice(0, keys[index].first), hasNextPage: pageRows.length > keys[index].first }));
}

/** Cursor values as text: PostgreSQL timestamps are strings already; Dates (from other drivers) become ISO. */
export function cursorValue(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}
