import type { EntityManager } from '@mikro-orm/postgresql';
import { CHANNELS, type Channel } from '../../common/channel';
import { money } from '../../common/money';
import { pgTimestamp } from '../../common/scalars';
import { queryPrepared, textArray } from '../../database/sql';
import type { ChannelCountType, ChannelOrdersType, CustomerStatsRow } from './analytics.type';

/** The currency of a customer without orders when the catalogue is empty too. */
export const FALLBACK_CURRENCY = 'PLN';
/** preferredChannel looks at this many days back from now. */
export const PREFERRED_CHANNEL_DAYS = 180;

/** One aggregated row of the stats statement: per (customer, channel, currency) of orders, per (customer, channel) of interactions, ... */
interface StatsPart {
  /** o: orders, i: interactions, c: open conversations, p: the catalogue's most common currency. */
  kind: 'o' | 'i' | 'c' | 'p';
  customerId: string | null;
  channel: Channel | null;
  currency: string | null;
  /** Rows of any status. */
  total: number;
  /** Orders that were not cancelled (interactions: all). */
  counted: number;
  /** Revenue in cents: totals of PLACED and FULFILLED orders. */
  cents: string;
  firstAt: string | null;
  lastAt: string | null;
  /** Orders (any status) or interactions in the last PREFERRED_CHANNEL_DAYS days. */
  recent: number;
  recentAt: string | null;
}

const CHANNEL_RANK = new Map<string, number>(CHANNELS.map((channel, index) => [channel, index]));

function later(a: Date | null, b: string | null): Date | null {
  if (b === null) return a;
  const date = pgTimestamp(b);
  return a === null || date > a ? date : a;
}

function earlier(a: Date | null, b: string | null): Date | null {
  if (b === null) return a;
  const date = pgTimestamp(b);
  return a === null || date < a ? date : a;
}

