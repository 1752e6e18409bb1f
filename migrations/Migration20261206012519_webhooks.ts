import { Migration } from '@mikro-orm/migrations';

/** Webhooks (docs/webhooks.md): the webhooks with their cursors, and one row per event to deliver to each. */
export class Migration20261206012519_webhooks extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "webhook_delivery" ("id" text not null, "webhook_id" text not null, "event_id" bigint not null, "event_xid" xid8 not null, "event_type" text not null, "order_key" text not null, "body" text not null, "status" text check ("status" in ('PENDING', 'DELIVERED')) not null, "attempts" int not null default 0, "window_started_at" timestamptz(3) not null default now(), "next_attempt_at" timestamptz(3) not null default now(), "lease_until" timestamptz(3) null, "lease_token" text null, "last_attempt_at" timestamptz(3) null, "last_response_status" int null, "last_error" text null, "delivered_at" timestamptz(3) null, "occurred_at" timestamptz(3) not null, "created_at" timestamptz(3) not null default now(), constraint "webhook_delivery_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_page_idx" on "webhook_delivery" ("webhook_id", "created_at", "id");`);
    this.addSql(`create index "webhook_delivery_due_idx" on "webhook_delivery" ("status", "next_attempt_at");`);
    this.addSql(`create index "webhook_delivery_key_idx" on "webhook_delivery" ("webhook_id", "order_key", "event_xid", "event_id");`);

    this.addSql(`create table "webhook" ("id" text not null, "url" text not null, "description" text null, "query" text not null, "operation_name" text null, "variables" jsonb null, "owner_role" text not null, "owner_name" text not null, "owner_via" text not null, "secret" text not null, "previous_secret" text null, "previous_secret_expires_at" timestamptz(3) null, "status" text check ("status" in ('ACTIVE', 'PAUSED', 'FAILING')) not null, "position_xid" xid8 not null, "position_id" bigint not null, "last_error" text null, "failing_since" timestamptz(3) null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "webhook_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhook_delivery" cascade;`);

    this.addSql(`drop table if exists "webhook" cascade;`);
  }

}
