import { Arg, Ctx, FieldResolver, Float, Int, Resolver, Root } from 'type-graphql';
import { Channel } from '../../common/channel';
import type { Context } from '../../context/context';
import { CustomerType, type PlannedCustomerRow } from '../customers/customer.type';
import type { PlannedValues } from '../../read-planner';
import { statsFromJson } from './customer-stats.reads';
import { figuresFromStats, segmentsOf } from './segments';
import { StatsByCustomerLoader } from './analytics.loaders';
import {
  analyticsFreshness, averageFirstResponseSeconds, crossChannelJourneys, DEFAULT_JOURNEY_DAYS, firstContactResolutionRate, interactionsByChannel, omnichannelCustomerShare, revenueByChannel,
} from './analytics.service';
import {
  AnalyticsType, ChannelCountType, ChannelOrdersType, CustomerStatsType, JourneyStatType, type AnalyticsWindow, type CustomerStatsRow,
} from './analytics.type';

/**
 * Stats and segments of customers: readable wherever a Customer is (they hold no personal data). The read
 * planner reads the stats with the customers it reads (the module's read contribution, index.ts) and
 * primes the loader; otherwise a page of customers costs one statement for both fields together.
 */
@Resolver(() => CustomerType)
export class CustomerStatsFields {
  @FieldResolver(() => CustomerStatsType, {
    description: 'Figures across every channel, including everything merged into this customer; see CustomerStats.',
  })
  stats(@Root() customer: PlannedCustomerRow & PlannedValues, @Ctx() ctx: Context): CustomerStatsRow | Promise<CustomerStatsRow> {
    // Planned for order figures only (the contribution's narrowReads): the row carries the order parts.
    // Where another selection of the row read every part, the loader it primed answers.
    if (customer.orderStatsParts !== undefined && customer.statsParts === undefined) return statsFromJson(customer.id, customer.orderStatsParts);
    return ctx.loaders.get(StatsByCustomerLoader).load(customer.id);
  }

  @FieldResolver(() => [String], {
    description: 'Segments the customer is in now (vip, lapsed, omnichannel, new), decided from the same stats as offer segments; see docs/offers.md.',
  })
  async segments(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): Promise<string[]> {
    return segmentsOf(figuresFromStats(await ctx.loaders.get(StatsByCustomerLoader).load(customer.id)), new Date());
  }
}

/**
 * Fields of Analytics. Analytics exists only at the root of a query (one object per `analytics`
 * field), so each figure is one service call per request, never one per parent.
 */
@Resolver(() => AnalyticsType)
export class AnalyticsFields {
  @FieldResolver(() => [ChannelOrdersType], {
    description: 'Orders placed in the window per channel (guest orders included): orderCount of non-cancelled orders, revenue of PLACED and '
      + 'FULFILLED ones. One entry per channel and currency, in Channel enum order; channels with only cancelled orders are left out.',
  })
  revenueByChannel(@Root() window: AnalyticsWindow, @Ctx() ctx: Context): Promise<ChannelOrdersType[]> {
    return revenueByChannel(ctx, window);
  }

  @FieldResolver(() => [ChannelCountType], { description: 'Interactions (inbound and outbound) that occurred in the window, per channel, in Channel enum order.' })
  interactionsByChannel(@Root() window: AnalyticsWindow, @Ctx() ctx: Context): Promise<ChannelCountType[]> {
    return interactionsByChannel(ctx, window);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: 'Share (0..1) of conversations first resolved in the window with no further INBOUND interaction of that customer, on ANY '
      + 'channel, within 7 days after that first resolution. Null when none was resolved.',
  })
  firstContactResolutionRate(@Root() window: AnalyticsWindow, @Ctx() ctx: Context): Promise<number | null> {
    return firstContactResolutionRate(ctx, window);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: 'Mean seconds from the first inbound to the first response, over conversations opened in the window that have a first '
      + 'response. Null when none qualifies.',
  })
  averageFirstResponseSeconds(
    @Root() window: AnalyticsWindow,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel, { nullable: true, description: 'Only conversations whose first inbound interaction was in this channel.' })
    channel?: Channel | null,
  ): Promise<number | null> {
    return averageFirstResponseSeconds(ctx, window, channel ?? null);
  }

  @FieldResolver(() => [JourneyStatType], {
    description: 'For each (touch channel -> purchase channel) pair with different channels: the distinct customers whose non-cancelled order '
      + 'placed in the window followed an interaction in the touch channel within windowDays. Most customers first.',
  })
  crossChannelJourneys(
    @Root() window: AnalyticsWindow,
    @Ctx() ctx: Context,
    @Arg('windowDays', () => Int, {
      nullable: true,
      defaultValue: DEFAULT_JOURNEY_DAYS,
      description: `How many days before the order an interaction still counts (1..365; null means ${DEFAULT_JOURNEY_DAYS}).`,
    })
    windowDays?: number | null,
  ): Promise<JourneyStatType[]> {
    return crossChannelJourneys(ctx, window, windowDays ?? DEFAULT_JOURNEY_DAYS);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: 'Among active customers (an order or an interaction in the window), the share (0..1) who used two or more channels in the '
      + 'window. Null when no customer was active.',
  })
  omnichannelCustomerShare(@Root() window: AnalyticsWindow, @Ctx() ctx: Context): Promise<number | null> {
    return omnichannelCustomerShare(ctx, window);
  }

  @FieldResolver(() => Date, {
    description: 'How fresh the figures are: every change committed before this moment is counted in them (later ones may be missing). '
      + 'Figures come from a read replica, when one is configured and at most OMNI360_READ_REPLICA_MAX_LAG_MS behind, otherwise from the primary '
      + '(then the moment of the answer). All figures of one answer come from the same side.',
  })
  async dataAsOf(@Ctx() ctx: Context): Promise<Date> {
    return (await analyticsFreshness(ctx)).asOf;
  }

  @FieldResolver(() => Boolean, { description: 'True when the figures of this answer were computed on a read replica, false on the primary.' })
  async fromReplica(@Ctx() ctx: Context): Promise<boolean> {
    return (await analyticsFreshness(ctx)).replica;
  }
}
