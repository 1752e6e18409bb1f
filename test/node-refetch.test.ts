import { isObjectType } from 'graphql';
import { buildOmniSchema } from '../src/server/schema';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { newCustomerRef, record, waitUntil } from './support/interactions';
import { startReceiver } from './support/webhook-receiver';
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
  env = await startTestServer({ env: { OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true', OMNI360_WEBHOOK_POLL_MS: '50' } });
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
  // A webhook of the ADMIN, and one delivery of it (the interaction below).
  const receiver = await startReceiver();
  const webhook = await env.ok<{ createWebhook: { webhook: { id: string } } }, unknown>(
    'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code } } }',
    { input: { url: receiver.url, subscription: 'subscription { interactionAdded { eventId } }' } },
    TOKENS.ADMIN,
  );
  const webhookId = webhook.createWebhook.webhook.id;
  await record(env, { customer: newCustomerRef() });
  let deliveryId = '';
  await waitUntil(
    async () => {
      const read = await env.ok<{ webhook: { deliveries: { edges: { node: { id: string } }[] } } }, unknown>(
        'query($id: ID!) { webhook(id: $id) { deliveries(first: 1) { edges { node { id } } } } }',
        { id: webhookId },
        TOKENS.ADMIN,
      );
      deliveryId = read.webhook.deliveries.edges[0]?.node.id ?? '';
      return deliveryId !== '';
    },
    10_000,
    'a delivery',
  );
  // Paused (kept, for node(id)): it sends nothing more to the closed receiver.
  await env.ok('mutation($id: ID!) { pauseWebhook(id: $id) { userErrors { code } } }', { id: webhookId }, TOKENS.ADMIN);
  await receiver.close();
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
    Webhook: webhookId,
    WebhookDelivery: deliveryId,
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
