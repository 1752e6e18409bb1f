import {
  AnalyticsConversationsPageDocument, AssignConversationDocument, Customer360PageDocument, CustomerThreeSixtyDocument, RecordConsentDocument,
  RespondToOfferDocument, UpsertAgentDocument, UpsertOfferDocument,
} from './generated/graphql';
import { catalogue, setStatus } from './support/analytics';
import { customer, order } from './support/commerce';
import { record } from './support/interactions';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * SQL statement counts of the list queries that carry aggregates: a page of 50 customers with stats,
 * segments, orders (lines, products), interactions, conversations and offers costs what a page of 5
 * costs; so does a page of conversations with interactions, customer and assignee.
 */
let env: TestServer;
const CUSTOMERS = 56;
const STATS_FRAGMENT = `fragment StatsCore on CustomerStats {
  lifetimeValue { amount currencyCode } orderCount averageOrderValue { amount currencyCode }
  ordersByChannel { channel orderCount revenue { amount currencyCode } } interactionsByChannel { channel count }
  channelsUsed preferredChannel firstOrderAt lastOrderAt lastInteractionAt openConversations
}`;

beforeAll(async () => {
  env = await startTestServer();
  const shop = await catalogue(env);
  const agentId = (await env.ok(UpsertAgentDocument, { input: { email: `${unique('stats')}@support.example.com`, name: 'Stats Agent' } })).upsertAgent.agent!.id;
  for (const segment of ['vip', 'omnichannel', null]) {
    await env.ok(UpsertOfferDocument, { input: { code: unique('CNT-'), title: 'Counted', discountPercent: 5, segment } });
  }
  for (let start = 0; start < CUSTOMERS; start += 14) {
    await Promise.all(Array.from({ length: Math.min(14, CUSTOMERS - start) }, async (_, offset) => {
      const i = start + offset;
      const buyer = await customer(env);
      const web = await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: shop.pln[i % 5], quantity: 1 }, { sku: shop.pln[(i + 1) % 5], quantity: 2 }] });
      await order(env, { channel: 'STORE', locationId: shop.storeId, customer: { id: buyer.id }, lines: [{ sku: shop.pln[(i + 2) % 5], quantity: 1 }] });
      if (i % 3 === 0) await setStatus(env, web.id, 'CANCELLED');
      const chat = await record(env, { customer: { id: buyer.id }, channel: 'CHAT' });
      const call = await record(env, { customer: { id: buyer.id }, channel: 'PHONE', newConversation: true });
      // Every conversation is assigned, so pages of 5 and of 50 both load agents.
      for (const conversationId of [chat.conversation.id, call.conversation.id]) {
        await env.ok(AssignConversationDocument, { input: { conversationId, agentId } });
      }
    }));
  }
}, 120_000);
afterAll(() => env.stop());

