import {
  ResolveConversationDocument, UpdateOrderStatusDocument, type StatsCoreFragment,
} from '../generated/graphql';
import { createLocation, createProduct, customer, order, receive, sql } from './commerce';
import { record } from './interactions';
import { unique, type TestServer } from './server';
import { Random } from '../../src/common/prng';

/**
 * The analytics suites' own arithmetic: a seeded dataset built through the API, and every aggregate
 * recomputed here, in plain TypeScript, from the raw rows of "order", interaction and conversation.
 * Nothing here imports server code: the server's answer is compared with an independent computation.
 */

export const CHANNEL_ORDER = ['WEB', 'MOBILE_APP', 'STORE', 'PHONE', 'EMAIL', 'CHAT', 'SMS', 'SOCIAL', 'CHATBOT', 'VIDEO', 'MARKETPLACE'] as const;
export type ChannelName = (typeof CHANNEL_ORDER)[number];
const rank = (channel: string) => CHANNEL_ORDER.indexOf(channel as ChannelName);

export const DAY_MS = 86_400_000;

/** The project's seeded PRNG (src/common/prng.ts), so every run builds the same shape of dataset. */
export function prng(seed: number): Random {
  return new Random(seed);
}

// ---------------------------------------------------------------- raw rows

export interface OrderRaw { id: string; customer_id: string | null; channel: string; status: string; placed_at: Date; currency: string; total_cents: string }
export interface InteractionRaw { id: string; customer_id: string; conversation_id: string; channel: string; direction: string; occurred_at: Date }
export interface ConversationRaw { id: string; customer_id: string; status: string; first_resolved_at: Date | null; opened_at: Date }
export interface RawData { orders: OrderRaw[]; interactions: InteractionRaw[]; conversations: ConversationRaw[]; productCurrencies: string[] }

export async function rawData(env: TestServer): Promise<RawData> {
  const [orders, interactions, conversations, products] = await Promise.all([
    sql<OrderRaw>(env, `select * from "order"`),
    sql<InteractionRaw>(env, `select * from interaction`),
    sql<ConversationRaw>(env, `select * from conversation`),
    sql<{ currency: string }>(env, `select currency from product`),
  ]);
  return { orders, interactions, conversations, productCurrencies: products.map((p) => p.currency) };
}

