import type { LogPosition } from './event-cursor';

/** One event of the log as readers get it (ids as strings: they are bigint/xid8 in PostgreSQL). */
export interface EventRow {
  id: string;
  xid: string;
  type: string;
  customerId: string | null;
  payload: Record<string, unknown>;
  occurredAt: string | Date;
}

/** Runs one statement with `?` placeholders; the server's pool and the hub's own pool both fit. */
export type SqlRunner = <T>(sql: string, params: unknown[]) => Promise<T[]>;

/** Narrows a read in SQL; subscriptions refine further in code. */
export interface LogFilter {
  /** Exact type names, or prefixes written `customer.*`. */
  types?: readonly string[];
  /** Events of these customers only (the customer index serves it). */
  customerIds?: readonly string[];
  /** Types left out, exact or `order.*` prefixes: those the reader's role may not see (role policy). */
  excludedTypes?: readonly string[];
}

export interface LogRead {
  /** Every event after this position (exclusive). */
  after: LogPosition;
  /** ... up to this position (inclusive), when given. */
  upTo?: LogPosition;
  filter?: LogFilter;
  limit: number;
}

export interface LogReadResult {
  rows: EventRow[];
  /**
   * The read's horizon: every transaction of this database below it had finished, so every event below
   * it was visible to the read. When fewer rows than the limit came back, the read covered every event
   * before (horizon, 0).
   */
  horizon: bigint;
  /** Where retention has purged up to (inclusive); cursors before it are expired. */
  purgedThrough: LogPosition | null;
  /** True when events exist at or above the horizon: written, but not readable yet. */
  pending: boolean;
}

/**
 * CTEs computing `h.horizon`: the oldest transaction of THIS database still running at the statement's
 * snapshot (or the snapshot's xmax when none runs). Only transactions connected to this database can
 * write its event table, so transactions of other databases of the cluster (pg_stat_activity names their
 * database) do not hold delivery back. A running transaction the statement cannot attribute (finished
 * meanwhile, prepared, or hidden from this role) counts as ours: the horizon only errs on the early side,
 * never past a transaction that may still write an event.
 */
export const HORIZON_CTES = `snap as materialized (select pg_current_snapshot() as s),
     foreign_xid as materialized (
       select a.backend_xid::text::bigint as x from pg_stat_activity a
        where a.backend_xid is not null and a.datid <> (select oid from pg_database where datname = current_database())
     ),
     h as (
       select coalesce(
         (select min(r) from pg_snapshot_xip((select s from snap)) r
           where (r::text::bigint % 4294967296) not in (select x from foreign_xid)),
         pg_snapshot_xmax((select s from snap))
       ) as horizon
     )`;

const EVENT_COLUMNS = `e.id::text as id, e.xid::text as xid, e.type, e.customer_id as "customerId", e.payload, e.occurred_at as "occurredAt"`;

function filterSql(filter: LogFilter | undefined): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const exact = filter?.types?.filter((type) => !type.endsWith('.*')) ?? [];
  const prefixes = filter?.types?.filter((type) => type.endsWith('.*')).map((type) => type.slice(0, -1)) ?? [];
  if (filter?.types) {
    const alternatives: string[] = [];
    if (exact.length) {
      alternatives.push(`e.type in (${exact.map(() => '?').join(', ')})`);
      params.push(...exact);
    }
    for (const prefix of prefixes) {
      alternatives.push(`starts_with(e.type, ?)`);
      params.push(prefix);
    }
    parts.push(alternatives.length ? `(${alternatives.join(' or ')})` : 'false');
  }
  if (filter?.customerIds) {
    parts.push(filter.customerIds.length ? `e.customer_id in (${filter.customerIds.map(() => '?').join(', ')})` : 'false');
    params.push(...filter.customerIds);
  }
  for (const type of filter?.excludedTypes ?? []) {
    parts.push(type.endsWith('.*') ? 'not starts_with(e.type, ?)' : 'e.type <> ?');
    params.push(type.endsWith('.*') ? type.slice(0, -1) : type);
  }
  return { sql: parts.length ? parts.join(' and ') : 'true', params };
}

/** The same test as the SQL filter, in code: applied to the batches the hub pushes to live subscriptions. */
export function matchesFilter(filter: LogFilter | undefined, event: EventRow): boolean {
  if (filter?.types && !filter.types.some((type) => (type.endsWith('.*') ? event.type.startsWith(type.slice(0, -1)) : event.type === type))) return false;
  if (filter?.customerIds && (event.customerId === null || !filter.customerIds.includes(event.customerId))) return false;
  if (filter?.excludedTypes?.some((type) => (type.endsWith('.*') ? event.type.startsWith(type.slice(0, -1)) : event.type === type))) return false;
  return true;
}

/**
 * The one read of the log, in ONE statement so that the horizon, the retention watermark and the rows
 * come from the same snapshot: events after `after`, in (xid, id) order, only those whose transaction
 * is older than every transaction of this database still running (so none can appear before them later).
 */
export async function readLog(run: SqlRunner, read: LogRead): Promise<LogReadResult> {
  const filter = filterSql(read.filter);
  const upTo = read.upTo ? `and (e.xid, e.id) <= (?::xid8, ?::bigint)` : '';
  const upToParams = read.upTo ? [read.upTo.xid.toString(), read.upTo.id.toString()] : [];
  const rows = await run<EventRow & { horizon: string; purgedXid: string | null; purgedId: string | null; pending: boolean; sort_xid: unknown }>(
    `with ${HORIZON_CTES},
          w as (select purged_xid, purged_id from event_retention where id = 1)
     select h.horizon::text as horizon, w.purged_xid::text as "purgedXid", w.purged_id::text as "purgedId",
            exists (select 1 from event p where p.xid >= h.horizon) as pending, r.*
       from h
       left join w on true
       left join lateral (
         select ${EVENT_COLUMNS}, e.xid as sort_xid, e.id as sort_id
           from event e
          where (e.xid, e.id) > (?::xid8, ?::bigint) ${upTo}
            and e.xid < h.horizon
            and ${filter.sql}
          order by e.xid, e.id
          limit ?
       ) r on true
      order by r.sort_xid, r.sort_id`,
    [read.after.xid.toString(), read.after.id.toString(), ...upToParams, ...filter.params, read.limit],
  );
  const first = rows[0];
  return {
    horizon: BigInt(first.horizon),
    purgedThrough: first.purgedXid !== null && first.purgedId !== null ? { xid: BigInt(first.purgedXid), id: BigInt(first.purgedId) } : null,
    pending: first.pending,
    rows: rows
      .filter((row) => row.id !== null)
      .map((row) => ({ id: row.id, xid: row.xid, type: row.type, customerId: row.customerId, payload: row.payload, occurredAt: row.occurredAt })),
  };
}

/** The current snapshot as text (`xmin:xmax:xip,...`): where "from now on" starts. */
export async function currentSnapshot(run: SqlRunner): Promise<string> {
  const [row] = await run<{ snapshot: string }>(`select pg_current_snapshot()::text as snapshot`, []);
  return row.snapshot;
}

/** Number of retained, readable events matching the filter (for `totalCount`). */
export async function countLog(run: SqlRunner, filter: LogFilter | undefined): Promise<number> {
  const where = filterSql(filter);
  const [row] = await run<{ count: string }>(
    `with ${HORIZON_CTES} select count(*) as count from event e, h where e.xid < h.horizon and ${where.sql}`,
    where.params,
  );
  return Number(row.count);
}
