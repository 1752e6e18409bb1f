import { Migration } from '@mikro-orm/migrations';

/**
 * Rollups behind `analytics(from, to)` (docs/analytics.md, "Rollups"), kept current in the writing
 * transaction by statement-level triggers on "order", interaction and conversation, so no service has
 * to know about them. Every trigger recomputes exactly what its rows touched:
 *
 * - additive figures per UTC day as deltas: orders per (day, channel, currency), interactions per
 *   (day, channel), first-response sums per (day opened, first inbound channel), resolutions and their
 *   first contacts per day of first resolution;
 * - the first-contact verdict of every resolved conversation (analytics_resolution), recomputed from the
 *   raw rows for the conversations a change can affect (its day counts move by the difference);
 * - per customer, the channels used (bits in Channel enum order) and the 30-day journey pairs
 *   (touch, purchase) of non-cancelled orders, in cells of 4^level days (level 0..5: a day up to 1,024
 *   days), recomputed from the raw rows of the customer's touched days and then upwards from the four
 *   children of each cell. Distinct customers over a window then read a dozen cells per customer at
 *   most instead of every order and interaction.
 *
 * Merges, undo, claims, status changes, imports and deletes are updates or inserts of those tables and go
 * through the same triggers; erasure changes no column they read. analytics_rebuild() recomputes all of
 * it from the base tables (the backfill below, and bench/backfill.sql after a load without triggers).
 */
export class Migration20261206100000_analyticsRollups extends Migration {

