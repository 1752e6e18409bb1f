import { Migration } from '@mikro-orm/migrations';

/**
 * Distinct-customer figures over a window (`omnichannelCustomerShare`, 30-day `crossChannelJourneys`)
 * from bitmaps instead of per-customer cell rows (docs/analytics.md, "Rollups"). Every customer with a
 * cell gets a dense number; for each cell (level, bucket) of analytics_customer_cell and each feature
 * (a channel used: 0..10 in Channel enum order; a 30-day journey pair: 11 + touch * 11 + purchase),
 * analytics_cell_bitmap holds one bit per customer number, set exactly when that customer's cell has
 * the feature. Chunks of 16,384 customers (2 KiB, compressed in line when sparse).
 *
 * A window's distinct customers with a feature are then the bit count of the OR of a dozen bitmaps per
 * chunk, not a hash of ~25,000 cell rows per customer id. A statement trigger on
 * analytics_customer_cell notes the features each changed cell gained or lost, and a deferred trigger
 * flips those bits at commit, so every path that keeps the cells exact (inserts, cancellations, merges and their undo, imports,
 * analytics_rebuild()) keeps the bitmaps exact too.
 */
export class Migration20261206110000_analyticsCellBitmaps extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create sequence "analytics_customer_number_seq" minvalue 0 start 0;`);
    this.addSql(`create table "analytics_customer_number" ("customer_id" text not null, "number" int not null, constraint "analytics_customer_number_pkey" primary key ("customer_id"));`);
    this.addSql(`alter table "analytics_customer_number" add constraint "analytics_customer_number_number_unique" unique ("number");`);
    this.addSql(`create table "analytics_cell_bitmap" ("level" smallint not null, "bucket" int not null, "feature" smallint not null, "chunk" int not null, "bits" bit(16384) not null, constraint "analytics_cell_bitmap_pkey" primary key ("level", "bucket", "feature", "chunk"));`);
    this.addSql(`create table "analytics_cell_pending" ("level" smallint not null, "bucket" int not null, "feature" smallint not null, "number" int not null, "sign" smallint not null, constraint "analytics_cell_pending_pkey" primary key ("level", "bucket", "feature", "number"));`);
    // Sparse bitmaps (a day's few hundred customers) compress to tens of bytes; MAIN keeps them in line.
    this.addSql(`alter table "analytics_cell_bitmap" set (toast_tuple_target = 128);`);
    this.addSql(`alter table "analytics_cell_bitmap" alter column "bits" set storage main;`);
    // The cells are no longer read by window: their (level, bucket) indexes only cost writes.
    this.addSql(`drop index "analytics_customer_cell_bucket_idx";`);
    this.addSql(`drop index "analytics_customer_cell_journeys_idx";`);

    // A customer number's chunk, and its bit in the chunk's bitmap.
    this.addSql(`create function analytics_chunk(number int) returns int language sql immutable parallel safe as $$ select number / 16384 $$;`);
    this.addSql(`create function analytics_bit(number int) returns bit(16384) language sql immutable parallel safe as $$
      select set_bit(0::bit(16384), number % 16384, 1) $$;`);
    // The features of a cell: its channels' bits, then 11 + each journey pair.
    this.addSql(`create function analytics_cell_features(channels int, journeys smallint[]) returns setof smallint language sql immutable parallel safe as $$
      select c::smallint from generate_series(0, 10) as c where channels & (1 << c) <> 0
      union all
      select (11 + p)::smallint from unnest(journeys) as p $$;`);
    this.addSql(`create function analytics_number_customers(customers text[]) returns void language plpgsql as $$
      begin
        insert into analytics_customer_number (customer_id, number)
        select k.c, nextval('analytics_customer_number_seq')
          from (select distinct u.c from unnest(customers) as u(c) where u.c is not null order by u.c) k
         where not exists (select 1 from analytics_customer_number n where n.customer_id = k.c)
        on conflict do nothing;
      end $$;`);
    // Cells added and removed (an update is both): each (cell, feature, customer number) whose presence
    // changed is noted in analytics_cell_pending with +1 (gained) or -1 (lost), summed per key over the
    // transaction. Cells of one customer are written under its lock (analytics_lock_customers) until commit.
    this.addSql(`create function analytics_cells_changed(added analytics_customer_cell[], removed analytics_customer_cell[]) returns void language plpgsql as $$
      begin
        -- analytics_rebuild() computes the bitmaps in bulk after the cells.
        if current_setting('analytics.rebuilding', true) = 'on' then return; end if;
        perform analytics_number_customers(array(select a.customer_id from unnest(added) a));
        -- The number by a subquery per row: a handful of rows, where a join hashes the whole table.
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
    // At commit (a deferred trigger), the transaction's net changes flip their bits in ONE statement, in
    // key order: the bitmaps of today are shared by every writer, and row locks taken by several
    // statements in different orders deadlock. A net +1 finds the bit clear and a net -1 finds it set
    // (the bits follow the cells exactly), so XOR applies both. The first firing applies everything.
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
    this.addSql(`create function analytics_cells_changed_insert() returns trigger language plpgsql as $$
      begin perform analytics_cells_changed(array(select n::analytics_customer_cell from new_rows n), '{}'); return null; end $$;`);
    this.addSql(`create function analytics_cells_changed_delete() returns trigger language plpgsql as $$
      begin perform analytics_cells_changed('{}', array(select o::analytics_customer_cell from old_rows o)); return null; end $$;`);
    this.addSql(`create function analytics_cells_changed_update() returns trigger language plpgsql as $$
      begin
        perform analytics_cells_changed(
          array(select n::analytics_customer_cell from new_rows n join old_rows o using (customer_id, level, bucket)
                 where (n.channels, n.journeys) is distinct from (o.channels, o.journeys)),
          array(select o::analytics_customer_cell from old_rows o join new_rows n using (customer_id, level, bucket)
                 where (n.channels, n.journeys) is distinct from (o.channels, o.journeys)));
        return null;
      end $$;`);
    for (const event of ['insert', 'delete']) {
      const table = event === 'insert' ? 'new table as new_rows' : 'old table as old_rows';
      this.addSql(`create trigger analytics_customer_cell_${event} after ${event} on "analytics_customer_cell" referencing ${table} for each statement execute function analytics_cells_changed_${event}();`);
    }
    this.addSql(`create trigger analytics_customer_cell_update after update on "analytics_customer_cell" referencing old table as old_rows new table as new_rows for each statement execute function analytics_cells_changed_update();`);

    // The bitmaps from the cells, in bulk. Numbers already given are kept.
    this.addSql(`create function analytics_rebuild_bitmaps() returns void language plpgsql as $$
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
    this.addSql(`alter function analytics_rebuild() rename to analytics_rebuild_rollups;`);
    this.addSql(`create function analytics_rebuild() returns void language plpgsql as $$
      begin
        perform set_config('analytics.rebuilding', 'on', true);
        perform analytics_rebuild_rollups();
        perform set_config('analytics.rebuilding', 'off', true);
        perform analytics_rebuild_bitmaps();
      end $$;`);
    this.addSql(`set local statement_timeout = 0;`);
    this.addSql(`select analytics_rebuild_bitmaps();`);
  }

  override async down(): Promise<void> {
    for (const event of ['insert', 'update', 'delete']) {
      this.addSql(`drop trigger analytics_customer_cell_${event} on "analytics_customer_cell";`);
      this.addSql(`drop function analytics_cells_changed_${event}();`);
    }
    this.addSql(`drop trigger analytics_cell_pending_apply on "analytics_cell_pending";`);
    this.addSql(`drop function analytics_apply_pending();`);
    this.addSql(`drop function analytics_rebuild();`);
    this.addSql(`alter function analytics_rebuild_rollups() rename to analytics_rebuild;`);
    this.addSql(`drop function analytics_rebuild_bitmaps();`);
    this.addSql(`drop function analytics_cells_changed(analytics_customer_cell[], analytics_customer_cell[]);`);
    this.addSql(`drop function analytics_number_customers(text[]);`);
    this.addSql(`drop function analytics_cell_features(int, smallint[]);`);
    this.addSql(`drop function analytics_bit(int);`);
    this.addSql(`drop function analytics_chunk(int);`);
    this.addSql(`create index "analytics_customer_cell_bucket_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "channels");`);
    this.addSql(`create index "analytics_customer_cell_journeys_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "journeys") where "journeys" is not null;`);
    this.addSql(`drop table "analytics_cell_pending";`);
    this.addSql(`drop table "analytics_cell_bitmap";`);
    this.addSql(`drop table "analytics_customer_number";`);
    this.addSql(`drop sequence "analytics_customer_number_seq";`);
  }

}
