import { Migration } from '@mikro-orm/migrations';

/**
 * The event log becomes a table partitioned by range of `id` (docs/scaling.md), so that retention drops
 * whole partitions instead of deleting rows. The existing table is kept as the first partition: a check
 * constraint added beforehand makes the attach instant, whatever it holds. A default partition catches
 * ids no partition covers yet (the maintenance fell behind): an insert never fails for want of one.
 * MikroORM does not model partitions, hence hand-written; the parent keeps the table's name, columns,
 * primary key and index names, so the entity is unchanged.
 */
export class Migration20261206013000_i17EventPartitions extends Migration {

  override async up(): Promise<void> {
    this.addSql(`lock table "event" in access exclusive mode;`);
    this.addSql(`alter table "event" rename to "event_p0";`);
    this.addSql(`alter table "event_p0" rename constraint "event_pkey" to "event_p0_pkey";`);
    this.addSql(`alter index "event_position_idx" rename to "event_p0_xid_id_idx";`);
    this.addSql(`alter index "event_customer_position_idx" rename to "event_p0_customer_id_xid_id_idx";`);
    this.addSql(`alter index "event_occurred_at_idx" rename to "event_p0_occurred_at_idx";`);
    this.addSql(`create table "event" ("id" bigint not null default nextval('event_id_seq'), "xid" xid8 not null default pg_current_xact_id(), "type" text not null, "customer_id" text null, "payload" jsonb not null, "occurred_at" timestamptz(3) not null default now(), constraint "event_pkey" primary key ("id")) partition by range ("id");`);
    this.addSql(`alter sequence "event_id_seq" owned by "event"."id";`);
    this.addSql(`alter table "event_p0" alter column "id" drop default;`);
    this.addSql(`create index "event_occurred_at_idx" on "event" ("occurred_at");`);
    this.addSql(`create index "event_customer_position_idx" on "event" ("customer_id", "xid", "id");`);
    this.addSql(`create index "event_position_idx" on "event" ("xid", "id");`);
    // The old rows stay where they are: the first partition ends at the next multiple of a million above
    // them; the maintenance (event-partitions.ts) creates the following ones ahead of the sequence.
    this.addSql(`do $$
      declare bound bigint := (ceil((coalesce((select max(id) from event_p0), 0) + 1) / 1000000.0) * 1000000)::bigint;
      begin
        execute format('alter table event_p0 add constraint event_p0_bound check (id < %s)', bound);
        execute format('alter table event attach partition event_p0 for values from (minvalue) to (%s)', bound);
        execute 'alter table event_p0 drop constraint event_p0_bound';
        execute format('create table event_p%s partition of event for values from (%s) to (%s)', bound, bound, bound + 1000000);
      end $$;`);
    this.addSql(`create table "event_default" partition of "event" default;`);
  }

  override async down(): Promise<void> {
    // Back to one plain table holding every retained event.
    this.addSql(`lock table "event" in access exclusive mode;`);
    this.addSql(`alter table "event" rename to "event_partitioned";`);
    this.addSql(`alter index "event_occurred_at_idx" rename to "event_partitioned_occurred_at_idx";`);
    this.addSql(`alter index "event_customer_position_idx" rename to "event_partitioned_customer_position_idx";`);
    this.addSql(`alter index "event_position_idx" rename to "event_partitioned_position_idx";`);
    this.addSql(`alter table "event_partitioned" rename constraint "event_pkey" to "event_partitioned_pkey";`);
    this.addSql(`create table "event" ("id" bigserial primary key, "xid" xid8 not null default pg_current_xact_id(), "type" text not null, "customer_id" text null, "payload" jsonb not null, "occurred_at" timestamptz(3) not null default now());`);
    this.addSql(`insert into "event" select * from "event_partitioned";`);
    this.addSql(`select setval('event_id_seq', greatest((select last_value from event_id_seq), coalesce((select max(id) from "event"), 1)));`);
    this.addSql(`alter table "event" alter column "id" set default nextval('event_id_seq');`);
    this.addSql(`alter sequence "event_id_seq" owned by "event"."id";`);
    this.addSql(`drop table "event_partitioned" cascade;`);
    this.addSql(`drop sequence if exists "event_id_seq1";`);
    this.addSql(`create index "event_occurred_at_idx" on "event" ("occurred_at");`);
    this.addSql(`create index "event_customer_position_idx" on "event" ("customer_id", "xid", "id");`);
    this.addSql(`create index "event_position_idx" on "event" ("xid", "id");`);
  }

}
