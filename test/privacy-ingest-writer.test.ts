import { createLocation, createProduct, receive } from './support/commerce';
import { createPerson, person } from './support/customers';
import { collect, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type GraphQLResponse, type TestServer } from './support/server';

/**
 * Issue 13 class 1: INGEST sees, in any payload or nested field, only records it wrote. Of another
 * writer's customer, interaction, conversation or order it gets the id and nothing else (each other
 * field answers null with FORBIDDEN, reason NOT_WRITER); views mixing writers (handovers, merges,
 * timelines, stats) are refused before execution. Before, identifyCustomer with someone's e-mail
 * returned their name, phone and message bodies.
 */

let env: TestServer;
const someone = person();
let theirsId: string;
const theirBody = `private ${unique('body')}`;
let sku: string;

beforeAll(async () => {
  env = await startTestServer();
  theirsId = (await createPerson(env, someone, TOKENS.AGENT)).id;
  await record(env, { customer: { id: theirsId }, body: theirBody, subject: `subject ${someone.lastName}` }, TOKENS.AGENT);
  const product = await createProduct(env);
  const warehouse = await createLocation(env, 'WAREHOUSE');
  await receive(env, product.sku, warehouse.id, 50);
  sku = product.sku;
});
afterAll(() => env.stop());

/** Every clear personal value of the other writer's customer that must not reach INGEST. */
function leaks(res: unknown): string[] {
  const text = JSON.stringify(res);
  return [someone.firstName, someone.lastName, someone.email, someone.phone, someone.city, theirBody].filter((value) => text.includes(value));
}

function notWriterErrors(res: GraphQLResponse<unknown>): string[] {
  return (res.errors ?? []).map((error) => `${error.extensions?.code}/${error.extensions?.reason ?? ''}`);
}

