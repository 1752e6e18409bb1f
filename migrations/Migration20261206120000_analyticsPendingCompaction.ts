import { Migration } from '@mikro-orm/migrations';

/**
 * The cell bitmaps (migration analyticsCellBitmaps) are no longer flipped at commit by every writer:
 * writers only append their net feature changes to analytics_cell_pending, readers XOR the pending
 * changes of the window's cells into the bitmaps they read, and a background compaction
 * (analytics_compact_pending(), run by each server every second) folds them into the bitmaps.
 *
 * Why it stays exact: the bits follow the cells, and a customer's cells change under its lock, so the
 * committed changes of one key (level, bucket, feature, customer number) alternate +1 / -1 starting
 * from the bit the bitmap holds. Their sum is -1, 0 or +1: nonzero exactly when the bit must flip.
 * Compaction deletes the rows it folds and updates the bitmaps in one transaction, so any snapshot
 * sees a row either pending or folded, never both or neither. Rows of transactions still open are
 * invisible to readers and to the compaction alike (MVCC), and are folded by a later run.
 *
 * The pending table is append-only and has no index: a write is a plain heap insert, no key lookup,
 * no row lock, no shared hot row; readers scan the few rows of the last second.
 */
export class Migration20261206120000_analyticsPendingCompaction extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop trigger analytics_cell_pending_apply on "analytics_cell_pending";`);
    this.addSql(`drop function analytics_apply_pending();`);
    this.addSql(`alter table "analytics_cell_pending" drop constraint "analytics_cell_pending_pkey";`);
    this.addSql(`alter table "analytics_cell_pending" set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);`);

    // Same net changes per statement as before, appended: no on conflict, no key, no lock.
    this.addSql(`create or replace function analytics_cells_changed(added analytics_customer_cell[], removed analytics_customer_cell[]) returns void language plpgsql as $$
      begin
        -- analytics_rebuild() computes the bitmaps in bulk after the cells.
        if current_setting('analytics.rebuilding', true) = 'on' then return; end if;
        perform analytics_number_customers(array(select a.customer_id from unnest(added) a));
        -- The number by a subquery per row: a handful of rows, where a join hashes the whole table.
        insert into analytics_cell_pending (level, bucket, feature, number, sign)
        select x.level, x.bucket, x.feature, (select n.number from analytics_customer_number n where n.customer_id = x.customer_id), x.sign
          from (
            select c.customer_id, c.level, c.bucket, f.feature, sum(c.sign)::smallint as sign
              from (select 1 as sign, a.* from unnest(added) a union all select -1, r.* from unnest(removed) r) c
             cross join analytics_cell_features(c.channels, c.journeys) as f(feature)
             group by 1, 2, 3, 4
            having sum(c.sign) <> 0
          ) x;
      end $$;`);

    // Folds the committed pending rows into the bitmaps and deletes them, in one statement and key order.
    // One compaction at a time (an advisory lock): without `wait`, a run finding another one under way
    // returns -1 at once. Returns the rows folded.
    this.addSql(`create function analytics_compact_pending(wait boolean default false) returns int language plpgsql as $$
      declare folded int;
      begin
        if wait then
          perform pg_advisory_xact_lock(hashtextextended('omni360.analytics_compact_pending', 0));
        elsif not pg_try_advisory_xact_lock(hashtextextended('omni360.analytics_compact_pending', 0)) then
          return -1;
        end if;
        with done as (delete from analytics_cell_pending returning level, bucket, feature, number, sign),
        flips as (
          insert into analytics_cell_bitmap as t (level, bucket, feature, chunk, bits)
          select f.level, f.bucket, f.feature, analytics_chunk(f.number), bit_or(analytics_bit(f.number))
            from (select d.level, d.bucket, d.feature, d.number from done d group by 1, 2, 3, 4 having sum(d.sign) <> 0) f
           group by 1, 2, 3, 4
           order by 1, 2, 3, 4
          on conflict (level, bucket, feature, chunk) do update set bits = t.bits # excluded.bits
        )
        select count(*) into folded from done;
        return folded;
      end $$;`);

    // The rebuild waits for a compaction under way (both rewrite the bitmaps and delete pending rows).
    this.addSql(`create or replace function analytics_rebuild_bitmaps() returns void language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(hashtextextended('omni360.analytics_compact_pending', 0));
        truncate analytics_cell_bitmap;
        delete from analytics_cell_pending;
        perform analytics_number_customers(array(select distinct c.customer_id from analytics_customer_cell c));
        insert into analytics_cell_bitmap (level, bucket, feature, chunk, bits)
        select c.level, c.bucket, f.feature, analytics_chunk(n.number), bit_or(analytics_bit(n.number))
          from analytics_customer_cell c
          join analytics_customer_number n on n.customer_id = c.customer_id
         cross join analytics_cell_features(c.channels, c.journeys) as f(feature)
         group by 1, 2, 3, 4;
      end $$;`);
    // Nothing is pending between transactions under the old trigger; fold whatever is, all the same.
    this.addSql(`select analytics_compact_pending(true);`);
  }

  override async down(): Promise<void> {
    this.addSql(`select analytics_compact_pending(true);`);
    this.addSql(`drop function analytics_compact_pending(boolean);`);
    this.addSql(`create or replace function analytics_rebuild_bitmaps() returns void language plpgsql as $$
      begin
        truncate analytics_cell_bitmap;
        -- Not truncate: this transaction may have deferred trigger events on it.
        delete from analytics_cell_pending;
        perform analytics_number_customers(array(select distinct c.customer_id from analytics_customer_cell c));
        insert into analytics_cell_bitmap (level, bucket, feature, chunk, bits)
        select c.level, c.bucket, f.feature, analytics_chunk(n.number), bit_or(analytics_bit(n.number))
          from analytics_customer_cell c
          join analytics_customer_number n on n.customer_id = c.customer_id
         cross join analytics_cell_features(c.channels, c.journeys) as f(feature)
         group by 1, 2, 3, 4;
      end $$;`);
    this.addSql(`alter table "analytics_cell_pending" reset (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold);`);
    this.addSql(`alter table "analytics_cell_pending" add constraint "analytics_cell_pending_pkey" primary key ("level", "bucket", "feature", "number");`);
    this.addSql(`create or replace function analytics_cells_changed(added analytics_customer_cell[], removed analytics_customer_cell[]) returns void language plpgsql as $$
      begin
        if current_setting('analytics.rebuilding', true) = 'on' then return; end if;
        perform analytics_number_customers(array(select a.customer_id from unnest(added) a));
        insert into analytics_cell_pending as t (level, bucket, feature, number, sign)
        select x.level, x.bucket, x.feature, (select n.number from analytics_customer_number n where n.customer_id = x.customer_id), x.sign
          from (
            select c.customer_id, c.level, c.bucket, f.feature, sum(c.sign)::smallint as sign
              from (select 1 as sign, a.* from unnest(added) a union all select -1, r.* from unnest(removed) r) c
             cross join analytics_cell_features(c.channels, c.journeys) as f(feature)
             group by 1, 2, 3, 4
            having sum(c.sign) <> 0
          ) x
        on conflict (level, bucket, feature, number) do update set sign = t.sign + excluded.sign;
      end $$;`);
    this.addSql(`create function analytics_apply_pending() returns trigger language plpgsql as $$
      begin
        with done as (delete from analytics_cell_pending returning *)
        insert into analytics_cell_bitmap as t (level, bucket, feature, chunk, bits)
        select d.level, d.bucket, d.feature, analytics_chunk(d.number), bit_or(analytics_bit(d.number))
          from done d
         where d.sign <> 0
         group by 1, 2, 3, 4
         order by 1, 2, 3, 4
        on conflict (level, bucket, feature, chunk) do update set bits = t.bits # excluded.bits;
        return null;
      end $$;`);
    this.addSql(`create constraint trigger analytics_cell_pending_apply after insert on "analytics_cell_pending" deferrable initially deferred for each row execute function analytics_apply_pending();`);
  }

}
