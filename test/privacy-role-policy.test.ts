import { order, createProduct, createLocation, receive } from './support/commerce';
import { createPerson, person } from './support/customers';
import { collect, record, subscriptionsOpen } from './support/interactions';
import { startTestServer, TOKENS, type GraphQLResponse, type TestServer } from './support/server';

/**
 * Issue 13, classes 2 and 3 (and issue 14 point 6): ONE role policy at the type level. What PARTNER may
 * not read (money, orders, catalogue, offers) it gets nowhere: not through a nested field, a timeline
 * entry, node(id), the event log or a subscription with replay; masked roles cannot search or look up
 * by personal data. A refused document is refused before execution, naming what to drop, instead of a
 * page wiped to null.
 */

let env: TestServer;
let customerId: string;
let orderId: string;
let firstCursor: string;
const someone = person();

beforeAll(async () => {
  env = await startTestServer();
  // A position in the log before everything this file writes: what the replays start after.
  await createPerson(env);
  const events = await env.ok<{ events: { edges: { cursor: string }[] } }, Record<string, never>>(
    '{ events(first: 100) { edges { cursor } } }',
    {},
    TOKENS.ADMIN,
  );
  firstCursor = events.events.edges.at(-1)!.cursor;
  const customer = await createPerson(env, someone);
  customerId = customer.id;
  const product = await createProduct(env, { price: '123.45' });
  const warehouse = await createLocation(env, 'WAREHOUSE');
  await receive(env, product.sku, warehouse.id, 10);
  orderId = (await order(env, { channel: 'WEB', customer: { id: customerId }, lines: [{ sku: product.sku, quantity: 2 }] })).id;
  await record(env, { customer: { id: customerId }, body: 'hello' });
});
afterAll(() => env.stop());

function refused(res: GraphQLResponse<unknown>): string[] {
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions?.code).toBe('FORBIDDEN');
  expect(res.data ?? null).toBeNull();
  return res.errors![0].extensions?.refused as string[];
}

