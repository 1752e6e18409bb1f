import { CHANNELS, type Channel } from '../../common/channel';
import { money } from '../../common/money';
import type { Context } from '../../context/context';
import { readRoute, type ReadRoute } from '../../database/replica-lag';
import { queryRead, queryReadOne, textArray } from '../../database/sql';
import { AnalyticsLimits, journeyDaysOutOfRange, windowNotIncreasing, windowTooLong } from './analytics.errors';
import { cellParams, inPartialDays, partialDayParams, rollupWindow } from './rollup-window';
import type { AnalyticsWindow, ChannelCountType, ChannelOrdersType, JourneyStatType } from './analytics.type';

/**
 * BI aggregates over a half-open window [from, to). Every figure is one set-based statement computed
 * in PostgreSQL (nothing iterates over rows in Node), run only when its field is asked for. Definitions:
 * docs/analytics.md. The whole UTC days of a window come from the rollups that triggers keep current
 * (migration analyticsRollups), the partial days at its ends from the raw rows (rollup-window.ts).
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
  const days = rollupWindow(window);
  const rows = await queryRead<{ channel: Channel; currency: string; orderCount: number; cents: string }>(
    ctx.em,
    `select x.channel, x.currency, sum(x.counted)::int as "orderCount", sum(x.cents)::text as cents
       from (
         select r.channel, r.currency, r.counted, r.cents from analytics_order_day r where r.day >= ? and r.day < ?
         union all
         select o.channel, o.currency, (o.status <> 'CANCELLED')::int, case when o.status in ('PLACED', 'FULFILLED') then o.total_cents else 0 end
           from "order" o where ${inPartialDays('o.placed_at')}
       ) x
      group by x.channel, x.currency
     having sum(x.counted) > 0
      order by array_position(?::text[], x.channel), x.currency`,
    [days.fromDay, days.toDay, ...partialDayParams(days), CHANNEL_ORDER],
  );
  return rows.map((row) => ({ channel: row.channel, orderCount: row.orderCount, revenue: money(row.cents, row.currency) }));
}

/** Interactions (inbound and outbound) that occurred in the window, per channel, in Channel enum order. */
export async function interactionsByChannel(ctx: Context, window: AnalyticsWindow): Promise<ChannelCountType[]> {
  const days = rollupWindow(window);
  return queryRead<ChannelCountType>(
    ctx.em,
    `select x.channel, sum(x.count)::int as count
       from (
         select r.channel, r.count from analytics_interaction_day r where r.day >= ? and r.day < ?
         union all
         select i.channel, 1 from interaction i where ${inPartialDays('i.occurred_at')}
       ) x
      group by x.channel
     having sum(x.count) > 0
      order by array_position(?::text[], x.channel)`,
    [days.fromDay, days.toDay, ...partialDayParams(days), CHANNEL_ORDER],
  );
}

/**
 * Of the conversations first resolved in the window, the share with no INBOUND interaction of the
 * same customer, on any channel and in any conversation, in the 7 days after that first resolution
 * (resolvedAt, resolvedAt + 7 days]. The first resolution counts, so a conversation that was reopened
 * and resolved again is measured once, and fails. Null when none was resolved.
 */
export async function firstContactResolutionRate(ctx: Context, window: AnalyticsWindow): Promise<number | null> {
  const days = rollupWindow(window);
  const row = await queryReadOne<{ resolved: number; firstContact: number }>(
    ctx.em,
    // analytics_resolution holds each resolved conversation's verdict (analytics_first_contact, over
    // REOPEN_WINDOW_DAYS), recomputed by the triggers whenever an input of it changes; the day rollup
    // counts them per day of first resolution.
    `select sum(x.resolved)::int as resolved, sum(x.first_contact)::int as "firstContact"
       from (
         select r.resolved, r.first_contact from analytics_resolution_day r where r.day >= ? and r.day < ?
         union all
         select 1, r.first_contact::int from analytics_resolution r where ${inPartialDays('r.first_resolved_at')}
       ) x`,
    [days.fromDay, days.toDay, ...partialDayParams(days)],
  );
  return row && row.resolved > 0 ? row.firstContact / row.resolved : null;
}

/**
 * Mean of (first response - first inbound) in seconds, with millisecond precision, over conversations
 * opened in the window that have a first response. `channel` keeps the conversations whose first
 * inbound interaction was in that channel. Null when no conversation qualifies.
 */