  override async up(): Promise<void> {
    // Day rows carry a shard (the writing backend's pid mod 8): concurrent writers of the same day and
    // channel update different rows instead of queueing on one row lock until their commits.
    this.addSql(`create table "analytics_order_day" ("day" int not null, "channel" text not null, "currency" text not null, "shard" smallint not null, "counted" int not null, "cents" bigint not null, constraint "analytics_order_day_pkey" primary key ("day", "channel", "currency", "shard"));`);
    this.addSql(`create table "analytics_interaction_day" ("day" int not null, "channel" text not null, "shard" smallint not null, "count" int not null, constraint "analytics_interaction_day_pkey" primary key ("day", "channel", "shard"));`);
    this.addSql(`create table "analytics_response_day" ("day" int not null, "channel" text not null, "shard" smallint not null, "conversations" int not null, "seconds" numeric not null, constraint "analytics_response_day_pkey" primary key ("day", "channel", "shard"));`);
    this.addSql(`create table "analytics_resolution_day" ("day" int not null, "shard" smallint not null, "resolved" int not null, "first_contact" int not null, constraint "analytics_resolution_day_pkey" primary key ("day", "shard"));`);
    this.addSql(`create table "analytics_resolution" ("conversation_id" text not null, "first_resolved_at" timestamptz(3) not null, "first_contact" boolean not null, constraint "analytics_resolution_pkey" primary key ("conversation_id"));`);
    this.addSql(`create index "analytics_resolution_at_idx" on "analytics_resolution" ("first_resolved_at") include ("first_contact");`);
    this.addSql(`create table "analytics_customer_cell" ("customer_id" text not null, "level" smallint not null, "bucket" int not null, "channels" int not null, "journeys" smallint[] null, constraint "analytics_customer_cell_pkey" primary key ("customer_id", "level", "bucket"));`);
    this.addSql(`create index "analytics_customer_cell_bucket_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "channels");`);
    this.addSql(`create index "analytics_customer_cell_journeys_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "journeys") where "journeys" is not null;`);

    // Channel bits follow the Channel enum's order (test/analytics-rollups.test.ts pins the list).
    this.addSql(`create function analytics_channel_index(channel text) returns int language sql immutable parallel safe as $$
      select array_position(array['WEB','MOBILE_APP','STORE','PHONE','EMAIL','CHAT','SMS','SOCIAL','CHATBOT','VIDEO','MARKETPLACE'], channel) - 1 $$;`);
    this.addSql(`create function analytics_day(at timestamptz) returns int language sql immutable parallel safe as $$
      select floor(extract(epoch from at) / 86400)::int $$;`);
    this.addSql(`create function analytics_shard() returns smallint language sql stable parallel safe as $$ select (pg_backend_pid() % 8)::smallint $$;`);
    // Journey pairs are sorted arrays of touch * 11 + purchase; a cell's are the union of its children's.
    this.addSql(`create aggregate analytics_concat(smallint[]) (sfunc = array_cat, stype = smallint[]);`);
    // Functions that read tables are PL/pgSQL: PostgreSQL keeps their plans per connection, where it
    // plans the statement of an SQL-language function at every call (a millisecond per write).
    this.addSql(`create function analytics_pairs(pairs smallint[]) returns smallint[] language plpgsql immutable parallel safe as $$
      begin return (select array_agg(distinct p order by p) from unnest(pairs) as p); end $$;`);
    // The (touch, purchase) pairs of one non-cancelled order: touch * 11 + purchase for each channel of
    // an interaction of the customer in the 30 days (DEFAULT_JOURNEY_DAYS) before it, other than the order's.
    this.addSql(`create function analytics_order_pairs(customer text, placed timestamptz, purchase text) returns smallint[] language plpgsql stable as $$
      begin
        return (select analytics_pairs(array_agg((analytics_channel_index(i.channel) * 11 + analytics_channel_index(purchase))::smallint))
                  from interaction i
                 where i.customer_id = customer and i.occurred_at >= placed - make_interval(hours => 24 * 30) and i.occurred_at < placed
                   and i.channel <> purchase);
      end $$;`);
    // One customer's day cell from the raw rows: channels of orders (any status) and interactions, journeys.
    this.addSql(`create function analytics_day_cell(customer text, day int, out channels int, out journeys smallint[]) language plpgsql stable as $$
      begin
      select coalesce(bit_or(a.bit), 0), analytics_pairs(analytics_concat(a.journeys)) into channels, journeys
        from (
          select 1 << analytics_channel_index(o.channel) as bit,
                 case when o.status <> 'CANCELLED' then analytics_order_pairs(o.customer_id, o.placed_at, o.channel) end as journeys
            from "order" o
           where o.customer_id = customer and o.placed_at >= to_timestamp(day * 86400.0) and o.placed_at < to_timestamp((day + 1) * 86400.0)
          union all
          select 1 << analytics_channel_index(i.channel), null
            from interaction i
           where i.customer_id = customer and i.occurred_at >= to_timestamp(day * 86400.0) and i.occurred_at < to_timestamp((day + 1) * 86400.0)
        ) a;
      end $$;`);
    this.addSql(`create function analytics_refresh_cells(customers text[], days int[]) returns void language plpgsql as $$
      declare
        lvl int;
        cs text[];
        bs int[];
      begin
        select array_agg(k.c), array_agg(k.b) into cs, bs from (select distinct c, b from unnest(customers, days) as u(c, b) where c is not null) k;
        if cs is null then return; end if;
        delete from analytics_customer_cell t using unnest(cs, bs) as k(c, b) where t.customer_id = k.c and t.level = 0 and t.bucket = k.b;
        insert into analytics_customer_cell (customer_id, level, bucket, channels, journeys)
        select k.c, 0, k.b, x.channels, x.journeys from unnest(cs, bs) as k(c, b) cross join lateral analytics_day_cell(k.c, k.b) x where x.channels <> 0;
        for lvl in 1..5 loop
          -- The parents of the cells just refreshed: the union of their four children.
          select array_agg(k.c), array_agg(k.b) into cs, bs from (select distinct u.c, u.b / 4 as b from unnest(cs, bs) as u(c, b)) k;
          delete from analytics_customer_cell t using unnest(cs, bs) as k(c, b) where t.customer_id = k.c and t.level = lvl and t.bucket = k.b;
          insert into analytics_customer_cell (customer_id, level, bucket, channels, journeys)
          select k.c, lvl, k.b, bit_or(c.channels), analytics_pairs(analytics_concat(c.journeys))
            from unnest(cs, bs) as k(c, b)
            join analytics_customer_cell c on c.customer_id = k.c and c.level = lvl - 1 and c.bucket >= k.b * 4 and c.bucket < k.b * 4 + 4
           group by k.c, k.b;
        end loop;
      end $$;`);
    // firstContactResolutionRate's verdict of one conversation: no INBOUND interaction of its customer in
    // the 7 days (REOPEN_WINDOW_DAYS) after its first resolution.
    this.addSql(`create function analytics_first_contact(customer text, resolved timestamptz) returns boolean language plpgsql stable as $$
      begin
        return not exists (select 1 from interaction i
                            where i.customer_id = customer and i.direction = 'INBOUND'
                              and i.occurred_at > resolved and i.occurred_at <= resolved + make_interval(hours => 24 * 7));
      end $$;`);
    this.addSql(`create function analytics_count_resolutions(days int[], signs int[], contacts boolean[]) returns void language plpgsql as $$
      begin
      insert into analytics_resolution_day as t (day, shard, resolved, first_contact)
      select r.day, analytics_shard(), sum(r.sign), sum(r.sign * r.contact::int)
        from unnest(days, signs, contacts) as r(day, sign, contact)
       group by r.day
      having sum(r.sign) <> 0 or sum(r.sign * r.contact::int) <> 0
      on conflict (day, shard) do update set resolved = t.resolved + excluded.resolved, first_contact = t.first_contact + excluded.first_contact;
      end $$;`);
    // The verdicts of these conversations again from the raw rows, and the day counts by the difference.
    this.addSql(`create function analytics_refresh_resolutions(ids text[]) returns void language plpgsql as $$
      declare
        days int[];
        contacts boolean[];
      begin
        with gone as (delete from analytics_resolution r using (select distinct k.id from unnest(ids) as k(id)) k where r.conversation_id = k.id
                      returning analytics_day(r.first_resolved_at) as day, r.first_contact)
        select array_agg(gone.day), array_agg(gone.first_contact) into days, contacts from gone;
        if days is not null then perform analytics_count_resolutions(days, array_fill(-1, array[cardinality(days)]), contacts); end if;
        with added as (insert into analytics_resolution (conversation_id, first_resolved_at, first_contact)
                       select c.id, c.first_resolved_at, analytics_first_contact(c.customer_id, c.first_resolved_at)
                         from (select distinct k.id from unnest(ids) as k(id)) k join conversation c on c.id = k.id
                        where c.first_resolved_at is not null
                       returning analytics_day(first_resolved_at) as day, first_contact)
        select array_agg(added.day), array_agg(added.first_contact) into days, contacts from added;
        if days is not null then perform analytics_count_resolutions(days, array_fill(1, array[cardinality(days)]), contacts); end if;
      end $$;`);

    // Inserts only add: their channels and pairs are merged into the six cells of each (customer, day)
    // without reading anything else. (Updates and deletes may remove some: analytics_refresh_cells.)
    this.addSql(`create function analytics_merge_cells(customers text[], days int[], bits int[], pairs smallint[]) returns void language plpgsql as $$
      begin
      insert into analytics_customer_cell as t (customer_id, level, bucket, channels, journeys)
      select k.c, l.level, k.d >> (2 * l.level), bit_or(k.bit), analytics_pairs(array_agg(k.pair) filter (where k.pair is not null))
        from unnest(customers, days, bits, pairs) as k(c, d, bit, pair) cross join generate_series(0, 5) as l(level)
       where k.c is not null
       group by 1, 2, 3
      on conflict (customer_id, level, bucket) do update set channels = t.channels | excluded.channels, journeys = analytics_pairs(t.journeys || excluded.journeys);
      end $$;`);

    // Cells and verdicts are recomputed from what a statement sees: two transactions writing rows of the
    // same customer would each miss the other's uncommitted rows (and race on the same cell rows). Every
    // trigger first takes a per-customer lock held to commit, in a statement of its own, so its reads
    // come after any other writer of those customers has committed.
    this.addSql(`create function analytics_lock_customers(customers text[]) returns void language plpgsql as $$
      begin
        perform count(pg_advisory_xact_lock(hashtextextended(k.c, 360)))
           from (select distinct u.c from unnest(customers) as u(c) where u.c is not null order by u.c) k;
      end $$;`);

    // Orders: deltas of the day rollup, then the customers' cells of the touched days.
    this.addSql(`create function analytics_orders_changed(added "order"[], removed "order"[]) returns void language plpgsql as $$
      begin
        perform analytics_lock_customers(array(select a.customer_id from unnest(added) a union select r.customer_id from unnest(removed) r));
        insert into analytics_order_day as t (day, channel, currency, shard, counted, cents)
        select d.day, d.channel, d.currency, analytics_shard(), sum(d.counted), sum(d.cents)
          from (
            select analytics_day(o.placed_at) as day, o.channel, o.currency, (o.status <> 'CANCELLED')::int * o.sign as counted,
                   case when o.status in ('PLACED', 'FULFILLED') then o.total_cents else 0 end * o.sign as cents
              from (select 1 as sign, a.* from unnest(added) a union all select -1, r.* from unnest(removed) r) o
          ) d
         group by d.day, d.channel, d.currency
        having sum(d.counted) <> 0 or sum(d.cents) <> 0
        on conflict (day, channel, currency, shard) do update set counted = t.counted + excluded.counted, cents = t.cents + excluded.cents;
        if cardinality(removed) = 0 then
          perform analytics_merge_cells(array_agg(o.customer_id), array_agg(analytics_day(o.placed_at)), array_agg(1 << analytics_channel_index(o.channel)), array_agg(j.pair))
             from unnest(added) o
             left join lateral unnest(case when o.status <> 'CANCELLED' then analytics_order_pairs(o.customer_id, o.placed_at, o.channel) end) as j(pair) on true
            where o.customer_id is not null
           having count(*) > 0;
          return;
        end if;
        -- Cells read the customer, day, channel and whether an order is cancelled: other changes (a
        -- fulfilment, a return) leave them as they are.
        perform analytics_refresh_cells(array_agg(o.customer_id), array_agg(analytics_day(o.placed_at)))
           from (
             select r.customer_id, r.placed_at, a.customer_id as new_customer, a.placed_at as new_placed
               from unnest(removed) r left join unnest(added) a on a.id = r.id
              where a.id is null
                 or (a.customer_id, a.placed_at, a.channel, a.status = 'CANCELLED') is distinct from (r.customer_id, r.placed_at, r.channel, r.status = 'CANCELLED')
           ) changed
           cross join lateral (values (changed.customer_id, changed.placed_at), (changed.new_customer, changed.new_placed)) as o(customer_id, placed_at)
          where o.customer_id is not null
         having count(*) > 0;
      end $$;`);
    // Interactions: day deltas; cells of their days and of the orders whose 30-day journeys they are in;
    // first-contact verdicts of the conversations resolved in the 7 days before an inbound one.
    this.addSql(`create function analytics_interactions_changed(added interaction[], removed interaction[]) returns void language plpgsql as $$
      begin
        perform analytics_lock_customers(array(select a.customer_id from unnest(added) a union select r.customer_id from unnest(removed) r));
        insert into analytics_interaction_day as t (day, channel, shard, count)
        select analytics_day(i.occurred_at), i.channel, analytics_shard(), sum(i.sign)
          from (select 1 as sign, a.occurred_at, a.channel from unnest(added) a union all select -1, r.occurred_at, r.channel from unnest(removed) r) i
         group by 1, 2
        having sum(i.sign) <> 0
        on conflict (day, channel, shard) do update set count = t.count + excluded.count;
        if cardinality(removed) = 0 then
          -- New contacts: their channel in their day's cells, and a pair in the cells of each later
          -- order they now precede by at most 30 days.
          perform analytics_merge_cells(array_agg(k.customer_id), array_agg(k.day), array_agg(k.bit), array_agg(k.pair))
             from (
               select i.customer_id, analytics_day(i.occurred_at) as day, 1 << analytics_channel_index(i.channel) as bit, null::smallint as pair
                 from unnest(added) i
               union all
               select o.customer_id, analytics_day(o.placed_at), 0, (analytics_channel_index(i.channel) * 11 + analytics_channel_index(o.channel))::smallint
                 from unnest(added) i
                 join "order" o on o.customer_id = i.customer_id and o.placed_at > i.occurred_at and o.placed_at <= i.occurred_at + make_interval(hours => 24 * 30)
                where o.status <> 'CANCELLED' and o.channel <> i.channel
             ) k
           having count(*) > 0;
        else
          perform analytics_refresh_cells(array_agg(k.customer_id), array_agg(k.day))
             from (
               select i.customer_id, analytics_day(i.occurred_at) as day from (select * from unnest(added) union all select * from unnest(removed)) i
               union
               select o.customer_id, analytics_day(o.placed_at)
                 from (select * from unnest(added) union all select * from unnest(removed)) i
                 join "order" o on o.customer_id = i.customer_id and o.placed_at > i.occurred_at and o.placed_at <= i.occurred_at + make_interval(hours => 24 * 30)
             ) k
           having count(*) > 0;
        end if;
        perform analytics_refresh_resolutions(array_agg(distinct c.id))
           from (select * from unnest(added) union all select * from unnest(removed)) i
           join conversation c on c.customer_id = i.customer_id and c.first_resolved_at >= i.occurred_at - make_interval(hours => 24 * 7) and c.first_resolved_at < i.occurred_at
          where i.direction = 'INBOUND'
         having count(*) > 0;
      end $$;`);
    this.addSql(`create function analytics_conversations_changed(added conversation[], removed conversation[]) returns void language plpgsql as $$
      begin
        perform analytics_lock_customers(array(select a.customer_id from unnest(added) a union select r.customer_id from unnest(removed) r));
        insert into analytics_response_day as t (day, channel, shard, conversations, seconds)
        select analytics_day(c.opened_at), coalesce(c.first_inbound_channel, ''), analytics_shard(), sum(c.sign), sum(c.sign * extract(epoch from c.first_response_at - c.first_inbound_at))
          from (select 1 as sign, a.* from unnest(added) a union all select -1, r.* from unnest(removed) r) c
         where c.first_response_at is not null and c.first_inbound_at is not null
         group by 1, 2
        having sum(c.sign) <> 0 or sum(c.sign * extract(epoch from c.first_response_at - c.first_inbound_at)) <> 0
        on conflict (day, channel, shard) do update set conversations = t.conversations + excluded.conversations, seconds = t.seconds + excluded.seconds;
        perform analytics_refresh_resolutions(array_agg(distinct c.id))
           from (select a.id from unnest(added) a union all select r.id from unnest(removed) r) c
         having count(*) > 0;
      end $$;`);

    // One trigger function per table and event (transition tables need one event per trigger). Updates
    // pass on only the rows whose figures' columns changed: most updates (erasure, activity times) none.
    this.addTriggers('order', 'analytics_orders_changed', ['customer_id', 'placed_at', 'channel', 'currency', 'status', 'total_cents']);
    this.addTriggers('interaction', 'analytics_interactions_changed', ['customer_id', 'occurred_at', 'channel', 'direction']);
    this.addTriggers('conversation', 'analytics_conversations_changed',
      ['customer_id', 'first_resolved_at', 'opened_at', 'first_inbound_at', 'first_response_at', 'first_inbound_channel']);

    this.addSql(`create function analytics_rebuild() returns void language plpgsql as $$
      declare lvl int;
      begin
        truncate analytics_order_day, analytics_interaction_day, analytics_response_day, analytics_resolution_day, analytics_resolution, analytics_customer_cell;
        insert into analytics_order_day (day, channel, currency, shard, counted, cents)
        select analytics_day(o.placed_at), o.channel, o.currency, 0, count(*) filter (where o.status <> 'CANCELLED'),
               coalesce(sum(o.total_cents) filter (where o.status in ('PLACED', 'FULFILLED')), 0)
          from "order" o group by 1, 2, 3
        having count(*) filter (where o.status <> 'CANCELLED') > 0 or coalesce(sum(o.total_cents) filter (where o.status in ('PLACED', 'FULFILLED')), 0) <> 0;
        insert into analytics_interaction_day (day, channel, shard, count)
        select analytics_day(i.occurred_at), i.channel, 0, count(*) from interaction i group by 1, 2;
        insert into analytics_response_day (day, channel, shard, conversations, seconds)
        select analytics_day(c.opened_at), coalesce(c.first_inbound_channel, ''), 0, count(*), sum(extract(epoch from c.first_response_at - c.first_inbound_at))
          from conversation c where c.first_response_at is not null and c.first_inbound_at is not null group by 1, 2;
        insert into analytics_resolution (conversation_id, first_resolved_at, first_contact)
        select c.id, c.first_resolved_at,
               analytics_first_contact(c.customer_id, c.first_resolved_at)
          from conversation c where c.first_resolved_at is not null;
        insert into analytics_resolution_day (day, shard, resolved, first_contact)
        select analytics_day(r.first_resolved_at), 0, count(*), count(*) filter (where r.first_contact) from analytics_resolution r group by 1;
        insert into analytics_customer_cell (customer_id, level, bucket, channels, journeys)
        select a.customer_id, 0, a.day, bit_or(a.bit), analytics_pairs(analytics_concat(a.journeys))
          from (
            select o.customer_id, analytics_day(o.placed_at) as day, 1 << analytics_channel_index(o.channel) as bit,
                   case when o.status <> 'CANCELLED' then analytics_order_pairs(o.customer_id, o.placed_at, o.channel) end as journeys
              from "order" o where o.customer_id is not null
            union all
            select i.customer_id, analytics_day(i.occurred_at), 1 << analytics_channel_index(i.channel), null from interaction i
          ) a
         group by a.customer_id, a.day;
        for lvl in 1..5 loop
          insert into analytics_customer_cell (customer_id, level, bucket, channels, journeys)
          select c.customer_id, lvl, c.bucket / 4, bit_or(c.channels), analytics_pairs(analytics_concat(c.journeys))
            from analytics_customer_cell c where c.level = lvl - 1 group by c.customer_id, c.bucket / 4;
        end loop;
      end $$;`);
    // The backfill reads every order and interaction once: minutes on a large database, more than the
    // pool's statement timeout.
    this.addSql(`set local statement_timeout = 0;`);
    this.addSql(`select analytics_rebuild();`);
  }