function compareCents(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** a / b rounded half away from zero (Math.round of the exact quotient for non-negative amounts), exactly. */
function roundedQuotient(a: bigint, b: bigint): bigint {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  const rounded = (2n * abs + b) / (2n * b);
  return negative ? -rounded : rounded;
}

/**
 * Folds the aggregated rows of one customer into its stats. Each part is already a per-channel (and
 * per-currency) aggregate, so this touches at most a few dozen small rows per customer.
 */
function foldStats(customerId: string, parts: StatsPart[], defaultCurrency: string): CustomerStatsRow {
  // Sums of cents in bigint: exact for any number of orders (a double rounds past 2^53 cents, 90 trillion).
  const currencies = new Map<string, { cents: bigint; counted: number; total: number }>();
  const channels = new Map<Channel, { counted: number; centsByCurrency: Map<string, bigint>; interactions: number; recent: number; recentAt: Date | null }>();
  const channel = (name: Channel) => {
    let entry = channels.get(name);
    if (!entry) channels.set(name, (entry = { counted: 0, centsByCurrency: new Map(), interactions: 0, recent: 0, recentAt: null }));
    return entry;
  };
  let orderCount = 0;
  let firstOrderAt: Date | null = null;
  let lastOrderAt: Date | null = null;
  let lastInteractionAt: Date | null = null;
  let openConversations = 0;

  for (const part of parts) {
    if (part.kind === 'c') {
      openConversations += part.total;
      continue;
    }
    // Every order or interaction row marks its channel as used, whatever the status.
    const entry = channel(part.channel!);
    entry.recent += part.recent;
    entry.recentAt = later(entry.recentAt, part.recentAt);
    if (part.kind === 'i') {
      entry.interactions += part.total;
      lastInteractionAt = later(lastInteractionAt, part.lastAt);
      continue;
    }
    const cents = BigInt(part.cents);
    const currency = currencies.get(part.currency!) ?? { cents: 0n, counted: 0, total: 0 };
    currency.cents += cents;
    currency.counted += part.counted;
    currency.total += part.total;
    currencies.set(part.currency!, currency);
    entry.counted += part.counted;
    entry.centsByCurrency.set(part.currency!, (entry.centsByCurrency.get(part.currency!) ?? 0n) + cents);
    orderCount += part.counted;
    firstOrderAt = earlier(firstOrderAt, part.firstAt);
    lastOrderAt = later(lastOrderAt, part.lastAt);
  }

  // The main currency: most revenue, then most (non-cancelled, then any) orders, then alphabetical.
  const ranked = [...currencies.entries()].sort(([a, x], [b, y]) => compareCents(y.cents, x.cents) || y.counted - x.counted || y.total - x.total || (a < b ? -1 : 1));
  const [mainCurrency, main] = ranked[0] ?? [defaultCurrency, { cents: 0n, counted: 0, total: 0 }];

  const ordersByChannel: ChannelOrdersType[] = [];
  const interactionsByChannel: ChannelCountType[] = [];
  const channelsUsed: Channel[] = [];
  let preferred: { channel: Channel; recent: number; recentAt: Date } | null = null;
  for (const [name, entry] of [...channels.entries()].sort(([a], [b]) => CHANNEL_RANK.get(a)! - CHANNEL_RANK.get(b)!)) {
    channelsUsed.push(name);
    if (entry.counted > 0) ordersByChannel.push({ channel: name, orderCount: entry.counted, revenue: money(entry.centsByCurrency.get(mainCurrency) ?? 0n, mainCurrency) });
    if (entry.interactions > 0) interactionsByChannel.push({ channel: name, count: entry.interactions });
    // Channels come in enum order, so a complete tie keeps the earlier channel of the enum.
    if (entry.recent > 0 && entry.recentAt && (!preferred || entry.recent > preferred.recent
      || (entry.recent === preferred.recent && entry.recentAt > preferred.recentAt))) {
      preferred = { channel: name, recent: entry.recent, recentAt: entry.recentAt };
    }
  }

  return {
    customerId,
    lifetimeValue: money(main.cents, mainCurrency),
    orderCount,
    averageOrderValue: main.counted > 0 ? money(roundedQuotient(main.cents, BigInt(main.counted)), mainCurrency) : null,
    ordersByChannel,
    interactionsByChannel,
    channelsUsed,
    preferredChannel: preferred?.channel ?? null,
    firstOrderAt,
    lastOrderAt,
    lastInteractionAt,
    openConversations,
    lifetimeValueByCurrency: ranked.map(([currency, figures]) => ({ currency, cents: figures.cents })),
  };
}

/** "In the last PREFERRED_CHANNEL_DAYS days" (a constant of the code, inlined). */
const RECENT = `now() - make_interval(hours => 24 * ${PREFERRED_CHANNEL_DAYS})`;

/** The orders of customer `customer` (an SQL expression) per channel and currency, as StatsPart columns. */
const orderParts = (customer: string) => `select o.channel, o.currency, count(*)::int as total,
            (count(*) filter (where o.status <> 'CANCELLED'))::int as counted,
            coalesce(sum(o.total_cents) filter (where o.status in ('PLACED', 'FULFILLED')), 0)::text as cents,
            min(o.placed_at) filter (where o.status <> 'CANCELLED') as "firstAt",
            max(o.placed_at) filter (where o.status <> 'CANCELLED') as "lastAt",
            (count(*) filter (where o.placed_at >= ${RECENT}))::int as recent,
            max(o.placed_at) filter (where o.placed_at >= ${RECENT}) as "recentAt"
       from "order" o where o.customer_id = ${customer}
      group by o.channel, o.currency`;

/** The interactions of customer `customer` per channel, as StatsPart columns. */
const interactionParts = (customer: string) => `select i.channel, count(*)::int as total, min(i.occurred_at) as "firstAt", max(i.occurred_at) as "lastAt",
            (count(*) filter (where i.occurred_at >= ${RECENT}))::int as recent,
            max(i.occurred_at) filter (where i.occurred_at >= ${RECENT}) as "recentAt"
       from interaction i where i.customer_id = ${customer}
      group by i.channel`;

/** The catalogue's most common currency: the currency of a customer without orders. */
const CATALOGUE_CURRENCY = `(select p.currency from product p group by p.currency order by count(*) desc, p.currency limit 1)`;

/**
 * The stats parts of the customer `customer` (an SQL expression, e.g. `c.id` of a customer row) as one
 * JSON array of arrays in StatsPart's order (kind, channel, currency, total, counted, cents, firstAt,
 * lastAt, recent, recentAt), the catalogue's currency ('p') included only when it has no order: what
 * the customer's own statement embeds when a page asks for its stats (statsFromJson reads it). The
 * same aggregates as customerStats. With `of` 'orders', the order parts (and the catalogue's
 * currency) only: enough for ORDER_FIGURES.
 */
export function statsJsonSql(customer: string, of: 'all' | 'orders' = 'all'): string {
  const others = `
     union all
     select 'i', i.channel, null, i.total, i.total, '0', i."firstAt", i."lastAt", i.recent, i."recentAt" from (${interactionParts(customer)}) i
     union all
     select 'c', null, null, count(*)::int, count(*)::int, '0', null, null, 0, null
       from conversation x where x.customer_id = ${customer} and x.status in ('OPEN', 'PENDING')
     having count(*) > 0`;
  // Whether the customer has an order is asked of the order parts already read, not of the order index again.
  return `(with o as materialized (${orderParts(customer)})
   select coalesce(json_agg(json_build_array(s.kind, s.channel, s.currency, s.total, s.counted, s.cents, s."firstAt", s."lastAt", s.recent, s."recentAt")), '[]'::json)
   from (
     select 'o' as kind, o.* from o${of === 'all' ? others : ''}
     union all
     select 'p', null, ${CATALOGUE_CURRENCY}, 0, 0, '0', null, null, 0, null
      where not exists (select 1 from o)
   ) s)`;
}

/** The CustomerStats fields the order parts alone answer (statsJsonSql(customer, 'orders')). */
export const ORDER_FIGURES = ['lifetimeValue', 'orderCount', 'averageOrderValue', 'ordersByChannel', 'firstOrderAt', 'lastOrderAt'] as const;

type StatsTuple = [StatsPart['kind'], Channel | null, string | null, number, number, string, string | null, string | null, number, string | null];

/** The stats of one customer from statsJsonSql's value. */
export function statsFromJson(customerId: string, value: unknown): CustomerStatsRow {
  const parts = (value as StatsTuple[]).map(([kind, channel, currency, total, counted, cents, firstAt, lastAt, recent, recentAt]): StatsPart => ({
    kind, customerId, channel, currency, total, counted, cents, firstAt, lastAt, recent, recentAt,
  }));
  const catalogue = parts.find((part) => part.kind === 'p');
  return foldStats(customerId, parts.filter((part) => part.kind !== 'p'), catalogue?.currency ?? FALLBACK_CURRENCY);
}

/**
 * Customer.stats for many customers in ONE statement (the StatsByCustomerLoader's batch, and the
 * figures of offer segments inside write transactions). Reading by the customer id is enough for
 * merges: merges move orders, interactions and conversations to the survivor, and undoMerge moves them
 * back; erasure keeps amounts, dates and channels. Each branch reads through the customer index of its
 * table (order, interaction, conversation).
 */
export async function customerStats(em: EntityManager, customerIds: readonly string[]): Promise<Map<string, CustomerStatsRow>> {
  const stats = new Map<string, CustomerStatsRow>();
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return stats;
  const list = textArray(ids);
  // One LATERAL aggregate per customer over its index (order, interaction): a nested loop of small
  // index scans. (A plain `customer_id = any(...)` group-by made PostgreSQL plan parallel workers, whose
  // start-up cost more than the whole read.) The catalogue's currency is only read when a customer of
  // the batch has no order at all.
  const parts = await queryPrepared<StatsPart>(
    em,
    `select 'o' as kind, k.id as "customerId", s.channel, s.currency, s.total, s.counted, s.cents, s."firstAt", s."lastAt", s.recent, s."recentAt"
       from unnest(?::text[]) as k(id)
       cross join lateral (${orderParts('k.id')}) s
     union all
     select 'i', k.id, s.channel, null, s.total, s.total, '0', s."firstAt", s."lastAt", s.recent, s."recentAt"
       from unnest(?::text[]) as k(id)
       cross join lateral (${interactionParts('k.id')}) s
     union all
     select 'c', c.customer_id, null, null, count(*)::int, count(*)::int, '0', null, null, 0, null
       from conversation c where c.customer_id = any(?::text[]) and c.status in ('OPEN', 'PENDING')
      group by c.customer_id
     union all
     select 'p', null, null,
            case when exists (select 1 from unnest(?::text[]) as k(id) where not exists (select 1 from "order" o where o.customer_id = k.id))
                 then ${CATALOGUE_CURRENCY} end,
            0, 0, '0', null, null, 0, null`,
    [list, list, list, list],
  );
  const defaultCurrency = parts.find((part) => part.kind === 'p')?.currency ?? FALLBACK_CURRENCY;
  const partsOf = new Map<string, StatsPart[]>(ids.map((id) => [id, []]));
  for (const part of parts) if (part.customerId !== null) partsOf.get(part.customerId)?.push(part);
  for (const id of ids) stats.set(id, foldStats(id, partsOf.get(id)!, defaultCurrency));
  return stats;
}
