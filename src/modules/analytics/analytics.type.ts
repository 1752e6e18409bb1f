import { Field, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { Money } from '../../common/money';

@ObjectType('ChannelOrders', { description: 'Orders and revenue of one channel.' })
export class ChannelOrdersType {
  @Field(() => Channel, { description: 'Where the orders were placed.' })
  channel!: Channel;

  @Field(() => Int, { description: 'Orders that were not cancelled (PLACED, FULFILLED, RETURNED).' })
  orderCount!: number;

  @Field(() => Money, { description: 'Totals of PLACED and FULFILLED orders: cancelled and returned orders add nothing (net of returns).' })
  revenue!: Money;
}

@ObjectType('ChannelCount', { description: 'How many interactions happened in one channel.' })
export class ChannelCountType {
  @Field(() => Channel, { description: 'Where the interactions happened.' })
  channel!: Channel;

  @Field(() => Int, { description: 'Interactions in that channel, inbound and outbound.' })
  count!: number;
}

/**
 * A customer's figures as the stats read builds them: the GraphQL fields plus the per-currency lifetime
 * value that segment rules need (a customer may have bought in several currencies).
 */
export interface CustomerStatsRow {
  customerId: string;
  lifetimeValue: Money;
  orderCount: number;
  averageOrderValue: Money | null;
  ordersByChannel: ChannelOrdersType[];
  interactionsByChannel: ChannelCountType[];
  channelsUsed: Channel[];
  preferredChannel: Channel | null;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  lastInteractionAt: Date | null;
  openConversations: number;
  /** Revenue (PLACED and FULFILLED totals) per currency of the customer's orders, in cents, largest first. */
  lifetimeValueByCurrency: { currency: string; cents: bigint }[];
}

@ObjectType('CustomerStats', {
  description: 'Figures of one customer across every channel, including everything merged into it. Amounts are in the customer\'s '
    + 'main currency: the currency of their orders with the most revenue (ties: most orders, then alphabetical); orders in other '
    + 'currencies count in orderCount, channels and dates but add no amount. A customer without orders gets 0.00 in the catalogue\'s '
    + 'most common currency (PLN when the catalogue is empty). Stats survive erasure: amounts, dates and channels are kept.',
})
export class CustomerStatsType {
  @Field(() => Money, { description: 'Revenue of non-cancelled orders, net of returns: totals of PLACED and FULFILLED orders (RETURNED count 0).' })
  lifetimeValue!: Money;

  @Field(() => Int, { description: 'Orders that were not cancelled: PLACED, FULFILLED and RETURNED.' })
  orderCount!: number;

  @Field(() => Money, {
    nullable: true,
    description: 'lifetimeValue divided by the number of non-cancelled orders in the same currency, rounded half up to the cent; null without orders.',
  })
  averageOrderValue!: Money | null;

  @Field(() => [ChannelOrdersType], { description: 'Orders and revenue per channel (same rules), only channels with non-cancelled orders, in Channel enum order.' })
  ordersByChannel!: ChannelOrdersType[];

  @Field(() => [ChannelCountType], { description: 'Interactions (inbound and outbound) per channel, only channels with interactions, in Channel enum order.' })
  interactionsByChannel!: ChannelCountType[];

  @Field(() => [Channel], { description: 'Every channel of an order (any status) or an interaction, in Channel enum order.' })
  channelsUsed!: Channel[];

  @Field(() => Channel, {
    nullable: true,
    description: 'The channel of most contacts and orders in the last 180 days: interactions (both directions) plus orders (any status). '
      + 'Ties: the channel with the most recent activity wins. Null without activity in that period.',
  })
  preferredChannel!: Channel | null;

  @Field(() => Date, { nullable: true, description: 'placedAt of the first non-cancelled order.' })
  firstOrderAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'placedAt of the latest non-cancelled order.' })
  lastOrderAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'occurredAt of the latest interaction, any direction.' })
  lastInteractionAt!: Date | null;

  @Field(() => Int, { description: 'Conversations waiting for an answer: status OPEN or PENDING.' })
  openConversations!: number;
}

@ObjectType('JourneyStat', { description: 'Customers who bought in one channel after a contact in another.' })
export class JourneyStatType {
  @Field(() => Channel, { description: 'Channel of the interaction that preceded the order.' })
  touchChannel!: Channel;

  @Field(() => Channel, { description: 'Channel of the order; never equal to touchChannel.' })
  purchaseChannel!: Channel;

  @Field(() => Int, { description: 'Distinct customers with at least one such journey in the window.' })
  customers!: number;
}

/** The window an `analytics` query asked for; each field of Analytics computes its figure over it. */
export interface AnalyticsWindow {
  from: Date;
  to: Date;
}

@ObjectType('Analytics', {
  description: 'Aggregates over the half-open window [from, to) of `analytics(from, to)`, each computed by set-based SQL when asked for. '
    + 'See docs/analytics.md for every definition.',
})
export class AnalyticsType implements AnalyticsWindow {
  from!: Date;
  to!: Date;
}