  /** AFTER INSERT, UPDATE and DELETE statement triggers of `table`, passing the changed rows to `apply`. */
  private addTriggers(table: string, apply: string, columns: string[]): void {
    const changed = columns.map((column) => `n."${column}" is distinct from o."${column}"`).join(' or ');
    this.addSql(`create function ${apply}_insert() returns trigger language plpgsql as $$
      begin perform ${apply}(array(select n::"${table}" from new_rows n), '{}'); return null; end $$;`);
    this.addSql(`create function ${apply}_delete() returns trigger language plpgsql as $$
      begin perform ${apply}('{}', array(select o::"${table}" from old_rows o)); return null; end $$;`);
    this.addSql(`create function ${apply}_update() returns trigger language plpgsql as $$
      begin
        perform ${apply}(array(select n::"${table}" from new_rows n join old_rows o on o.id = n.id where ${changed}),
                         array(select o::"${table}" from old_rows o join new_rows n on n.id = o.id where ${changed}));
        return null;
      end $$;`);
    this.addSql(`create trigger ${table}_analytics_insert after insert on "${table}" referencing new table as new_rows for each statement execute function ${apply}_insert();`);
    this.addSql(`create trigger ${table}_analytics_delete after delete on "${table}" referencing old table as old_rows for each statement execute function ${apply}_delete();`);
    this.addSql(`create trigger ${table}_analytics_update after update on "${table}" referencing old table as old_rows new table as new_rows for each statement execute function ${apply}_update();`);
  }

