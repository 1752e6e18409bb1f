import { Migration } from '@mikro-orm/migrations';

export class Migration20261122105012_initial extends Migration {

  override async up(): Promise<void> {
    // Trigram indexes serve the fragment searches of customers and products.
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create table "agent" ("id" text not null, "email" text not null, "name" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "agent_pkey" primary key ("id"));`);
    this.addSql(`alter table "agent" add constraint "agent_email_unique" unique ("email");`);

    this.addSql(`create table "customer" ("id" text not null, "first_name" text null, "last_name" text null, "locale" text null, "city" text null, "status" text check ("status" in ('ACTIVE', 'ERASED')) not null default 'ACTIVE', "merged_into_id" text null, "search_text" text not null default '', "created_by" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), "erased_at" timestamptz(3) null, constraint "customer_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_merged_into_id_index" on "customer" ("merged_into_id");`);
    this.addSql(`create index "customer_search_trgm" on "customer" using gin ("search_text" gin_trgm_ops);`);

    this.addSql(`create table "conversation" ("id" text not null, "customer_id" text not null, "status" text not null, "subject" text null, "channels" text[] not null default '{}', "assignee_id" text null, "opened_at" timestamptz(3) not null, "last_activity_at" timestamptz(3) not null, "first_inbound_at" timestamptz(3) null, "first_inbound_channel" text null, "first_response_at" timestamptz(3) null, "resolved_at" timestamptz(3) null, "first_resolved_at" timestamptz(3) null, "reopen_count" int not null default 0, "created_by" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "conversation_pkey" primary key ("id"));`);
    this.addSql(`create index "conversation_assignee_idx" on "conversation" ("assignee_id", "id");`);
    this.addSql(`create index "conversation_status_idx" on "conversation" ("status", "id");`);
    this.addSql(`create index "conversation_customer_active_idx" on "conversation" ("customer_id", "status", "last_activity_at");`);
    this.addSql(`create index "conversation_customer_idx" on "conversation" ("customer_id", "id");`);

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

    this.addSql(`create table "event_retention" ("id" int not null, "purged_xid" xid8 null, "purged_id" bigint null, "purged_at" timestamptz(3) null, constraint "event_retention_pkey" primary key ("id"));`);

    this.addSql(`create table "handover" ("id" text not null, "conversation_id" text not null, "customer_id" text not null, "from_agent_id" text null, "to_agent_id" text not null, "note" text null, "at" timestamptz(3) not null default now(), "created_by" text not null, constraint "handover_pkey" primary key ("id"));`);
    this.addSql(`create index "handover_customer_idx" on "handover" ("customer_id", "at");`);
    this.addSql(`create index "handover_conversation_idx" on "handover" ("conversation_id", "at");`);

    this.addSql(`create table "identity" ("id" text not null, "customer_id" text not null, "type" text not null, "system" text not null default '', "value" text not null, "verified" boolean not null default false, "first_seen_channel" text null, "added_at" timestamptz(3) not null default now(), constraint "identity_pkey" primary key ("id"));`);
    this.addSql(`create index "identity_customer_id_index" on "identity" ("customer_id");`);
    this.addSql(`alter table "identity" add constraint "identity_type_system_value_unique" unique ("type", "system", "value");`);

    this.addSql(`create table "interaction" ("id" text not null, "source" text not null, "external_id" text not null, "channel" text not null, "direction" text not null, "customer_id" text not null, "conversation_id" text not null, "agent_id" text null, "subject" text null, "body" text null, "occurred_at" timestamptz(3) not null, "input_hash" text not null, "created_by" text not null, "recorded_at" timestamptz(3) not null default now(), constraint "interaction_pkey" primary key ("id"));`);
    this.addSql(`create index "interaction_occurred_at_idx" on "interaction" ("occurred_at");`);
    this.addSql(`create index "interaction_conversation_idx" on "interaction" ("conversation_id", "occurred_at", "id");`);
    this.addSql(`create index "interaction_customer_idx" on "interaction" ("customer_id", "occurred_at", "id");`);
    this.addSql(`alter table "interaction" add constraint "interaction_source_external_id_unique" unique ("source", "external_id");`);

    this.addSql(`create table "location" ("id" text not null, "code" text not null, "name" text not null, "type" text check ("type" in ('WAREHOUSE', 'STORE')) not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "location_pkey" primary key ("id"));`);
    this.addSql(`alter table "location" add constraint "location_code_unique" unique ("code");`);

    this.addSql(`create table "offer" ("id" text not null, "code" text not null, "title" text not null, "discount_basis_points" int null, "discount_amount_cents" bigint null, "discount_currency" text null, "skus" text[] not null default '{}', "segment" text null, "valid_from" timestamptz(3) null, "valid_to" timestamptz(3) null, "active" boolean not null default true, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "offer_pkey" primary key ("id"), constraint offer_one_discount_check check ((discount_basis_points is null) <> (discount_amount_cents is null)));`);
    this.addSql(`alter table "offer" add constraint "offer_code_unique" unique ("code");`);

    this.addSql(`create table "offer_response" ("id" text not null, "offer_id" text not null, "customer_id" text not null, "channel" text not null, "response" text check ("response" in ('PRESENTED', 'ACCEPTED', 'DECLINED')) not null, "responded_by" text not null, "responded_at" timestamptz(3) not null default now(), constraint "offer_response_pkey" primary key ("id"));`);
    this.addSql(`create index "offer_response_customer_offer_idx" on "offer_response" ("customer_id", "offer_id", "responded_at");`);

    this.addSql(`create table "order" ("id" text not null, "source" text not null, "external_id" text not null, "request_hash" text not null, "channel" text not null, "location_id" text null, "customer_id" text null, "status" text check ("status" in ('PLACED', 'FULFILLED', 'CANCELLED', 'RETURNED')) not null, "placed_at" timestamptz(3) not null, "currency" text not null, "subtotal_cents" bigint not null, "discount_cents" bigint not null, "total_cents" bigint not null, "guest_identities" jsonb null, "reserves_stock" boolean not null, "imported" boolean not null default false, "created_by" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "order_pkey" primary key ("id"));`);
    this.addSql(`create index "order_guest_identities_gin" on "order" using gin ("guest_identities" jsonb_path_ops) where "customer_id" is null;`);
    this.addSql(`create index "order_channel_placed_idx" on "order" ("channel", "placed_at", "id");`);
    this.addSql(`create index "order_placed_idx" on "order" ("placed_at", "id");`);
    this.addSql(`create index "order_customer_placed_idx" on "order" ("customer_id", "placed_at", "id");`);
    this.addSql(`alter table "order" add constraint "order_source_external_id_unique" unique ("source", "external_id");`);

    this.addSql(`create table "product" ("id" text not null, "sku" text not null, "name" text not null, "category" text null, "price_cents" bigint not null, "currency" text not null, "active" boolean not null default true, "search_text" text not null default '', "created_by" text not null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "product_pkey" primary key ("id"));`);
    this.addSql(`alter table "product" add constraint "product_sku_unique" unique ("sku");`);
    this.addSql(`create index "product_search_trgm" on "product" using gin ("search_text" gin_trgm_ops);`);

    this.addSql(`create table "order_line" ("id" text not null, "order_id" text not null, "line_no" int not null, "product_id" text not null, "sku" text not null, "quantity" int not null, "unit_price_cents" bigint not null, "discount_cents" bigint not null, "total_cents" bigint not null, "offer_id" text null, constraint "order_line_pkey" primary key ("id"), constraint order_line_quantity_check check (quantity > 0));`);
    this.addSql(`create index "order_line_order_idx" on "order_line" ("order_id", "line_no");`);

    this.addSql(`create table "relay_position" ("name" text not null, "xid" xid8 not null, "id" bigint not null, "updated_at" timestamptz(3) not null default now(), constraint "relay_position_pkey" primary key ("name"));`);

    this.addSql(`create table "stock_level" ("product_id" text not null, "location_id" text not null, "on_hand" int not null default 0, "reserved" int not null default 0, "updated_at" timestamptz(3) not null default now(), constraint "stock_level_pkey" primary key ("product_id", "location_id"), constraint stock_level_reserved_check check (reserved >= 0 and reserved <= on_hand), constraint stock_level_on_hand_check check (on_hand >= 0));`);
    this.addSql(`create index "stock_level_location_idx" on "stock_level" ("location_id");`);

    this.addSql(`create table "stock_movement" ("id" text not null, "source" text null, "external_id" text null, "request_hash" text null, "product_id" text not null, "location_id" text not null, "delta_on_hand" int not null, "delta_reserved" int not null, "kind" text not null, "reason" text null, "order_id" text null, "created_by" text not null, "created_at" timestamptz(3) not null default now(), constraint "stock_movement_pkey" primary key ("id"));`);
    this.addSql(`create index "stock_movement_order_id_idx" on "stock_movement" ("order_id");`);
    this.addSql(`create index "stock_movement_product_location_idx" on "stock_movement" ("product_id", "location_id", "created_at");`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_source_external_id_unique" unique ("source", "external_id");`);

