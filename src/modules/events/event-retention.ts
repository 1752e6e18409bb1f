import { HORIZON_CTES, type SqlRunner } from './event-reader';
import { comparePositions, type LogPosition } from './event-cursor';

const PURGE_BATCH = 5_000;

/** The event table is partitioned by range of id (migration i17EventPartitions); this is one partition. */
export interface EventPartition {
  name: string;
  /** Inclusive lower bound; null for MINVALUE. */
  from: bigint | null;
  /** Exclusive upper bound. */
  to: bigint;
}

/** How long a retention or maintenance statement waits for a lock before giving up until the next run. */
const LOCK_TIMEOUT = '2s';

/**
 * Condition on `e` (an event row): at or before the position of every relay (relay_position), so that
 * retention never removes an event a relay has not published yet. Without relays: no bound.
 */
const RELAYED = `not exists (select 1 from relay_position r where (e.xid, e.id) > (r.xid, r.id))`;

/** The range partitions of the event table in id order (the default partition is not among them). */
export async function eventPartitions(run: SqlRunner): Promise<EventPartition[]> {
  const rows = await run<{ name: string; bound: string }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'event'::regclass`,
    [],
  );
  const partitions: EventPartition[] = [];
  for (const row of rows) {
    const match = /FROM \((MINVALUE|'?(-?\d+)'?)\) TO \('?(-?\d+)'?\)/.exec(row.bound);
    if (!match) continue; // DEFAULT
    partitions.push({ name: row.name, from: match[2] === undefined ? null : BigInt(match[2]), to: BigInt(match[3]) });
  }
  return partitions.sort((a, b) => (a.to < b.to ? -1 : 1));
}

/**
 * Creates the partitions the sequence will need next: partitions of `size` ids up to `ahead` ids beyond
 * the last id handed out, in the caller's transaction (one partition per call; call again while it returns
 * true). Events whose ids no partition covered landed in the default partition; they are moved into the
 * new partition in the same transaction, since PostgreSQL refuses a partition whose range the default
 * partition holds rows of.
 */
export async function createNextPartition(run: SqlRunner, size: number, ahead = 2 * size): Promise<boolean> {
  // Instances maintain the partitions one at a time.
  await run(`select pg_advisory_xact_lock(hashtextextended('omni360.event_partitions', 0))`, []);
  const partitions = await eventPartitions(run);
  const top = partitions.length ? partitions[partitions.length - 1].to : 0n;
  const [sequence] = await run<{ last: string }>(`select coalesce(pg_sequence_last_value('event_id_seq'), 0)::text as last`, []);
  if (top > BigInt(sequence.last) + BigInt(ahead)) return false;
  const to = top + BigInt(size);
  const name = `event_p${top}`;
  await run(`set local lock_timeout = '${LOCK_TIMEOUT}'`, []);
  const [stray] = await run<{ n: string }>(`select count(*)::text as n from event_default where id >= ? and id < ?`, [top.toString(), to.toString()]);
  if (stray.n !== '0') {
    await run(`create temporary table event_stray on commit drop as select * from event_default where id >= ? and id < ?`, [top.toString(), to.toString()]);
    await run(`delete from event_default where id >= ? and id < ?`, [top.toString(), to.toString()]);
  }
  await run(`create table ${name} partition of event for values from (${top}) to (${to})`, []);
  if (stray.n !== '0') await run(`insert into event select * from event_stray`, []);
  return true;
}

/** What one retention step did: a partition dropped, or a batch of rows deleted from the default partition. */
export interface PurgeStep {
  deleted: number;
  /** The partition dropped, if the step dropped one. */
  dropped?: string;
  /** Whether another step may find more to purge. */
  more: boolean;
}

/**
 * One retention step, in the caller's transaction. Drops the oldest partition when every event in it is
 * older than the retention window, below the readers' horizon and published by every relay; otherwise
 * deletes one batch of such events from the default partition (where events land only when the
 * partition maintenance fell behind). Either way it first moves the watermark `event_retention.purged_*`
 * up to the greatest position removed: a cursor before it is expired (CURSOR_EXPIRED), never a gap.
 * Dropping a partition costs the same whatever the table holds: one look at the partition's indexes.
 */
export async function purgeStep(run: SqlRunner, retentionDays: number): Promise<PurgeStep> {
  // One row holds the watermark; locking it serialises purges of several server instances.
  await run(`insert into event_retention (id) values (1) on conflict (id) do nothing`, []);
  const [current] = await run<{ xid: string | null; id: string | null }>(
    `select purged_xid::text as xid, purged_id::text as id from event_retention where id = 1 for update`,
    [],
  );
  const watermark: LogPosition = current.xid !== null && current.id !== null ? { xid: BigInt(current.xid), id: BigInt(current.id) } : { xid: 0n, id: 0n };
  await run(`set local lock_timeout = '${LOCK_TIMEOUT}'`, []);

  // Never the newest range partition: its upper bound is where createNextPartition continues. Dropping
  // it (possible once the sequence has moved past every partition) made the maintenance start again at
  // id 0 and create every partition of `size` ids up to the sequence, one transaction each.
  const partitions = await eventPartitions(run);
  const oldest = partitions.length > 1 ? partitions[0] : undefined;
  const [sequence] = await run<{ last: string }>(`select coalesce(pg_sequence_last_value('event_id_seq'), 0)::text as last`, []);
  // Only a partition the sequence has moved past: no new event can land in it.
  if (oldest && oldest.to <= BigInt(sequence.last)) {
    // SHARE waits for transactions still inserting into the partition and keeps new ones out; readers pass.
    await run(`lock table ${oldest.name} in share mode`, []);
    const [facts] = await run<{ events: string; expired: boolean; newest_xid: string | null; newest_id: string | null }>(
      `with ${HORIZON_CTES},
            newest as (select e.xid, e.id from ${oldest.name} e order by e.xid desc, e.id desc limit 1)
       -- Counted exactly while small; past that estimated by the id span (ids have gaps only where a
       -- transaction rolled back), so the step costs the same for any partition size.
       select (case when pg_relation_size('${oldest.name}') < 8 * 1024 * 1024 then (select count(*) from ${oldest.name})
                    else (select max(id) - min(id) + 1 from ${oldest.name}) end)::text as events,
              coalesce((select max(occurred_at) from ${oldest.name}) < now() - make_interval(days => ?), true)
                and coalesce((select n.xid < h.horizon from newest n), true)
                and coalesce((select ${RELAYED} from newest e), true) as expired,
              (select xid::text from newest) as newest_xid, (select id::text from newest) as newest_id
         from h`,
      [retentionDays],
    );
    if (facts.expired) {
      if (facts.newest_xid !== null && facts.newest_id !== null) {
        const newest = { xid: BigInt(facts.newest_xid), id: BigInt(facts.newest_id) };
        await setWatermark(run, comparePositions(newest, watermark) > 0 ? newest : watermark);
      }
      await run(`drop table ${oldest.name}`, []);
      return { deleted: Number(facts.events), dropped: oldest.name, more: true };
    }
  }

  const deleted = await run<{ xid: string; id: string }>(
    `with ${HORIZON_CTES},
     doomed as (
       select e.id from event_default e, h
        where e.occurred_at < now() - make_interval(days => ?)
          and e.xid < h.horizon
          and ${RELAYED}
        order by e.occurred_at
        limit ?
     )
     delete from event_default e using doomed d where e.id = d.id returning e.xid::text as xid, e.id::text as id`,
    [retentionDays, PURGE_BATCH],
  );
  if (deleted.length === 0) return { deleted: 0, more: false };
  let highest = watermark;
  for (const row of deleted) {
    const position = { xid: BigInt(row.xid), id: BigInt(row.id) };
    if (comparePositions(position, highest) > 0) highest = position;
  }
  await setWatermark(run, highest);
  return { deleted: deleted.length, more: deleted.length === PURGE_BATCH };
}

async function setWatermark(run: SqlRunner, position: LogPosition): Promise<void> {
  await run(
    `update event_retention set purged_xid = ?::xid8, purged_id = ?::bigint, purged_at = now() where id = 1`,
    [position.xid.toString(), position.id.toString()],
  );
}