describe('class 3: money and orders never reach PARTNER by a side path', () => {
  it('the README first query as PARTNER is refused before execution naming Customer.orders, not answered with customers: null', async () => {
    const res = await env.gql(
      `{ customers(first: 1) { edges { node { id displayName orders(first: 5) { edges { node { id total { amount } } } } } } } }`,
      {},
      TOKENS.PARTNER,
    );
    expect(res.status).toBe(403);
    expect(refused(res)).toEqual(expect.arrayContaining(['Customer.orders', 'OrderConnection', 'Order', 'Money']));
    expect(res.errors![0].message).toContain('Customer.orders');
  });

  it('stats money and timeline orders are refused to PARTNER (they were answered before)', async () => {
    const res = await env.gql(
      `query($id: ID!) { customer(id: $id) { stats { lifetimeValue { amount } orderCount } timeline(first: 10) { edges { node { kind order { total { amount } lines { unitPrice { amount } product { price { amount } } } } offer { code } } } } } }`,
      { id: customerId },
      TOKENS.PARTNER,
    );
    expect(refused(res)).toEqual(expect.arrayContaining(['CustomerStats.orderCount', 'Money', 'Order', 'OrderLine', 'Product', 'Offer']));
  });

  it('the timeline answers PARTNER without ORDER entries (whose summary carries the total), with a count that agrees', async () => {
    const doc = `query($id: ID!) { customer(id: $id) { timeline(first: 50) { totalCount edges { node { kind summary } } } } }`;
    const asAgent = await env.ok<
      { customer: { timeline: { totalCount: number; edges: { node: { kind: string; summary: string | null } }[] } } },
      { id: string }
    >(doc, { id: customerId }, TOKENS.AGENT);
    expect(asAgent.customer.timeline.edges.map((edge) => edge.node.kind)).toContain('ORDER');
    const asPartner = await env.ok<typeof asAgent, { id: string }>(doc, { id: customerId }, TOKENS.PARTNER);
    const kinds = asPartner.customer.timeline.edges.map((edge) => edge.node.kind);
    expect(kinds).not.toContain('ORDER');
    expect(kinds).toContain('INTERACTION');
    expect(asPartner.customer.timeline.totalCount).toBe(kinds.length);
    expect(JSON.stringify(asPartner)).not.toContain('246.90');
  });

  it('node(id) of an order is FORBIDDEN to PARTNER, and an inline fragment on Order is refused before execution', async () => {
    const plain = await env.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: orderId }, TOKENS.PARTNER);
    expect(plain.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect((plain.data as { node: unknown } | null)?.node ?? null).toBeNull();
    const typed = await env.gql(`query($id: ID!) { node(id: $id) { ... on Order { total { amount } } } }`, { id: orderId }, TOKENS.PARTNER);
    expect(refused(typed)).toEqual(expect.arrayContaining(['Order', 'Money']));
    const asAnalyst = await env.ok<{ node: { total: { amount: string } } }, { id: string }>(
      `query($id: ID!) { node(id: $id) { ... on Order { total { amount } } } }`,
      { id: orderId },
      TOKENS.ANALYST,
    );
    expect(asAnalyst.node.total.amount).toBe('246.90');
  });

  it('the event log answers PARTNER without order.*, stock.*, product.* events (query and customerEvents replay)', async () => {
    const all = await env.ok<{ events: { edges: { node: { type: string } }[] } }, Record<string, never>>(
      '{ events(first: 100) { edges { node { type } } } }',
      {},
      TOKENS.AGENT,
    );
    expect(all.events.edges.map((edge) => edge.node.type)).toEqual(expect.arrayContaining(['order.placed', 'stock.changed', 'product.upserted']));
    const partner = await env.ok<typeof all, Record<string, never>>(
      '{ events(first: 100) { totalCount edges { node { type payload } } } }',
      {},
      TOKENS.PARTNER,
    );
    const types = partner.events.edges.map((edge) => edge.node.type);
    expect(types).toContain('interaction.recorded');
    expect(types.filter((type) => /^(order|stock|product|location|offer)\./.test(type))).toEqual([]);
    const asked = await env.ok<typeof all, Record<string, never>>('{ events(first: 100, types: ["order.*"]) { edges { node { type } } } }', {}, TOKENS.PARTNER);
    expect(asked.events.edges).toEqual([]);

    const client = env.ws(TOKENS.PARTNER);
    try {
      const replay = collect<{ customerEvents: { type: string } }, { id: string; after: string }>(
        client,
        'subscription($id: ID!, $after: String) { customerEvents(customerId: $id, after: $after) { type } }',
        { id: customerId, after: firstCursor },
      );
      const agentClient = env.ws(TOKENS.AGENT);
      const agentReplay = collect<{ customerEvents: { type: string } }, { id: string; after: string }>(
        agentClient,
        'subscription($id: ID!, $after: String) { customerEvents(customerId: $id, after: $after) { type } }',
        { id: customerId, after: firstCursor },
      );
      const agentTypes = (await agentReplay.waitFor(3)).map((item) => item.customerEvents.type);
      await new Promise((resolve) => setTimeout(resolve, 300));
      agentReplay.dispose();
      await agentClient.dispose();
      expect(agentReplay.items.map((item) => item.customerEvents.type)).toContain('order.placed');
      expect(agentTypes.length).toBeGreaterThan(0);
      await replay.waitFor(1);
      expect(replay.items.map((item) => item.customerEvents.type)).not.toContain('order.placed');
      expect(replay.items.map((item) => item.customerEvents.type)).toContain('interaction.recorded');
      replay.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('orderPlaced (with after: replay) is refused to PARTNER over WebSocket before anything is delivered', async () => {
    const client = env.ws(TOKENS.PARTNER);
    try {
      const sub = collect(client, 'subscription($after: String) { orderPlaced(after: $after) { order { id total { amount } } } }', { after: firstCursor });
      await expect(sub.waitFor(1, 5_000)).rejects.toThrow(/FORBIDDEN/);
      expect(sub.items).toEqual([]);
      expect(JSON.stringify(sub.errors)).toContain('Subscription.orderPlaced');
    } finally {
      await client.dispose();
    }
  });

  it('a refused field over WebSocket names the field, as over HTTP (queries too)', async () => {
    const client = env.ws(TOKENS.PARTNER);
    try {
      const sub = collect(client, '{ customers(first: 1) { edges { node { stats { lifetimeValue { amount } } } } } }', {});
      await expect(sub.waitFor(1, 5_000)).rejects.toThrow(/Money/);
    } finally {
      await client.dispose();
    }
  });
});

describe('class 2: masked roles cannot search or look up by personal data', () => {
  it.each(['ANALYST', 'PARTNER'] as const)(
    '%s: customers(search:) is refused with FORBIDDEN naming the argument (it matched clear text before)',
    async (role) => {
      const res = await env.gql(
        `query($s: String) { customers(first: 5, search: $s) { edges { node { id } } } }`,
        { s: someone.email.slice(0, 4) },
        TOKENS[role],
      );
      expect(refused(res)).toEqual(['Query.customers(search)']);
      // Without a search the list stays open to them, masked.
      const list = await env.ok<{ customers: { edges: { node: { email: string | null } }[] } }, Record<string, never>>(
        '{ customers(first: 50) { edges { node { email } } } }',
        {},
        TOKENS[role],
      );
      expect(list.customers.edges.map((edge) => edge.node.email)).toContain(`${someone.email[0]}***@${someone.email.split('@')[1][0]}***.com`);
    },
  );

  it.each(['ANALYST', 'PARTNER'] as const)('%s: customerByIdentity is refused (it told whether an e-mail belongs to someone)', async (role) => {
    const res = await env.gql(`query($v: String!) { customerByIdentity(identity: { type: EMAIL, value: $v }) { id } }`, { v: someone.email }, TOKENS[role]);
    expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(res.data ?? null)).not.toContain(customerId);
  });

  it('AGENT still searches by e-mail fragment', async () => {
    const res = await env.ok<{ customers: { edges: { node: { id: string } }[] } }, { s: string }>(
      `query($s: String) { customers(first: 5, search: $s) { edges { node { id } } } }`,
      { s: someone.email.slice(0, 10) },
      TOKENS.AGENT,
    );
    expect(res.customers.edges.map((edge) => edge.node.id)).toContain(customerId);
  });
});

describe('subscriptions still open to PARTNER get no order data', () => {
  it('interactionAdded as PARTNER delivers the interaction, and a document asking for its customer stats money is refused', async () => {
    const client = env.ws(TOKENS.PARTNER);
    try {
      const opened = env.server.app.events.stats().opened;
      const sub = collect<{ interactionAdded: { interaction: { id: string } } }, { id: string }>(
        client,
        'subscription($id: ID) { interactionAdded(filter: { customerId: $id }) { interaction { id } } }',
        { id: customerId },
      );
      await subscriptionsOpen(env, opened + 1);
      const created = await record(env, { customer: { id: customerId }, body: 'second' });
      const [item] = await sub.waitFor(1);
      expect(item.interactionAdded.interaction.id).toBe(created.id);
      sub.dispose();
      const refusedSub = collect(client, 'subscription { interactionAdded { interaction { customer { stats { lifetimeValue { amount } } } } } }', {});
      await expect(refusedSub.waitFor(1, 5_000)).rejects.toThrow(/FORBIDDEN/);
    } finally {
      await client.dispose();
    }
  });
});