describe('statement counts with aggregates', () => {
  it('customers(first: N){ stats segments orders{lines{product}} interactions conversations offers } costs the same for N = 5 and N = 50', async () => {
    const small = await env.countStatements(async () => {
      expect((await env.ok(Customer360PageDocument, { first: 5 })).customers.edges).toHaveLength(5);
    });
    const large = await env.countStatements(async () => {
      const res = await env.ok(Customer360PageDocument, { first: 50 });
      expect(res.customers.edges).toHaveLength(50);
      for (const { node } of res.customers.edges) {
        expect(node.stats.orderCount).toBeGreaterThanOrEqual(1);
        expect(node.stats.channelsUsed).toEqual(expect.arrayContaining(['STORE', 'PHONE', 'CHAT']));
        expect(node.segments).toContain('omnichannel');
        expect(node.orders.edges).toHaveLength(2);
        expect(node.orders.edges.every((edge) => edge.node.lines.length > 0 && edge.node.lines.every((line) => line.product.sku))).toBe(true);
        expect(node.interactions.edges).toHaveLength(2);
        expect(node.conversations.edges).toHaveLength(2);
        expect(node.offers).toHaveLength(3);
      }
    });
    expect(large.count).toBe(small.count);
    // customers, stats (shared by stats, segments and offers), orders, lines, products, interactions, conversations, offers,
    // offer responses, consents.
    expect(large.count).toBeLessThanOrEqual(10);
  });

  it('conversations(first: N){ interactions customer assignee } costs the same for N = 5 and N = 50', async () => {
    const small = await env.countStatements(() => env.ok(AnalyticsConversationsPageDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(AnalyticsConversationsPageDocument, { first: 50 });
      expect(res.conversations.edges).toHaveLength(50);
      expect(res.conversations.edges.every((edge) => edge.node.interactions.edges.length > 0 && edge.node.customer.id)).toBe(true);
      expect(res.conversations.edges.every((edge) => edge.node.assignee?.id)).toBe(true);
    });
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(5);
  });

  it('the customer-360 page (identities, stats, orders with lines and products, interactions, conversations, offers) takes 1 statement (issue 5 asks for 6)', async () => {
    const id = (await env.ok(Customer360PageDocument, { first: 1 })).customers.edges[0].node.id;
    const { count, statements } = await env.countStatements(async () => {
      const { customer: page } = await env.ok(CustomerThreeSixtyDocument, { id });
      expect(page!.id).toBe(id);
      expect(page!.identities.length).toBeGreaterThan(0);
      expect(page!.stats.orderCount).toBeGreaterThanOrEqual(1);
      expect(page!.orders.edges).toHaveLength(2);
      expect(page!.orders.edges.every((edge) => edge.node.lines.length > 0 && edge.node.lines.every((line) => line.product.sku))).toBe(true);
      expect(page!.interactions.edges).toHaveLength(2);
      expect(page!.conversations.edges).toHaveLength(2);
      expect(page!.offers).toHaveLength(3);
    });
    // The planner's one statement: the customer through the merge chain, its identities, the stats and
    // offer inputs (responses, consents) the modules add, orders with lines and products, interactions,
    // conversations. (On failure the statement list names what ran.)
    expect(count <= 1 ? count : statements.map((sql) => sql.replace(/\s+/g, ' ').slice(0, 160))).toBe(count);
    expect(count).toBe(1);
  });

  it('stats asked for order figures only read the order aggregates: the same figures, no interaction or conversation read', async () => {
    const ORDER_FIGURES = `lifetimeValue { amount currencyCode } orderCount averageOrderValue { amount currencyCode }
      ordersByChannel { channel orderCount revenue { amount currencyCode } } firstOrderAt lastOrderAt`;
    type Page = { customers: { edges: { node: { id: string; stats: Record<string, unknown> } }[] } };
    const narrow = await env.countStatements(async () => {
      const page = await env.ok<Page, Record<string, never>>(`{ customers(first: 20) { edges { node { id stats { ${ORDER_FIGURES} } } } } }`);
      const full = await env.ok<Page, Record<string, never>>(`{ customers(first: 20) { edges { node { id stats { ...StatsCore } } } } } ${STATS_FRAGMENT}`);
      expect(page.customers.edges).toHaveLength(20);
      page.customers.edges.forEach(({ node }, index) => {
        const { stats } = full.customers.edges[index].node;
        expect(node.stats).toEqual(Object.fromEntries(Object.keys(node.stats).map((key) => [key, stats[key]])));
        expect(node.stats.orderCount).toBeGreaterThanOrEqual(1);
      });
    });
    // Two pages of one statement each (the list carries the planner's column); the first reads the
    // orders only, the second every part.
    expect(narrow.count).toBe(2);
    const planned = narrow.statements.filter((sql) => sql.includes('$row'));
    expect(planned).toHaveLength(2);
    expect(planned[0]).not.toMatch(/from interaction|from conversation/);
    expect(planned[1]).toMatch(/from interaction/);
  });

  it('customer(id) and a page of customers read stats and offer inputs in the planner\'s statement: the figures and decisions of the loaders', async () => {
    const VIEW = `id stats { ...StatsCore } segments offers { offer { code } eligible reasons contactAllowed lastResponse lastResponseChannel }
      consents { purpose channel granted }`;
    type View = { id: string; offers: { offer: { code: string } }[] };
    const ids = (await env.ok(Customer360PageDocument, { first: 8 })).customers.edges.map((edge) => edge.node.id);
    // Consents and responses on some of them, so every part of the offer inputs is there to compare.
    const offers = (await env.ok<{ customer: View }, { id: string }>(`query O($id: ID!) { customer(id: $id) { ${VIEW} } } ${STATS_FRAGMENT}`, { id: ids[0] })).customer.offers;
    const offerId = (await env.ok<{ offersFor: { offer: { id: string; code: string } }[] }, { id: string }>(
      'query F($id: ID!) { offersFor(customerId: $id, channel: EMAIL) { offer { id code } } }', { id: ids[0] },
    )).offersFor.find((decision) => decision.offer.code === offers[0].offer.code)!.offer.id;
    for (const id of ids.slice(0, 3)) {
      await env.ok(RecordConsentDocument, { input: { customerId: id, purpose: 'MARKETING', channel: 'EMAIL', granted: true } });
      await env.ok(RespondToOfferDocument, { input: { offerId, customerId: id, channel: 'EMAIL', response: 'DECLINED' } });
    }
    // The list reads them in the planner's statement too (consents primed by the offer inputs); node(id) through the loaders.
    let listed: View[] = [];
    const page = await env.countStatements(async () => {
      listed = (await env.ok<{ customers: { edges: { node: View }[] } }, Record<string, never>>(
        `{ customers(first: 8) { edges { node { ${VIEW} } } } } ${STATS_FRAGMENT}`,
      )).customers.edges.map((edge) => edge.node);
    });
    expect(page.count).toBe(1);
    expect(listed.map((customer) => customer.id)).toEqual(ids);
    expect(listed.slice(0, 3).every((customer) => customer.offers.some((decision) => decision.offer.code === offers[0].offer.code))).toBe(true);
    for (const expected of listed) {
      const alone = await env.countStatements(async () => {
        const { customer } = await env.ok<{ customer: View }, { id: string }>(`query One($id: ID!) { customer(id: $id) { ${VIEW} } } ${STATS_FRAGMENT}`, { id: expected.id });
        expect(customer).toEqual(expected);
      });
      // The planner's one statement: the customer through the merge chain, its stats and offer inputs.
      expect(alone.count).toBe(1);
      const { node } = await env.ok<{ node: View }, { id: string }>(`query Node($id: ID!) { node(id: $id) { ... on Customer { ${VIEW} } } } ${STATS_FRAGMENT}`, { id: expected.id });
      expect(node).toEqual(expected);
    }
  });

  it('stats alone: one statement for a page of 50 customers, the list\'s own', async () => {
    const withStats = await env.countStatements(() => env.ok(`{ customers(first: 50) { edges { node { id stats { lifetimeValue { amount } orderCount } } } } }`));
    const without = await env.countStatements(() => env.ok(`{ customers(first: 50) { edges { node { id } } } }`));
    expect(without.count).toBe(1);
    expect(withStats.count).toBe(1);
    expect(withStats.statements[0]).toMatch(/from "?order"?/);
  });
});
