import { CHANNELS, type Channel } from '../../common/channel';
import { money } from '../../common/money';
import type { Context } from '../../context/context';
import { readRoute, type ReadRoute } from '../../database/replica-lag';
import { queryRead, queryReadOne, textArray } from '../../database/sql';
import { REOPEN_WINDOW_DAYS } from '../interactions/interaction.service';
import { AnalyticsLimits, journeyDaysOutOfRange, windowNotIncreasing, windowTooLong } from './analytics.errors';
import type { AnalyticsWindow, ChannelCountType, ChannelOrdersType, JourneyStatType } from './analytics.type';

/**
 * BI aggregates over a half-open window [from, to). Every figure is one set-based statement computed
 * in PostgreSQL (nothing iterates over rows in Node), run only when its field is asked for. Definitions:
 * docs/analytics.md.
 */

/** The Channel enum as a text[] literal: `array_position` over it sorts channels in enum order. */
const CHANNEL_ORDER = textArray(CHANNELS);

/** crossChannelJourneys without windowDays: an interaction up to 30 days before the order counts. */
export const DEFAULT_JOURNEY_DAYS = 30;

/** `analytics(from, to)`: validates the window; each Analytics field then computes its figure over it. */
export function analyticsWindow(_ctx: Context, from: Date, to: Date): AnalyticsWindow {
  if (!(from.getTime() < to.getTime())) throw windowNotIncreasing();
  const limit = new Date(from.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + AnalyticsLimits.MAX_WINDOW_YEARS);
  if (to.getTime() > limit.getTime()) throw windowTooLong();
  return { from, to };
}

/** Where this request's figures are computed (replica or primary) and how fresh their data is. */
export function analyticsFreshness(ctx: Context): Promise<ReadRoute> {
  return readRoute(ctx.em);
}

/**
 * Orders placed in the window per channel (guest orders included): orderCount counts orders that were
 * not cancelled, revenue sums PLACED and FULFILLED totals. One entry per channel and currency, in
 * Channel enum order; channels whose orders were all cancelled are left out.
 */
export async function revenueByChannel(ctx: Context, window: AnalyticsWindow): Promise<ChannelOrdersType[]> {
  const rows = await queryRead<{ channel: Channel; currency: string; orderCount: number; cents: string }>(
    ctx.em,
    `select o.channel, o.currency,
            (count(*) filter (where o.status <> 'CANCELLED'))::int as "orderCount",
            coalesce(sum(o.total_cents) filter (where o.status in ('PLACED', 'FULFILLED')), 0)::text as cents
       from "order" o
      where o.placed_at >= ? and o.placed_at < ?
      group by o.channel, o.currency
     having count(*) filter (where o.status <> 'CANCELLED') > 0
      order by array_position(?::text[], o.channel), o.currency`,
    [window.from, window.to, CHANNEL_ORDER],
  );
  return rows.map((row) => ({ channel: row.channel, orderCount: row.orderCount, revenue: money(row.cents, row.currency) }));
}

/** Interactions (inbound and outbound) that occurred in the window, per channel, in Channel enum order. */
export async function interactionsByChannel(ctx: Context, window: AnalyticsWindow): Promise<ChannelCountType[]> {
  return queryRead<ChannelCountType>(
    ctx.em,
    `select i.channel, count(*)::int as count
       from interaction i
      where i.occurred_at >= ? and i.occurred_at < ?
      group by i.channel
      order by array_position(?::text[], i.channel)`,
    [window.from, window.to, CHANNEL_ORDER],
  );
}

/**
 * Of the conversations first resolved in the window, the share with no INBOUND interaction of the
 * same customer, on any channel and in any conversation, in the 7 days after that first resolution
 * (resolvedAt, resolvedAt + 7 days]. The first resolution counts, so a conversation that was reopened
 * and resolved again is measured once, and fails. Null when none was resolved.
 */
export async function firstContactResolutionRate(ctx: Context, window: AnalyticsWindow): Promise<number | null> {
  const row = await queryReadOne<{ resolved: number; firstContact: number }>(
    ctx.em,
    `select count(*)::int as resolved,
            (count(*) filter (where not exists (
               select 1 from interaction i
                where i.customer_id = c.customer_id and i.direction = 'INBOUND'
                  and i.occurred_at > c.first_resolved_at
                  and i.occurred_at <= c.first_resolved_at + make_interval(hours => 24 * ?))))::int as "firstContact"
       from conversation c
      where c.first_resolved_at >= ? and c.first_resolved_at < ?`,
    [REOPEN_WINDOW_DAYS, window.from, window.to],
  );
  return row && row.resolved > 0 ? row.firstContact / row.resolved : null;
}