const cents = (value: string | number) => Number(value);
function amount(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
const iso = (date: Date | null) => (date ? date.toISOString() : null);
const countable = (o: OrderRaw) => o.status !== 'CANCELLED';
const earning = (o: OrderRaw) => o.status === 'PLACED' || o.status === 'FULFILLED';

// ---------------------------------------------------------------- Customer.stats

export interface ExpectedCustomer {
  stats: StatsCoreFragment;
  segments: string[];
}

/** Customer.stats and Customer.segments as the contract and docs/analytics.md define them. */
export function expectedCustomer(data: RawData, customerId: string, now: Date): ExpectedCustomer {
  const orders = data.orders.filter((o) => o.customer_id === customerId);
  const interactions = data.interactions.filter((i) => i.customer_id === customerId);
  const conversations = data.conversations.filter((c) => c.customer_id === customerId);

  const byCurrency = new Map<string, { revenue: number; counted: number; all: number }>();
  for (const o of orders) {
    const entry = byCurrency.get(o.currency) ?? { revenue: 0, counted: 0, all: 0 };
    entry.all += 1;
    if (countable(o)) entry.counted += 1;
    if (earning(o)) entry.revenue += cents(o.total_cents);
    byCurrency.set(o.currency, entry);
  }
  const catalogue = new Map<string, number>();
  for (const currency of data.productCurrencies) catalogue.set(currency, (catalogue.get(currency) ?? 0) + 1);
  const fallback = [...catalogue.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0] ?? 'PLN';
  const ranked = [...byCurrency.entries()].sort(([a, x], [b, y]) => y.revenue - x.revenue || y.counted - x.counted || y.all - x.all || a.localeCompare(b));
  const currency = ranked[0]?.[0] ?? fallback;
  const main = byCurrency.get(currency) ?? { revenue: 0, counted: 0, all: 0 };

  const counted = orders.filter(countable);
  const channelsOfOrders = [...new Set(counted.map((o) => o.channel))].sort((a, b) => rank(a) - rank(b));
  const ordersByChannel = channelsOfOrders.map((channel) => ({
    channel: channel as ChannelName,
    orderCount: counted.filter((o) => o.channel === channel).length,
    revenue: {
      amount: amount(orders.filter((o) => o.channel === channel && o.currency === currency && earning(o)).reduce((sum, o) => sum + cents(o.total_cents), 0)),
      currencyCode: currency,
    },
  }));
  const interactionChannels = [...new Set(interactions.map((i) => i.channel))].sort((a, b) => rank(a) - rank(b));
  const interactionsByChannel = interactionChannels.map((channel) => ({ channel: channel as ChannelName, count: interactions.filter((i) => i.channel === channel).length }));
  const channelsUsed = [...new Set([...orders.map((o) => o.channel), ...interactions.map((i) => i.channel)])].sort((a, b) => rank(a) - rank(b)) as ChannelName[];

  // preferredChannel: most orders (any status) + interactions in the last 180 days; ties: latest activity, then enum order.
  const since = now.getTime() - 180 * DAY_MS;
  const recent = new Map<string, { n: number; last: number }>();
  for (const [channel, at] of [...orders.map((o) => [o.channel, o.placed_at] as const), ...interactions.map((i) => [i.channel, i.occurred_at] as const)]) {
    if (at.getTime() < since) continue;
    const entry = recent.get(channel) ?? { n: 0, last: 0 };
    entry.n += 1;
    entry.last = Math.max(entry.last, at.getTime());
    recent.set(channel, entry);
  }
  const preferred = [...recent.entries()].sort(([a, x], [b, y]) => y.n - x.n || y.last - x.last || rank(a) - rank(b))[0]?.[0] ?? null;

  const times = (dates: Date[]) => dates.map((d) => d.getTime());
  const firstOrder = counted.length ? new Date(Math.min(...times(counted.map((o) => o.placed_at)))) : null;
  const lastOrder = counted.length ? new Date(Math.max(...times(counted.map((o) => o.placed_at)))) : null;
  const lastInteraction = interactions.length ? new Date(Math.max(...times(interactions.map((i) => i.occurred_at)))) : null;

  const stats: StatsCoreFragment = {
    lifetimeValue: { amount: amount(main.revenue), currencyCode: currency },
    orderCount: counted.length,
    averageOrderValue: main.counted > 0 ? { amount: amount(Math.round(main.revenue / main.counted)), currencyCode: currency } : null,
    ordersByChannel,
    interactionsByChannel,
    channelsUsed,
    preferredChannel: preferred as ChannelName | null,
    firstOrderAt: iso(firstOrder),
    lastOrderAt: iso(lastOrder),
    lastInteractionAt: iso(lastInteraction),
    openConversations: conversations.filter((c) => c.status === 'OPEN' || c.status === 'PENDING').length,
  };
  const segments: string[] = [];
  if ([...byCurrency.values()].some((entry) => entry.revenue >= 100_000)) segments.push('vip');
  if (lastOrder && now.getTime() - lastOrder.getTime() > 180 * DAY_MS) segments.push('lapsed');
  if (channelsUsed.length >= 2) segments.push('omnichannel');
  if (counted.length === 0) segments.push('new');
  return { stats, segments };
}

// ---------------------------------------------------------------- analytics(from, to)

export interface ExpectedAnalytics {
  revenueByChannel: { channel: string; orderCount: number; revenue: { amount: string; currencyCode: string } }[];
  interactionsByChannel: { channel: string; count: number }[];
  firstContactResolutionRate: number | null;
  averageFirstResponseSeconds: number | null;
  byChannel: number | null;
  crossChannelJourneys: { touchChannel: string; purchaseChannel: string; customers: number }[];
  omnichannelCustomerShare: number | null;
  /** How many conversations each rate was computed over: lets tests insist the data exercises them. */
  resolvedCount: number;
  firstContactCount: number;
  respondedCount: number;
}

export function expectedAnalytics(data: RawData, from: Date, to: Date, channel: string | null, windowDays: number): ExpectedAnalytics {
  const inWindow = (d: Date) => d.getTime() >= from.getTime() && d.getTime() < to.getTime();
  const orders = data.orders.filter((o) => inWindow(o.placed_at));
  const interactions = data.interactions.filter((i) => inWindow(i.occurred_at));

  const revenue = new Map<string, { channel: string; currency: string; orderCount: number; revenue: number }>();
  for (const o of orders) {
    const key = `${o.channel}/${o.currency}`;
    const entry = revenue.get(key) ?? { channel: o.channel, currency: o.currency, orderCount: 0, revenue: 0 };
    if (countable(o)) entry.orderCount += 1;
    if (earning(o)) entry.revenue += cents(o.total_cents);
    revenue.set(key, entry);
  }
  const revenueByChannel = [...revenue.values()]
    .filter((entry) => entry.orderCount > 0)
    .sort((a, b) => rank(a.channel) - rank(b.channel) || a.currency.localeCompare(b.currency))
    .map((entry) => ({ channel: entry.channel, orderCount: entry.orderCount, revenue: { amount: amount(entry.revenue), currencyCode: entry.currency } }));

  const interactionCounts = new Map<string, number>();
  for (const i of interactions) interactionCounts.set(i.channel, (interactionCounts.get(i.channel) ?? 0) + 1);
  const interactionsByChannel = [...interactionCounts.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([c, count]) => ({ channel: c, count }));

  // First-contact resolution: first resolution in the window, no INBOUND of that customer in (resolvedAt, resolvedAt + 7 days].
  const resolved = data.conversations.filter((c) => c.first_resolved_at && inWindow(c.first_resolved_at));
  const firstContact = resolved.filter((c) => !data.interactions.some((i) => i.customer_id === c.customer_id && i.direction === 'INBOUND'
    && i.occurred_at.getTime() > c.first_resolved_at!.getTime() && i.occurred_at.getTime() <= c.first_resolved_at!.getTime() + 7 * DAY_MS));

  // First response, recomputed from the interactions of each conversation (not from its SLA columns).
  const responseTimes: { channel: string; seconds: number }[] = [];
  for (const conversation of data.conversations) {
    const own = data.interactions.filter((i) => i.conversation_id === conversation.id)
      .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || a.id.localeCompare(b.id));
    if (own.length === 0 || !inWindow(own[0].occurred_at)) continue;
    const firstInbound = own.find((i) => i.direction === 'INBOUND');
    if (!firstInbound) continue;
    const response = own.find((i) => i.direction === 'OUTBOUND' && i.occurred_at.getTime() >= firstInbound.occurred_at.getTime());
    if (!response) continue;
    responseTimes.push({ channel: firstInbound.channel, seconds: (response.occurred_at.getTime() - firstInbound.occurred_at.getTime()) / 1000 });
  }
  const mean = (values: number[]) => (values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null);

  const journeys = new Map<string, Set<string>>();
  for (const o of orders) {
    if (!countable(o) || !o.customer_id) continue;
    for (const i of data.interactions) {
      if (i.customer_id !== o.customer_id || i.channel === o.channel) continue;
      const t = i.occurred_at.getTime();
      if (t >= o.placed_at.getTime() - windowDays * DAY_MS && t < o.placed_at.getTime()) {
        const key = `${i.channel}>${o.channel}`;
        const set = journeys.get(key) ?? new Set<string>();
        set.add(o.customer_id);
        journeys.set(key, set);
      }
    }
  }
  const crossChannelJourneys = [...journeys.entries()]
    .map(([key, set]) => ({ touchChannel: key.split('>')[0], purchaseChannel: key.split('>')[1], customers: set.size }))
    .sort((a, b) => b.customers - a.customers || rank(a.touchChannel) - rank(b.touchChannel) || rank(a.purchaseChannel) - rank(b.purchaseChannel));

  const channelsOf = new Map<string, Set<string>>();
  for (const [customerId, c] of [...orders.filter((o) => o.customer_id).map((o) => [o.customer_id!, o.channel]), ...interactions.map((i) => [i.customer_id, i.channel])]) {
    const set = channelsOf.get(customerId) ?? new Set<string>();
    set.add(c);
    channelsOf.set(customerId, set);
  }
  const active = channelsOf.size;
  const omni = [...channelsOf.values()].filter((set) => set.size >= 2).length;

  return {
    revenueByChannel,
    interactionsByChannel,
    firstContactResolutionRate: resolved.length ? firstContact.length / resolved.length : null,
    averageFirstResponseSeconds: mean(responseTimes.map((r) => r.seconds)),
    // averageFirstResponseSeconds(channel: null) is the unfiltered mean.
    byChannel: mean(responseTimes.filter((r) => channel === null || r.channel === channel).map((r) => r.seconds)),
    crossChannelJourneys,
    omnichannelCustomerShare: active ? omni / active : null,
    resolvedCount: resolved.length,
    firstContactCount: firstContact.length,
    respondedCount: responseTimes.length,
  };
}