    this.addSql(`alter table "customer" add constraint "customer_merged_into_id_foreign" foreign key ("merged_into_id") references "customer" ("id") on update cascade on delete no action;`);

    this.addSql(`alter table "conversation" add constraint "conversation_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);
    this.addSql(`alter table "conversation" add constraint "conversation_assignee_id_foreign" foreign key ("assignee_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "consent" add constraint "consent_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "customer_merge" add constraint "customer_merge_survivor_id_foreign" foreign key ("survivor_id") references "customer" ("id") on update cascade;`);
    this.addSql(`alter table "customer_merge" add constraint "customer_merge_merged_id_foreign" foreign key ("merged_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "customer_merge_move" add constraint "customer_merge_move_merge_id_foreign" foreign key ("merge_id") references "customer_merge" ("id") on update cascade;`);

    this.addSql(`alter table "handover" add constraint "handover_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on update cascade;`);
    this.addSql(`alter table "handover" add constraint "handover_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);
    this.addSql(`alter table "handover" add constraint "handover_from_agent_id_foreign" foreign key ("from_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "handover" add constraint "handover_to_agent_id_foreign" foreign key ("to_agent_id") references "agent" ("id") on update cascade;`);

    this.addSql(`alter table "identity" add constraint "identity_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "interaction" add constraint "interaction_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);
    this.addSql(`alter table "interaction" add constraint "interaction_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on update cascade;`);
    this.addSql(`alter table "interaction" add constraint "interaction_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "offer_response" add constraint "offer_response_offer_id_foreign" foreign key ("offer_id") references "offer" ("id") on update cascade;`);
    this.addSql(`alter table "offer_response" add constraint "offer_response_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade;`);

    this.addSql(`alter table "order" add constraint "order_location_id_foreign" foreign key ("location_id") references "location" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "order" add constraint "order_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "order_line" add constraint "order_line_order_id_foreign" foreign key ("order_id") references "order" ("id") on update cascade;`);
    this.addSql(`alter table "order_line" add constraint "order_line_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade;`);
    this.addSql(`alter table "order_line" add constraint "order_line_offer_id_foreign" foreign key ("offer_id") references "offer" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "stock_level" add constraint "stock_level_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade;`);
    this.addSql(`alter table "stock_level" add constraint "stock_level_location_id_foreign" foreign key ("location_id") references "location" ("id") on update cascade;`);

    this.addSql(`alter table "stock_movement" add constraint "stock_movement_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_location_id_foreign" foreign key ("location_id") references "location" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "conversation" drop constraint "conversation_assignee_id_foreign";`);

    this.addSql(`alter table "handover" drop constraint "handover_from_agent_id_foreign";`);

    this.addSql(`alter table "handover" drop constraint "handover_to_agent_id_foreign";`);

    this.addSql(`alter table "interaction" drop constraint "interaction_agent_id_foreign";`);

    this.addSql(`alter table "customer" drop constraint "customer_merged_into_id_foreign";`);

    this.addSql(`alter table "conversation" drop constraint "conversation_customer_id_foreign";`);

    this.addSql(`alter table "consent" drop constraint "consent_customer_id_foreign";`);

    this.addSql(`alter table "customer_merge" drop constraint "customer_merge_survivor_id_foreign";`);

    this.addSql(`alter table "customer_merge" drop constraint "customer_merge_merged_id_foreign";`);

    this.addSql(`alter table "handover" drop constraint "handover_customer_id_foreign";`);

    this.addSql(`alter table "identity" drop constraint "identity_customer_id_foreign";`);

    this.addSql(`alter table "interaction" drop constraint "interaction_customer_id_foreign";`);

    this.addSql(`alter table "offer_response" drop constraint "offer_response_customer_id_foreign";`);

    this.addSql(`alter table "order" drop constraint "order_customer_id_foreign";`);

    this.addSql(`alter table "handover" drop constraint "handover_conversation_id_foreign";`);

    this.addSql(`alter table "interaction" drop constraint "interaction_conversation_id_foreign";`);

    this.addSql(`alter table "customer_merge_move" drop constraint "customer_merge_move_merge_id_foreign";`);

    this.addSql(`alter table "order" drop constraint "order_location_id_foreign";`);

    this.addSql(`alter table "stock_level" drop constraint "stock_level_location_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_location_id_foreign";`);

    this.addSql(`alter table "offer_response" drop constraint "offer_response_offer_id_foreign";`);

    this.addSql(`alter table "order_line" drop constraint "order_line_offer_id_foreign";`);

    this.addSql(`alter table "order_line" drop constraint "order_line_order_id_foreign";`);

    this.addSql(`alter table "order_line" drop constraint "order_line_product_id_foreign";`);

    this.addSql(`alter table "stock_level" drop constraint "stock_level_product_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_product_id_foreign";`);

    this.addSql(`drop table if exists "agent" cascade;`);

    this.addSql(`drop table if exists "customer" cascade;`);

    this.addSql(`drop table if exists "conversation" cascade;`);

    this.addSql(`drop table if exists "consent" cascade;`);

    this.addSql(`drop table if exists "customer_merge" cascade;`);

    this.addSql(`drop table if exists "customer_merge_move" cascade;`);

    this.addSql(`drop table if exists "event" cascade;`);

    this.addSql(`drop table if exists "event_retention" cascade;`);

    this.addSql(`drop table if exists "handover" cascade;`);

    this.addSql(`drop table if exists "identity" cascade;`);

    this.addSql(`drop table if exists "interaction" cascade;`);

    this.addSql(`drop table if exists "location" cascade;`);

    this.addSql(`drop table if exists "offer" cascade;`);

    this.addSql(`drop table if exists "offer_response" cascade;`);

    this.addSql(`drop table if exists "order" cascade;`);

    this.addSql(`drop table if exists "product" cascade;`);

    this.addSql(`drop table if exists "order_line" cascade;`);

    this.addSql(`drop table if exists "relay_position" cascade;`);

    this.addSql(`drop table if exists "stock_level" cascade;`);

    this.addSql(`drop table if exists "stock_movement" cascade;`);
  }

}
