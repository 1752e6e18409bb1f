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

/** The dense number of each customer with a cell: its bit in analytics_cell_bitmap (migration analyticsCellBitmaps). */
@Entity({ tableName: 'analytics_customer_number' })
export class AnalyticsCustomerNumberEntity {
  @PrimaryKey({ type: 'text' })
  customerId!: string;

  @Property({ type: 'integer', unique: true })
  number!: number;
}

/**
 * For one customer cell (level, bucket) and one feature (a channel used, 0..10; a journey pair,
 * 11 + touch * 11 + purchase): a bit per customer number of the chunk (16,384 numbers each), set when
 * that customer's cell has the feature.
 */
@Entity({ tableName: 'analytics_cell_bitmap' })
export class AnalyticsCellBitmapEntity {
  @PrimaryKey({ type: 'smallint' })
  level!: number;

  @PrimaryKey({ type: 'integer' })
  bucket!: number;

  @PrimaryKey({ type: 'smallint' })
  feature!: number;

  @PrimaryKey({ type: 'integer' })
  chunk!: number;

  @Property({ type: 'text', columnType: 'bit(16384)' })
  bits!: string;
}

export const ANALYTICS_ENTITIES = [
  AnalyticsOrderDayEntity,
  AnalyticsInteractionDayEntity,
  AnalyticsResponseDayEntity,
  AnalyticsResolutionDayEntity,
  AnalyticsResolutionEntity,
  AnalyticsCustomerCellEntity,
  AnalyticsCustomerNumberEntity,
  AnalyticsCellBitmapEntity,
];
