import { Migration } from '@mikro-orm/migrations';

export class Migration20261122091955_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create table "customer" ("id" text not null, "first_name" text null, "last_name" text null, "locale" text null, "city" text null, "status" text check ("status" in ('ACTIVE', 'ERASED')) not null default 'ACTIVE', "merged_into_id" text null, "search_text" text not null default '', "created_by" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), "erased_at" timestamptz(3) null, constraint "customer_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_merged_into_id_index" on "customer" ("merged_into_id");`);
    this.addSql(`create index "customer_search_trgm" on "customer" using gin ("search_text" gin_trgm_ops);`);

    this.addSql(`create table "consent" ("id" text not null, "customer_id" text not null, "purpose" text not null, "channel" text not null, "granted" boolean not null, "source" text null, "recorded_by" text not null, "recorded_at" timestamptz(3) not null default now(), constraint "consent_pkey" primary key ("id"));`);
    this.addSql(`create index "consent_customer_id_purpose_channel_recorded_at_index" on "consent" ("customer_id", "purpose", "channel", "recorded_at");`);

    this.addSql(`create table "customer_merge" ("id" text not null, "survivor_id" text not null, "merged_id" text not null, "reason" text null, "merged_by" text not null, "merged_at" timestamptz(3) not null default now(), "undone_at" timestamptz(3) null, constraint "customer_merge_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_merge_survivor_id_index" on "customer_merge" ("survivor_id");`);
    this.addSql(`create index "customer_merge_merged_id_index" on "customer_merge" ("merged_id");`);

    this.addSql(`create table "customer_merge_move" ("merge_id" text not null, "table_name" text not null, "row_id" text not null, constraint "customer_merge_move_pkey" primary key ("merge_id", "table_name", "row_id"));`);

    this.addSql(`create table "event" ("id" bigserial primary key, "xid" xid8 not null default pg_current_xact_id(), "type" text not null, "customer_id" text null, "payload" jsonb not null, "occurred_at" timestamptz(3) not null default now());`);
    this.addSql(`create index "event_occurred_at_idx" on "event" ("occurred_at");`);
    this.addSql(`create index "event_customer_position_idx" on "event" ("customer_id", "xid", "id");`);
    this.addSql(`create index "event_position_idx" on "event" ("xid", "id");`);

    this.addSql(`create table "identity" ("id" text not null, "customer_id" text not null, "type" text not null, "system" text not null default '', "value" text not null, "verified" boolean not null default false, "first_seen_channel" text null, "added_at" timestamptz(3) not null default now(), constraint "identity_pkey" primary key ("id"));`);
    this.addSql(`create index "identity_customer_id_index" on "identity" ("customer_id");`);
    this.addSql(`alter table "identity" add constraint "identity_type_system_value_unique" unique ("type", "system", "value");`);

    this.addSql(`alter table "customer" add constraint "customer_merged_into_id_foreign" foreign key ("merged_into_id") references "customer" ("id") on update cascade on delete no action;`);

    this.addSql(`alter table "consent" add constraint "consent_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "customer_merge" add constraint "customer_merge_survivor_id_foreign" foreign key ("survivor_id") references "customer" ("id") on update cascade;`);
    this.addSql(`alter table "customer_merge" add constraint "customer_merge_merged_id_foreign" foreign key ("merged_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "customer_merge_move" add constraint "customer_merge_move_merge_id_foreign" foreign key ("merge_id") references "customer_merge" ("id") on update cascade;`);

    this.addSql(`alter table "identity" add constraint "identity_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "customer" drop constraint "customer_merged_into_id_foreign";`);

    this.addSql(`alter table "consent" drop constraint "consent_customer_id_foreign";`);

    this.addSql(`alter table "customer_merge" drop constraint "customer_merge_survivor_id_foreign";`);

    this.addSql(`alter table "customer_merge" drop constraint "customer_merge_merged_id_foreign";`);

    this.addSql(`alter table "identity" drop constraint "identity_customer_id_foreign";`);

    this.addSql(`alter table "customer_merge_move" drop constraint "customer_merge_move_merge_id_foreign";`);

    this.addSql(`drop table if exists "customer" cascade;`);

    this.addSql(`drop table if exists "consent" cascade;`);

    this.addSql(`drop table if exists "customer_merge" cascade;`);

    this.addSql(`drop table if exists "customer_merge_move" cascade;`);

    this.addSql(`drop table if exists "event" cascade;`);

    this.addSql(`drop table if exists "identity" cascade;`);
  }

}