  override async down(): Promise<void> {
    for (const table of ['order', 'interaction', 'conversation']) {
      for (const event of ['insert', 'update', 'delete']) this.addSql(`drop trigger ${table}_analytics_${event} on "${table}";`);
    }
    for (const apply of ['analytics_orders_changed', 'analytics_interactions_changed', 'analytics_conversations_changed']) {
      for (const event of ['insert', 'update', 'delete']) this.addSql(`drop function ${apply}_${event}();`);
    }
    this.addSql(`drop function analytics_rebuild();`);
    this.addSql(`drop function analytics_conversations_changed(conversation[], conversation[]);`);
    this.addSql(`drop function analytics_interactions_changed(interaction[], interaction[]);`);
    this.addSql(`drop function analytics_orders_changed("order"[], "order"[]);`);
    this.addSql(`drop function analytics_refresh_resolutions(text[]);`);
    this.addSql(`drop function analytics_count_resolutions(int[], int[], boolean[]);`);
    this.addSql(`drop function analytics_refresh_cells(text[], int[]);`);
    this.addSql(`drop function analytics_merge_cells(text[], int[], int[], smallint[]);`);
    this.addSql(`drop function analytics_lock_customers(text[]);`);
    this.addSql(`drop function analytics_first_contact(text, timestamptz);`);
    this.addSql(`drop function analytics_day_cell(text, int);`);
    this.addSql(`drop function analytics_order_pairs(text, timestamptz, text);`);
    this.addSql(`drop function analytics_pairs(smallint[]);`);
    this.addSql(`drop aggregate analytics_concat(smallint[]);`);
    this.addSql(`drop function analytics_shard();`);
    this.addSql(`drop function analytics_day(timestamptz);`);
    this.addSql(`drop function analytics_channel_index(text);`);
    this.addSql(`drop table "analytics_customer_cell";`);
    this.addSql(`drop table "analytics_resolution";`);
    this.addSql(`drop table "analytics_resolution_day";`);
    this.addSql(`drop table "analytics_response_day";`);
    this.addSql(`drop table "analytics_interaction_day";`);
    this.addSql(`drop table "analytics_order_day";`);
  }

}