// ---------------------------------------------------------------- dataset

export interface Catalogue {
  pln: string[];
  eur: string;
  warehouseId: string;
  storeId: string;
}

/** Products in PLN (and one in EUR) with plenty of stock at a warehouse and a store. */
export async function catalogue(env: TestServer): Promise<Catalogue> {
  const warehouse = await createLocation(env, 'WAREHOUSE');
  const store = await createLocation(env, 'STORE');
  const pln: string[] = [];
  for (const price of ['19.99', '49.50', '120.00', '310.00', '7.25']) {
    const product = await createProduct(env, { price });
    pln.push(product.sku);
  }
  const eur = (await createProduct(env, { price: '75.00', currency: 'EUR' })).sku;
  await Promise.all([...pln, eur].flatMap((sku) => [receive(env, sku, warehouse.id, 100_000), receive(env, sku, store.id, 100_000)]));
  return { pln, eur, warehouseId: warehouse.id, storeId: store.id };
}

const ORDER_CHANNELS = ['WEB', 'MOBILE_APP', 'STORE', 'MARKETPLACE', 'PHONE'] as const;
const CONTACT_CHANNELS = ['CHAT', 'EMAIL', 'PHONE', 'SMS', 'WEB', 'SOCIAL'] as const;

/** A time `days` (fractional) ago, kept clear of the 180-day boundaries that "now" would make flaky. */
export function daysAgo(days: number, now = Date.now()): Date {
  const safe = days > 178 && days < 182 ? days + 5 : days;
  return new Date(now - safe * DAY_MS);
}