/**
 * Mean of (first response - first inbound) in seconds, with millisecond precision, over conversations
 * opened in the window that have a first response. `channel` keeps the conversations whose first
 * inbound interaction was in that channel. Null when no conversation qualifies.
 */
export async function averageFirstResponseSeconds(ctx: Context, window: AnalyticsWindow, channel: Channel | null): Promise<number | null> {
  const row = await queryReadOne<{ seconds: number | null }>(
    ctx.em,
    `select avg(extract(epoch from c.first_response_at - c.first_inbound_at))::float8 as seconds
       from conversation c
      where c.opened_at >= ? and c.opened_at < ?
        and c.first_response_at is not null and c.first_inbound_at is not null
        and (?::text is null or c.first_inbound_channel = ?::text)`,
    [window.from, window.to, channel, channel],
  );
  return row?.seconds ?? null;
}

/**
 * For each (touch channel -> purchase channel) pair with touch != purchase: the distinct customers
 * with a non-cancelled order placed in the window that an interaction of theirs (either direction) in
 * the touch channel preceded by at most `windowDays` days ([placedAt - windowDays, placedAt)). Most
 * customers first, then Channel enum order of touch and purchase.
 */
export async function crossChannelJourneys(ctx: Context, window: AnalyticsWindow, windowDays: number): Promise<JourneyStatType[]> {
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > AnalyticsLimits.MAX_JOURNEY_DAYS) throw journeyDaysOutOfRange();
  // Distinct (touch, purchase, customer) first, in one hash: a frequent buyer's many orders and contacts
  // make many pairs. The contacts are bounded by the window too (what the join implies but the planner
  // cannot see), so it reads only [from - windowDays, to) of the occurred_at index.
  return queryRead<JourneyStatType>(
    ctx.em,
    `select pairs.touch as "touchChannel", pairs.purchase as "purchaseChannel", count(*)::int as customers
       from (
         select distinct i.channel as touch, o.channel as purchase, o.customer_id
           from "order" o
           join interaction i on i.customer_id = o.customer_id
            and i.occurred_at >= o.placed_at - make_interval(hours => 24 * ?) and i.occurred_at < o.placed_at
            and i.channel <> o.channel
          where o.placed_at >= ? and o.placed_at < ? and o.status <> 'CANCELLED' and o.customer_id is not null
            and i.occurred_at >= ?::timestamptz - make_interval(hours => 24 * ?) and i.occurred_at < ?
       ) pairs
      group by pairs.touch, pairs.purchase
      order by customers desc, array_position(?::text[], pairs.touch), array_position(?::text[], pairs.purchase)`,
    [windowDays, window.from, window.to, window.from, windowDays, window.to, CHANNEL_ORDER, CHANNEL_ORDER],
  );
}

/**
 * Among active customers (an order of any status or an interaction in the window), the share who used
 * two or more distinct channels in the window, orders and interactions together. Null when no customer
 * was active.
 */
export async function omnichannelCustomerShare(ctx: Context, window: AnalyticsWindow): Promise<number | null> {
  const row = await queryReadOne<{ active: number; omnichannel: number }>(
    ctx.em,
    // Two channels or more <=> the smallest and largest channel differ: one hash aggregate, no distinct.
    `select count(*)::int as active, (count(*) filter (where per_customer.lo <> per_customer.hi))::int as omnichannel
       from (
         select activity.customer_id, min(activity.channel) as lo, max(activity.channel) as hi
           from (
             select o.customer_id, o.channel from "order" o
              where o.placed_at >= ? and o.placed_at < ? and o.customer_id is not null
             union all
             select i.customer_id, i.channel from interaction i
              where i.occurred_at >= ? and i.occurred_at < ?
           ) activity
          group by activity.customer_id
       ) per_customer`,
    [window.from, window.to, window.from, window.to],
  );
  return row && row.active > 0 ? row.omnichannel / row.active : null;
}
