import { isObjectType } from 'graphql';
import { buildOmniSchema } from '../src/server/schema';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { newCustomerRef, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Every type with an id is refetchable by `node(id)` (issue 14; `Handover` and `CustomerMerge` had an
 * id but did not implement Node, so a normalised client cache could not refetch them). The list of
 * types comes from the schema the server builds: a new type with an id fails here until it
 * implements Node and has a way to be created below.
 */
const schema = buildOmniSchema();

/**
 * Types with an `id` that are deliberately not nodes. TimelineEntry is a view of another record: its id
 * IS that record's id (an order's, an interaction's, ...), which node(id) already resolves to the
 * record itself.
 */
const NOT_NODES: Record<string, string> = {
  TimelineEntry: "its id is the underlying record's id; node(id) with it returns that record",
  // Not built yet (a known gap, listed in the closing note of the change that added webhooks): read by
  // webhook(id) with its owner check, and a delivery through webhook(id) { deliveries }.
  Webhook: 'refetched by webhook(id), which applies the owner check; node(id) does not serve it yet',
  WebhookDelivery: 'a delivery is read through webhook(id) { deliveries }; node(id) does not serve it yet',
};

const typesWithId = Object.values(schema.getTypeMap())
  .filter((type) => isObjectType(type) && !type.name.startsWith('__') && 'id' in type.getFields())
  .map((type) => type.name)
  .sort();
const nodeTypes = schema
  .getPossibleTypes(schema.getType('Node') as never)
  .map((type) => type.name)
  .sort();

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

/** Creates one object of each node type through the API and returns its id (and the expected typename). */
async function createOneOfEach(): Promise<Record<string, string>> {
  const product = await createProduct(env);
  const location = await createLocation(env, 'WAREHOUSE');
  const buyer = await customer(env);
  await receive(env, product.sku, location.id, 5);
  const placed = await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: product.sku, quantity: 1 }] });
  const interaction = await record(env, { customer: newCustomerRef() });
  const agent = await env.ok<{ upsertAgent: { agent: { id: string } } }, unknown>(
    'mutation($input: UpsertAgentInput!) { upsertAgent(input: $input) { agent { id } } }',
    { input: { email: `${unique('agent')}@example.com`, name: 'Ada Agent' } },
  );
  const assigned = await env.ok<{ assignConversation: { handover: { id: string } } }, unknown>(
    'mutation($input: AssignConversationInput!) { assignConversation(input: $input) { handover { id } userErrors { code } } }',
    { input: { conversationId: interaction.conversation.id, agentId: agent.upsertAgent.agent.id, note: 'over to you' } },
  );
  const offer = await env.ok<{ upsertOffer: { offer: { id: string } } }, unknown>(
    'mutation($input: UpsertOfferInput!) { upsertOffer(input: $input) { offer { id } } }',
    { input: { code: unique('OFR'), title: 'Ten off', discountPercent: 10 } },
  );
  const merged = await customer(env);
  const merge = await env.ok<{ mergeCustomers: { merge: { id: string } } }, unknown>(
    'mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } userErrors { code } } }',
    { input: { survivorId: buyer.id, mergedId: merged.id, reason: 'same person' } },
  );
  return {
    Agent: agent.upsertAgent.agent.id,
    Conversation: interaction.conversation.id,
    Customer: buyer.id,
    CustomerMerge: merge.mergeCustomers.merge.id,
    Handover: assigned.assignConversation.handover.id,
    Interaction: interaction.id,
    Location: location.id,
    Offer: offer.upsertOffer.offer.id,
    Order: placed.id,
    Product: product.id,
  };
}

describe('node(id)', () => {
  it('covers every object type with an id, Handover and CustomerMerge included', () => {
    expect(typesWithId.filter((name) => !NOT_NODES[name])).toEqual(nodeTypes);
    expect(nodeTypes).toEqual(expect.arrayContaining(['Handover', 'CustomerMerge']));
  });

  it('refetches one object of every Node type by its id, as its own type', async () => {
    const ids = await createOneOfEach();
    expect(Object.keys(ids).sort()).toEqual(nodeTypes);
    for (const type of nodeTypes) {
      const res = await env.gql<{ node: { __typename: string; id: string } | null }, { id: string }>(
        'query($id: ID!) { node(id: $id) { __typename id } }',
        { id: ids[type] },
        TOKENS.ADMIN,
      );
      expect({ type, res: { errors: res.errors, data: res.data } }).toEqual({
        type,
        res: { errors: undefined, data: { node: { __typename: type, id: ids[type] } } },
      });
    }
  });

  it("refetches a handover's fields, and masks its note for PARTNER as everywhere", async () => {
    const interaction = await record(env, { customer: newCustomerRef() });
    const agent = await env.ok<{ upsertAgent: { agent: { id: string } } }, unknown>(
      'mutation($input: UpsertAgentInput!) { upsertAgent(input: $input) { agent { id } } }',
      { input: { email: `${unique('agent')}@example.com`, name: 'Bo Agent' } },
    );
    const { assignConversation } = await env.ok<{ assignConversation: { handover: { id: string } } }, unknown>(
      'mutation($input: AssignConversationInput!) { assignConversation(input: $input) { handover { id } } }',
      { input: { conversationId: interaction.conversation.id, agentId: agent.upsertAgent.agent.id, note: 'call back at noon' } },
    );
    const query = 'query($id: ID!) { node(id: $id) { ... on Handover { id note to { name } } } }';
    const admin = await env.ok<{ node: { note: string; to: { name: string } } }, { id: string }>(query, { id: assignConversation.handover.id }, TOKENS.ADMIN);
    expect(admin.node).toEqual({ id: assignConversation.handover.id, note: 'call back at noon', to: { name: 'Bo Agent' } });
    const partner = await env.ok<{ node: { note: string } }, { id: string }>(query, { id: assignConversation.handover.id }, TOKENS.PARTNER);
    expect(partner.node.note).not.toBe('call back at noon');
  });
});