export async function setStatus(env: TestServer, orderId: string, status: 'FULFILLED' | 'CANCELLED' | 'RETURNED'): Promise<void> {
  const res = await env.ok(UpdateOrderStatusDocument, { input: { orderId, status } });
  if (res.updateOrderStatus.userErrors.length) throw new Error(`updateOrderStatus: ${JSON.stringify(res.updateOrderStatus.userErrors)}`);
}

export async function resolve(env: TestServer, conversationId: string): Promise<void> {
  const res = await env.ok(ResolveConversationDocument, { input: { conversationId } });
  if (res.resolveConversation.userErrors.length) throw new Error(`resolveConversation: ${JSON.stringify(res.resolveConversation.userErrors)}`);
}

export interface DatasetOptions {
  seed: number;
  customers: number;
  /** Days back the generated history reaches. */
  historyDays?: number;
  /** Parallel customers while building (each customer's own writes stay sequential). */
  parallel?: number;
}

/**
 * Customers with orders in several channels and statuses (cancelled, fulfilled, returned; now and then
 * one in EUR), interactions across channels and directions (back-dated through occurredAt), and
 * conversations resolved and reopened. Returns the customer ids and the resolved conversations.
 */
export async function generateDataset(env: TestServer, shop: Catalogue, options: DatasetOptions): Promise<{ customerIds: string[]; resolvedConversations: string[] }> {
  const random = prng(options.seed);
  const historyDays = options.historyDays ?? 400;
  // Decide everything up front from the seed, so that parallel building cannot change the shape.
  const plans = Array.from({ length: options.customers }, () => ({
    orders: Array.from({ length: random.int(0, 4) }, () => ({
      channel: random.pick(ORDER_CHANNELS),
      days: random.next() * historyDays,
      eur: random.chance(0.1),
      lines: Array.from({ length: random.int(1, 2) }, () => ({ sku: random.pick(shop.pln), quantity: random.int(1, 3) })),
      fate: random.next(),
    })),
    contacts: Array.from({ length: random.int(0, 5) }, () => ({
      channel: random.pick(CONTACT_CHANNELS),
      inbound: random.chance(0.6),
      days: random.next() * historyDays,
      newConversation: random.chance(0.2),
    })).sort((a, b) => b.days - a.days),
    resolve: random.chance(0.5),
    reopen: random.chance(0.4) ? random.pick(CONTACT_CHANNELS) : null,
  }));
  const now = Date.now();
  const customerIds: string[] = new Array(plans.length);
  const resolvedConversations: string[] = [];
  const parallel = options.parallel ?? 12;
  for (let start = 0; start < plans.length; start += parallel) {
    await Promise.all(plans.slice(start, start + parallel).map(async (plan, offset) => {
      const index = start + offset;
      const buyer = await customer(env, `${unique(`gen${index}-`)}@example.com`);
      customerIds[index] = buyer.id;
      for (const planned of plan.orders) {
        const placed = await order(env, {
          channel: planned.channel,
          locationId: planned.channel === 'STORE' ? shop.storeId : shop.warehouseId,
          customer: { id: buyer.id },
          lines: planned.eur ? [{ sku: shop.eur, quantity: 1 }] : planned.lines,
          placedAt: daysAgo(planned.days, now).toISOString(),
        });
        if (planned.fate < 0.2) await setStatus(env, placed.id, 'CANCELLED');
        else if (planned.fate < 0.5) await setStatus(env, placed.id, 'FULFILLED');
        else if (planned.fate < 0.65) {
          await setStatus(env, placed.id, 'FULFILLED');
          await setStatus(env, placed.id, 'RETURNED');
        }
      }
      let lastConversation: string | null = null;
      for (const contact of plan.contacts) {
        const recorded = await record(env, {
          customer: { id: buyer.id }, channel: contact.channel, direction: contact.inbound ? 'INBOUND' : 'OUTBOUND',
          occurredAt: daysAgo(contact.days, now).toISOString(), newConversation: contact.newConversation,
        });
        lastConversation = recorded.conversation.id;
      }
      if (lastConversation && plan.resolve) {
        await resolve(env, lastConversation);
        resolvedConversations.push(lastConversation);
        // An inbound contact right after the resolution reopens the conversation (same or another channel).
        if (plan.reopen) await record(env, { customer: { id: buyer.id }, channel: plan.reopen, direction: 'INBOUND' });
      }
    }));
  }
  return { customerIds, resolvedConversations };
}
