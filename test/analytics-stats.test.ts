import {
  CommerceEraseDocument, CommerceMergeDocument, CommerceUndoMergeDocument, StatsOfCustomerDocument, StatsOfCustomersDocument, UpsertOfferDocument,
  type StatsCoreFragment,
} from './generated/graphql';
import {
  catalogue, daysAgo, expectedCustomer, generateDataset, rawData, setStatus, type Catalogue,
} from './support/analytics';
import { customer, order } from './support/commerce';
import { record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Customer.stats and Customer.segments against figures the test computes itself from the raw rows of
 * a seeded dataset, and their behaviour through merges, undoMerge, cancellation, return and erasure.
 */
let env: TestServer;
let shop: Catalogue;
let generated: string[];

beforeAll(async () => {
  env = await startTestServer();
  shop = await catalogue(env);
  generated = (await generateDataset(env, shop, { seed: 20_261_122, customers: 36 })).customerIds;
}, 120_000);
afterAll(() => env.stop());

async function statsOf(id: string, token = TOKENS.ADMIN): Promise<{ id: string; status: string; stats: StatsCoreFragment; segments: string[] }> {
  return (await env.ok(StatsOfCustomerDocument, { id }, token)).customer!;
}

/** The API's stats of a customer must equal what the raw rows say, right now. */
async function expectStatsFromRows(id: string): Promise<StatsCoreFragment> {
  const [answer, data] = await Promise.all([statsOf(id), rawData(env)]);
  const expected = expectedCustomer(data, id, new Date());
  expect(answer.stats).toEqual(expected.stats);
  expect(answer.segments).toEqual(expected.segments);
  return answer.stats;
}

describe('Customer.stats', () => {
  it('equals, for every generated customer, the figures computed from the raw order, interaction and conversation rows', async () => {
    const data = await rawData(env);
    // The dataset exercises what the definitions distinguish.
    expect(new Set(data.orders.map((o) => o.status))).toEqual(new Set(['PLACED', 'FULFILLED', 'CANCELLED', 'RETURNED']));
    expect(data.orders.some((o) => o.currency === 'EUR')).toBe(true);
    expect(new Set(data.conversations.map((c) => c.status))).toEqual(new Set(['OPEN', 'PENDING', 'RESOLVED']));
    expect(data.conversations.some((c) => c.status === 'OPEN' && c.first_resolved_at)).toBe(true); // reopened

    const res = await env.ok(StatsOfCustomersDocument, { first: 100 });
    const byId = new Map(res.customers.edges.map((edge) => [edge.node.id, edge.node]));
    const now = new Date();
    for (const id of generated) {
      const expected = expectedCustomer(data, id, now);
      expect({ id, stats: byId.get(id)!.stats, segments: byId.get(id)!.segments }).toEqual({ id, ...expected });
    }
    const segments = new Set(generated.flatMap((id) => byId.get(id)!.segments));
    expect([...segments].sort()).toEqual(expect.arrayContaining(['lapsed', 'new', 'omnichannel']));
  });

  it('is the same for customer(id) as in the list, and the same for every internal role (no personal data in it)', async () => {
    const id = generated.find((candidate) => candidate)!;
    const admin = await statsOf(id);
    for (const token of [TOKENS.AGENT, TOKENS.ANALYST]) {
      const other = await statsOf(id, token);
      expect(other.stats).toEqual(admin.stats);
      expect(other.segments).toEqual(admin.segments);
    }
  });

  it('gives PARTNER the contact figures only: money, order figures and segments are refused by the role policy (issue 13 class 3)', async () => {
    const id = generated.find((candidate) => candidate)!;
    const refused = await env.gql(`query($id: ID!) { customer(id: $id) { segments stats { lifetimeValue { amount } orderCount } } }`, { id }, TOKENS.PARTNER);
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].extensions?.refused).toEqual(['Customer.segments', 'Money', 'CustomerStats.orderCount']);
    const doc = `query($id: ID!) { customer(id: $id) { stats { channelsUsed preferredChannel openConversations interactionsByChannel { channel count } } } }`;
    const partner = await env.ok<{ customer: unknown }, { id: string }>(doc, { id }, TOKENS.PARTNER);
    expect(partner).toEqual(await env.ok(doc, { id }, TOKENS.ADMIN));
  });

  it('segments decide offer eligibility: Customer.segments and the offers of each segment agree for every customer', async () => {
    const codes: Record<string, string> = {};
    for (const segment of ['vip', 'lapsed', 'omnichannel', 'new']) {
      const code = unique(`SEG-${segment}-`);
      const res = await env.ok(UpsertOfferDocument, { input: { code, title: segment, discountPercent: 5, segment } });
      expect(res.upsertOffer.userErrors).toEqual([]);
      codes[segment] = code;
    }
    const res = await env.ok<{ customers: { edges: { node: { id: string; segments: string[]; offers: { eligible: boolean; offer: { code: string; segment: string | null } }[] } }[] } }, unknown>(
      `query { customers(first: 100) { edges { node { id segments offers { eligible offer { code segment } } } } } }`,
    );
    let checked = 0;
    for (const { node } of res.customers.edges) {
      for (const decision of node.offers.filter((d) => Object.values(codes).includes(d.offer.code))) {
        expect({ id: node.id, segment: decision.offer.segment, eligible: decision.eligible })
          .toEqual({ id: node.id, segment: decision.offer.segment, eligible: node.segments.includes(decision.offer.segment!) });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4 * generated.length);
  });

  it('a customer without orders: 0.00 in the catalogue\'s most common currency, no average, no order dates, segment new', async () => {
    const lonely = await customer(env);
    await record(env, { customer: { id: lonely.id }, channel: 'SMS', direction: 'OUTBOUND', occurredAt: daysAgo(3).toISOString() });
    const { stats, segments } = await statsOf(lonely.id);
    expect(stats).toMatchObject({
      lifetimeValue: { amount: '0.00', currencyCode: 'PLN' },
      orderCount: 0,
      averageOrderValue: null,
      ordersByChannel: [],
      interactionsByChannel: [{ channel: 'SMS', count: 1 }],
      channelsUsed: ['SMS'],
      preferredChannel: 'SMS',
      firstOrderAt: null,
      lastOrderAt: null,
      openConversations: 1,
    });
    expect(segments).toEqual(['new']);
    await expectStatsFromRows(lonely.id);
  });

  it('preferredChannel counts the last 180 days only; a tie goes to the most recent activity', async () => {
    const buyer = await customer(env);
    for (const days of [200, 210, 250]) await record(env, { customer: { id: buyer.id }, channel: 'CHAT', occurredAt: daysAgo(days).toISOString() });
    await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: shop.pln[0], quantity: 1 }], placedAt: daysAgo(10).toISOString() });
    await record(env, { customer: { id: buyer.id }, channel: 'EMAIL', occurredAt: daysAgo(5).toISOString() });
    const stats = await expectStatsFromRows(buyer.id);
    // CHAT has most contacts overall, but outside the window; WEB and EMAIL tie at one, EMAIL is later.
    expect(stats.preferredChannel).toBe('EMAIL');
    expect(stats.channelsUsed).toEqual(['WEB', 'EMAIL', 'CHAT']);

    const quiet = await customer(env);
    await order(env, { channel: 'STORE', locationId: shop.storeId, customer: { id: quiet.id }, lines: [{ sku: shop.pln[1], quantity: 1 }], placedAt: daysAgo(300).toISOString() });
    const quietStats = await statsOf(quiet.id);
    expect(quietStats.stats.preferredChannel).toBeNull();
    expect(quietStats.segments).toEqual(['lapsed']);
  });

  it('several currencies: amounts are in the currency with the most revenue; other orders count but add no amount', async () => {
    const buyer = await customer(env);
    await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: shop.pln[0], quantity: 1 }] }); // 19.99 PLN
    await order(env, { channel: 'MOBILE_APP', customer: { id: buyer.id }, lines: [{ sku: shop.eur, quantity: 1 }] }); // 75.00 EUR
    const stats = await expectStatsFromRows(buyer.id);
    expect(stats).toMatchObject({
      lifetimeValue: { amount: '75.00', currencyCode: 'EUR' },
      orderCount: 2,
      averageOrderValue: { amount: '75.00', currencyCode: 'EUR' },
      ordersByChannel: [
        { channel: 'WEB', orderCount: 1, revenue: { amount: '0.00', currencyCode: 'EUR' } },
        { channel: 'MOBILE_APP', orderCount: 1, revenue: { amount: '75.00', currencyCode: 'EUR' } },
      ],
    });
  });

  it('stays correct through mergeCustomers, undoMerge, cancellation, return and eraseCustomer', async () => {
    const a = await customer(env);
    const b = await customer(env);
    const aPlaced = await order(env, { channel: 'WEB', customer: { id: a.id }, lines: [{ sku: shop.pln[2], quantity: 1 }], placedAt: daysAgo(40).toISOString() });
    const aFulfilled = await order(env, { channel: 'WEB', customer: { id: a.id }, lines: [{ sku: shop.pln[1], quantity: 2 }], placedAt: daysAgo(20).toISOString() });
    await setStatus(env, aFulfilled.id, 'FULFILLED');
    await record(env, { customer: { id: a.id }, channel: 'CHAT', occurredAt: daysAgo(15).toISOString() });
    await order(env, { channel: 'STORE', locationId: shop.storeId, customer: { id: b.id }, lines: [{ sku: shop.pln[3], quantity: 1 }], placedAt: daysAgo(30).toISOString() });
    await record(env, { customer: { id: b.id }, channel: 'EMAIL', occurredAt: daysAgo(8).toISOString() });
    await record(env, { customer: { id: b.id }, channel: 'EMAIL', direction: 'OUTBOUND', occurredAt: daysAgo(7).toISOString() });

    const aBefore = await expectStatsFromRows(a.id);
    const bBefore = await expectStatsFromRows(b.id);
    // 120.00 + 2 x 49.50
    expect(aBefore).toMatchObject({ lifetimeValue: { amount: '219.00' }, orderCount: 2, averageOrderValue: { amount: '109.50' } });

    // Merge: everything of B counts for A, and B's id reads A's stats.
    const merge = await env.ok(CommerceMergeDocument, { input: { survivorId: a.id, mergedId: b.id } });
    expect(merge.mergeCustomers.userErrors).toEqual([]);
    const merged = await expectStatsFromRows(a.id);
    expect(merged).toMatchObject({
      lifetimeValue: { amount: '529.00', currencyCode: 'PLN' },
      orderCount: 3,
      averageOrderValue: { amount: '176.33', currencyCode: 'PLN' },
      channelsUsed: ['WEB', 'STORE', 'EMAIL', 'CHAT'],
      interactionsByChannel: [{ channel: 'EMAIL', count: 2 }, { channel: 'CHAT', count: 1 }],
      openConversations: aBefore.openConversations + bBefore.openConversations,
    });
    const viaMergedId = await statsOf(b.id);
    expect(viaMergedId.id).toBe(a.id);
    expect(viaMergedId.stats).toEqual(merged);

    // Undo: each customer has exactly its own figures again.
    const undo = await env.ok(CommerceUndoMergeDocument, { input: { mergeId: merge.mergeCustomers.merge!.id } });
    expect(undo.undoMerge.userErrors).toEqual([]);
    expect(await expectStatsFromRows(a.id)).toEqual(aBefore);
    expect(await expectStatsFromRows(b.id)).toEqual(bBefore);

    // Cancellation: the order neither counts nor earns.
    await setStatus(env, aPlaced.id, 'CANCELLED');
    expect(await expectStatsFromRows(a.id)).toMatchObject({
      lifetimeValue: { amount: '99.00' }, orderCount: 1, averageOrderValue: { amount: '99.00' },
      firstOrderAt: aFulfilled.placedAt, lastOrderAt: aFulfilled.placedAt, ordersByChannel: [{ channel: 'WEB', orderCount: 1, revenue: { amount: '99.00' } }],
    });

    // Return: the order still counts as an order, its revenue is gone (net of returns).
    await setStatus(env, aFulfilled.id, 'RETURNED');
    const returned = await expectStatsFromRows(a.id);
    expect(returned).toMatchObject({
      lifetimeValue: { amount: '0.00', currencyCode: 'PLN' }, orderCount: 1, averageOrderValue: { amount: '0.00' },
      ordersByChannel: [{ channel: 'WEB', orderCount: 1, revenue: { amount: '0.00' } }], channelsUsed: ['WEB', 'CHAT'],
    });

    // Erasure keeps amounts, dates and channels: the stats do not change.
    const erased = await env.ok(CommerceEraseDocument, { input: { customerId: a.id } });
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    const after = await statsOf(a.id);
    expect(after.status).toBe('ERASED');
    expect(after.stats).toEqual(returned);
    await expectStatsFromRows(a.id);
  });
});