export async function averageFirstResponseSeconds(ctx: Context, window: AnalyticsWindow, channel: Channel | null): Promise<number | null> {
  const days = rollupWindow(window);
  // sum / count of the same numeric seconds is what avg() computes, to the last digit.
  const row = await queryReadOne<{ seconds: number | null }>(
    ctx.em,
    `select (sum(x.seconds) / nullif(sum(x.conversations), 0))::float8 as seconds
       from (
         select r.seconds, r.conversations from analytics_response_day r
          where r.day >= ? and r.day < ? and (?::text is null or r.channel = ?::text)
         union all
         select extract(epoch from c.first_response_at - c.first_inbound_at), 1
           from conversation c
          where ${inPartialDays('c.opened_at')}
            and c.first_response_at is not null and c.first_inbound_at is not null
            and (?::text is null or c.first_inbound_channel = ?::text)
       ) x`,
    [days.fromDay, days.toDay, channel, channel, ...partialDayParams(days), channel, channel],
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
  if (windowDays === DEFAULT_JOURNEY_DAYS) return rolledUpJourneys(ctx, window);
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
 * The bitmaps of the window's cells (cellParams, twice) for the features `features` admits (a condition
 * on `<alias>.feature`), as (feature, chunk, bits) rows: each stored bitmap XOR the committed changes not
 * compacted into it yet (analytics_cell_pending, migration analyticsPendingCompaction). A key's changes
 * sum to +1 or -1 exactly when its bit must flip (the bits follow the cells), to 0 when it must not; a
 * flipped bit may be in a bitmap not stored yet (the full join). One statement, one snapshot: a
 * compaction is seen either entirely or not at all.
 */
function windowBitmapsSql(features: (alias: string) => string): string {
  return `select feature, chunk, coalesce(m.bits # f.bits, m.bits, f.bits) as bits
       from (select m.level, m.bucket, m.feature, m.chunk, m.bits
               from unnest(?::int[], ?::int[]) as p(level, bucket)
               join analytics_cell_bitmap m on m.level = p.level and m.bucket = p.bucket and ${features('m')}) m
       full join (
         select k.level, k.bucket, k.feature, analytics_chunk(k.number) as chunk, bit_or(analytics_bit(k.number)) as bits
           from (select d.level, d.bucket, d.feature, d.number
                   from unnest(?::int[], ?::int[]) as p(level, bucket)
                   join analytics_cell_pending d on d.level = p.level and d.bucket = p.bucket and ${features('d')}
                  group by 1, 2, 3, 4
                 having sum(d.sign) <> 0) k
          group by 1, 2, 3, 4
       ) f using (level, bucket, feature, chunk)`;
}

/**
 * crossChannelJourneys over 30 days from the cell bitmaps (migration analyticsCellBitmaps): per journey
 * pair and chunk of customer numbers, the OR of the bitmaps (with their pending changes) of the cells that tile the whole days and of
 * the customers whose orders in the partial days make that pair (analytics_order_pairs, from the raw
 * rows); its bit count is the pair's distinct customers.
 */
async function rolledUpJourneys(ctx: Context, window: AnalyticsWindow): Promise<JourneyStatType[]> {
  const days = rollupWindow(window);
  return queryRead<JourneyStatType>(
    ctx.em,
    `select (?::text[])[pairs.pair / 11 + 1] as "touchChannel", (?::text[])[pairs.pair % 11 + 1] as "purchaseChannel", pairs.customers
       from (
         select per_chunk.feature - 11 as pair, sum(bit_count(per_chunk.bits))::int as customers
           from (
             select b.feature, b.chunk, bit_or(b.bits) as bits
               from (
                 ${windowBitmapsSql((alias) => `${alias}.feature >= 11`)}
                 union all
                 select 11 + j.pair, analytics_chunk(n.number), analytics_bit(n.number)
                   from "order" o
                   join analytics_customer_number n on n.customer_id = o.customer_id
                  cross join unnest(analytics_order_pairs(o.customer_id, o.placed_at, o.channel)) as j(pair)
                  where ${inPartialDays('o.placed_at')} and o.status <> 'CANCELLED'
               ) b
              group by b.feature, b.chunk
           ) per_chunk
          group by per_chunk.feature
         having sum(bit_count(per_chunk.bits)) > 0
       ) pairs
      order by pairs.customers desc, pairs.pair / 11, pairs.pair % 11`,
    [CHANNEL_ORDER, CHANNEL_ORDER, ...cellParams(days), ...cellParams(days), ...partialDayParams(days)],
  );
}

/**
 * Among active customers (an order of any status or an interaction in the window), the share who used
 * two or more distinct channels in the window, orders and interactions together. Null when no customer
 * was active.
 */
export async function omnichannelCustomerShare(ctx: Context, window: AnalyticsWindow): Promise<number | null> {
  const days = rollupWindow(window);
  const row = await queryReadOne<{ active: number; omnichannel: number }>(
    ctx.em,
    // Per channel (features 0..10) and chunk of customer numbers: the OR of the cell bitmaps that tile the
    // whole days and of the partial days' customers (raw rows; each has a number since its day cell
    // exists). Active: the bits of the OR over channels; omnichannel: of the OR over pairs of channels
    // of (a AND b), the customers seen in at least two of them.
    `with per_channel as (
       select b.feature, b.chunk, bit_or(b.bits) as bits
         from (
           ${windowBitmapsSql((alias) => `${alias}.feature < 11`)}
           union all
           select analytics_channel_index(x.channel), analytics_chunk(n.number), analytics_bit(n.number)
             from (
               select o.customer_id, o.channel from "order" o where ${inPartialDays('o.placed_at')}
               union all
               select i.customer_id, i.channel from interaction i where ${inPartialDays('i.occurred_at')}
             ) x
             join analytics_customer_number n on n.customer_id = x.customer_id
         ) b
        group by b.feature, b.chunk
     )
     select (select coalesce(sum(bit_count(a.bits)), 0)::int from (select bit_or(c.bits) as bits from per_channel c group by c.chunk) a) as active,
            (select coalesce(sum(bit_count(t.bits)), 0)::int
               from (select bit_or(c.bits & d.bits) as bits from per_channel c join per_channel d on d.chunk = c.chunk and d.feature > c.feature group by c.chunk) t
            ) as omnichannel`,
    [...cellParams(days), ...cellParams(days), ...partialDayParams(days), ...partialDayParams(days)],
  );
  return row && row.active > 0 ? row.omnichannel / row.active : null;
}
