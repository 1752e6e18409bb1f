import { HORIZON_CTES, type SqlRunner } from './event-reader';
import { comparePositions, type LogPosition } from './event-cursor';

const PURGE_BATCH = 5_000;

/**
 * Deletes one batch of events older than the retention window (only below the readers' horizon) and
 * moves the watermark `event_retention.purged_*` up to the greatest position deleted, in the caller's
 * transaction. A cursor before the watermark is expired: an event after it is gone. Returns how many
 * events were deleted; call again while it returns a full batch.
 */
export async function purgeBatch(run: SqlRunner, retentionDays: number): Promise<number> {
  // One row holds the watermark; locking it serialises purges of several server instances.
  await run(`insert into event_retention (id) values (1) on conflict (id) do nothing`, []);
  const [current] = await run<{ xid: string | null; id: string | null }>(
    `select purged_xid::text as xid, purged_id::text as id from event_retention where id = 1 for update`,
    [],
  );
  const deleted = await run<{ xid: string; id: string }>(
    `with ${HORIZON_CTES},
     doomed as (
       select e.id from event e, h
        where e.occurred_at < now() - make_interval(days => ?)
          and e.xid < h.horizon
        order by e.occurred_at
        limit ?
     )
     delete from event e using doomed d where e.id = d.id returning e.xid::text as xid, e.id::text as id`,
    [retentionDays, PURGE_BATCH],
  );
  if (deleted.length === 0) return 0;
  let highest: LogPosition = current.xid !== null && current.id !== null ? { xid: BigInt(current.xid), id: BigInt(current.id) } : { xid: 0n, id: 0n };
  for (const row of deleted) {
    const position = { xid: BigInt(row.xid), id: BigInt(row.id) };
    if (comparePositions(position, highest) > 0) highest = position;
  }
  await run(
    `update event_retention set purged_xid = ?::xid8, purged_id = ?::bigint, purged_at = now() where id = 1`,
    [highest.xid.toString(), highest.id.toString()],
  );
  return deleted.length;
}

export const PURGE_BATCH_SIZE = PURGE_BATCH;
