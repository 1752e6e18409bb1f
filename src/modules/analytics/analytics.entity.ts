import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/postgresql';

/**
 * The rollups behind `analytics(from, to)`. Triggers of migration analyticsRollups write them in the
 * same transaction as the rows they sum; omni360's code only reads them (analytics.service.ts). Days
 * are UTC days since 1970-01-01.
 */

/** Orders placed per (day, channel, currency): non-cancelled count and PLACED/FULFILLED revenue. */
@Entity({ tableName: 'analytics_order_day' })
export class AnalyticsOrderDayEntity {
  @PrimaryKey({ type: 'integer' })
  day!: number;

  @PrimaryKey({ type: 'text' })
  channel!: string;

  @PrimaryKey({ type: 'text' })
  currency!: string;

  /** The writing backend's pid mod 8: concurrent writers of one day update different rows. */
  @PrimaryKey({ type: 'smallint' })
  shard!: number;

  @Property({ type: 'integer' })
  counted!: number;

  @Property({ type: 'bigint' })
  cents!: string;
}

/** Interactions per (day, channel). */
@Entity({ tableName: 'analytics_interaction_day' })
export class AnalyticsInteractionDayEntity {
  @PrimaryKey({ type: 'integer' })
  day!: number;

  @PrimaryKey({ type: 'text' })
  channel!: string;

  @PrimaryKey({ type: 'smallint' })
  shard!: number;

  @Property({ type: 'integer' })
  count!: number;
}

/** Conversations opened per (day, first inbound channel or '') with a first response, and the sum of their seconds. */
@Entity({ tableName: 'analytics_response_day' })
export class AnalyticsResponseDayEntity {
  @PrimaryKey({ type: 'integer' })
  day!: number;

  @PrimaryKey({ type: 'text' })
  channel!: string;

  @PrimaryKey({ type: 'smallint' })
  shard!: number;

  @Property({ type: 'integer' })
  conversations!: number;

  @Property({ type: 'decimal', columnType: 'numeric' })
  seconds!: string;
}

/** Conversations first resolved per day, and how many of them at first contact. */
@Entity({ tableName: 'analytics_resolution_day' })
export class AnalyticsResolutionDayEntity {
  @PrimaryKey({ type: 'integer' })
  day!: number;

  @PrimaryKey({ type: 'smallint' })
  shard!: number;

  @Property({ type: 'integer' })
  resolved!: number;

  @Property({ type: 'integer' })
  firstContact!: number;
}

/** Each resolved conversation's first-contact verdict. */
@Entity({ tableName: 'analytics_resolution' })
@Index({
  name: 'analytics_resolution_at_idx',
  expression: 'create index "analytics_resolution_at_idx" on "analytics_resolution" ("first_resolved_at") include ("first_contact")',
})
export class AnalyticsResolutionEntity {
  @PrimaryKey({ type: 'text' })
  conversationId!: string;

  @Property({ type: 'datetime', length: 3 })
  firstResolvedAt!: Date;

  @Property({ type: 'boolean' })
  firstContact!: boolean;
}

/**
 * A customer's channels (bits in Channel enum order) and 30-day journey pairs (touch * 11 + purchase,
 * sorted) over the 4^level days from day bucket * 4^level.
 */
@Entity({ tableName: 'analytics_customer_cell' })
@Index({
  name: 'analytics_customer_cell_bucket_idx',
  expression: 'create index "analytics_customer_cell_bucket_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "channels")',
})
@Index({
  name: 'analytics_customer_cell_journeys_idx',
  expression:
    'create index "analytics_customer_cell_journeys_idx" on "analytics_customer_cell" ("level", "bucket") include ("customer_id", "journeys") where "journeys" is not null',
})
export class AnalyticsCustomerCellEntity {
  @PrimaryKey({ type: 'text' })
  customerId!: string;

  @PrimaryKey({ type: 'smallint' })
  level!: number;

  @PrimaryKey({ type: 'integer' })
  bucket!: number;

  @Property({ type: 'integer' })
  channels!: number;

  @Property({ type: 'text', columnType: 'smallint[]', nullable: true })
  journeys?: number[] | null;
}

export const ANALYTICS_ENTITIES = [
  AnalyticsOrderDayEntity,
  AnalyticsInteractionDayEntity,
  AnalyticsResponseDayEntity,
  AnalyticsResolutionDayEntity,
  AnalyticsResolutionEntity,
  AnalyticsCustomerCellEntity,
];