describe('INGEST reads only what it wrote, in payloads and nested fields', () => {
  it("identifyCustomer with another writer's e-mail returns the id only (before: name, phone, e-mail, bodies)", async () => {
    const doc = `mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) {
      created customer { id firstName lastName email phone city interactions(first: 10) { edges { node { body } } } } } }`;
    const res = await env.gql(doc, { e: someone.email }, TOKENS.INGEST);
    expect(leaks(res)).toEqual([]);
    expect(new Set(notWriterErrors(res))).toEqual(new Set(['FORBIDDEN/NOT_WRITER']));
    const idOnly = await env.ok<{ identifyCustomer: { created: boolean; customer: { id: string } } }, { e: string }>(
      `mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) { created customer { id } } }`,
      { e: someone.email },
      TOKENS.INGEST,
    );
    expect(idOnly.identifyCustomer).toEqual({ created: false, customer: { id: theirsId } });
  });

  it('the same document run by a reader first, then by INGEST, then by the reader again: each gets its own answer', async () => {
    // The compiled executor keeps a reader's compiled query (without writer guards) apart from INGEST's.
    const doc = `mutation SameText($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) {
      customer { id firstName lastName city interactions(first: 10) { edges { node { body } } } } } }`;
    type Answer = {
      identifyCustomer: {
        customer: { id: string; firstName: string | null; lastName: string | null; interactions: { edges: { node: { body: string } }[] } | null };
      };
    };
    const asReader = async () => {
      const res = await env.gql<Answer, { e: string }>(doc, { e: someone.email }, TOKENS.AGENT);
      expect(res.errors).toBeUndefined();
      const customer = res.data!.identifyCustomer.customer;
      expect([customer.id, customer.firstName, customer.lastName]).toEqual([theirsId, someone.firstName, someone.lastName]);
      expect(customer.interactions!.edges.map((edge) => edge.node.body)).toContain(theirBody);
    };
    await asReader();
    const res = await env.gql<Answer, { e: string }>(doc, { e: someone.email }, TOKENS.INGEST);
    expect(leaks(res)).toEqual([]);
    expect(new Set(notWriterErrors(res))).toEqual(new Set(['FORBIDDEN/NOT_WRITER']));
    await asReader();
  });

  it('views mixing writers (handovers, merges, timeline, stats) are refused to INGEST before execution', async () => {
    const res = await env.gql(
      `mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) { customer { id mergedFrom { reason } stats { channelsUsed } timeline { totalCount }
        conversations(first: 5) { edges { node { handovers { note } } } } } } }`,
      { e: someone.email },
      TOKENS.INGEST,
    );
    expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(res.errors?.[0].extensions?.refused).toEqual(expect.arrayContaining(['CustomerMerge', 'CustomerStats', 'TimelineConnection', 'Handover']));
    expect(leaks(res)).toEqual([]);
  });

  it("recordInteraction on another writer's customer: its own interaction in clear, the customer and the joined conversation as ids only", async () => {
    const body = `ingest says ${unique('hi')}`;
    const res = await env.gql(
      `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { created
        interaction { id body customer { id email lastName } conversation { id subject } } userErrors { code } } }`,
      { input: { source: 'shop', externalId: unique('x'), channel: 'CHAT', direction: 'INBOUND', customer: { id: theirsId }, body } },
      TOKENS.INGEST,
    );
    expect(leaks(res)).toEqual([]);
    const payload = (
      res.data as { recordInteraction: { interaction: { body: string; customer: { id: string; email: null }; conversation: { id: string; subject: null } } } }
    ).recordInteraction;
    expect(payload.interaction.body).toBe(body);
    expect(payload.interaction.customer).toEqual({ id: theirsId, email: null, lastName: null });
    expect(payload.interaction.conversation.subject).toBeNull();
    expect(new Set(notWriterErrors(res))).toEqual(new Set(['FORBIDDEN/NOT_WRITER']));
  });

  it("placeOrder and importOrders for another writer's customer: order in clear, order.customer as an id only", async () => {
    const placed = await env.gql(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { amount } customer { id email firstName } } userErrors { code } } }`,
      {
        input: {
          source: 'shop',
          externalId: unique('o'),
          channel: 'WEB',
          customer: { identities: [{ type: 'EMAIL', value: someone.email }] },
          lines: [{ sku, quantity: 1 }],
        },
      },
      TOKENS.INGEST,
    );
    expect(leaks(placed)).toEqual([]);
    const order = (placed.data as { placeOrder: { order: { total: { amount: string }; customer: unknown } } }).placeOrder.order;
    expect(order.total.amount).toBe('10.00');
    expect(order.customer).toEqual({ id: theirsId, email: null, firstName: null });

    const imported = await env.gql(
      `mutation($input: ImportOrdersInput!) { importOrders(input: $input) { created results { outcome order { id customer { id phone lastName } } } } }`,
      {
        input: {
          orders: [
            {
              source: 'pos',
              externalId: unique('i'),
              channel: 'STORE',
              placedAt: '2025-01-01T00:00:00Z',
              customer: { id: theirsId },
              lines: [{ sku, quantity: 1, unitPrice: { amount: '5.00', currencyCode: 'PLN' } }],
            },
          ],
        },
      },
      TOKENS.INGEST,
    );
    expect(leaks(imported)).toEqual([]);
    expect((imported.data as { importOrders: { results: { order: { customer: unknown } }[] } }).importOrders.results[0].order.customer).toEqual({
      id: theirsId,
      phone: null,
      lastName: null,
    });
  });

  it("customer(id) of its own customer shows its own interactions' bodies, not those another writer added", async () => {
    const mine = await createPerson(env, person(), TOKENS.INGEST);
    const own = await record(env, { customer: { id: mine.id }, body: 'mine' }, TOKENS.INGEST);
    const adminBody = `admin note ${unique('n')}`;
    const admins = await record(env, { customer: { id: mine.id }, body: adminBody }, TOKENS.ADMIN);
    const res = await env.gql(
      `query($id: ID!) { customer(id: $id) { id interactions(first: 10) { edges { node { id body } } } } }`,
      { id: mine.id },
      TOKENS.INGEST,
    );
    expect(JSON.stringify(res)).not.toContain(adminBody);
    const nodes = (res.data as { customer: { interactions: { edges: { node: { id: string; body: string | null } }[] } } }).customer.interactions.edges.map(
      (edge) => edge.node,
    );
    expect(nodes).toEqual(
      expect.arrayContaining([
        { id: own.id, body: 'mine' },
        { id: admins.id, body: null },
      ]),
    );
  });

  it("over WebSocket too: identifyCustomer as INGEST gets no other writer's personal data", async () => {
    const client = env.ws(TOKENS.INGEST);
    try {
      const sub = collect(
        client,
        `mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) { customer { id email firstName } } }`,
        { e: someone.email },
      );
      await sub.waitFor(1).catch(() => undefined);
      expect(leaks(sub.items)).toEqual([]);
      expect(leaks(sub.errors)).toEqual([]);
      expect(JSON.stringify(sub.errors)).toContain('NOT_WRITER');
    } finally {
      await client.dispose();
    }
  });

  it("IDEMPOTENCY_CONFLICT does not name another writer's interaction or order id", async () => {
    const externalId = unique('dup');
    const agents = await record(env, { customer: { id: theirsId }, source: 'crm', externalId, body: 'one' }, TOKENS.AGENT);
    const res = await env.gql(
      `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { userErrors { code message } } }`,
      { input: { source: 'crm', externalId, channel: 'CHAT', direction: 'INBOUND', customer: { id: theirsId }, body: 'two' } },
      TOKENS.INGEST,
    );
    const errors = (res.data as { recordInteraction: { userErrors: { code: string; message: string }[] } }).recordInteraction.userErrors;
    expect(errors.map((error) => error.code)).toEqual(['IDEMPOTENCY_CONFLICT']);
    expect(errors[0].message).not.toContain(agents.id);

    const orderKey = unique('ok');
    const first = await env.ok<{ placeOrder: { order: { id: string } } }, unknown>(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`,
      { input: { source: 'shop2', externalId: orderKey, channel: 'WEB', lines: [{ sku, quantity: 1 }] } },
      TOKENS.AGENT,
    );
    const conflict = await env.ok<{ placeOrder: { userErrors: { code: string; message: string }[] } }, unknown>(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { userErrors { code message } } }`,
      { input: { source: 'shop2', externalId: orderKey, channel: 'WEB', lines: [{ sku, quantity: 2 }] } },
      TOKENS.INGEST,
    );
    expect(conflict.placeOrder.userErrors.map((error) => error.code)).toEqual(['IDEMPOTENCY_CONFLICT']);
    expect(conflict.placeOrder.userErrors[0].message).not.toContain(first.placeOrder.order.id);
  });
});
