import { startTestServer, TOKENS, unique, type GraphQLAnswer as Answer, type TestServer } from './support/server';
import { record, subscriptionsOpen, waitUntil } from './support/interactions';
import { startReceiver } from './support/webhook-receiver';
import { createProduct } from './support/commerce';

/**
 * Issue 13 class 6: the size of an answer is bounded. 30 aliases of a customer's last 100 bodies
 * answered 58 MB; the text an answer carries is counted as it is resolved and, past
 * OMNI360_MAX_RESPONSE_BYTES, the answer is one RESPONSE_TOO_LARGE error, over HTTP and WebSocket.
 */

const MAX = 50_000;
let env: TestServer;
let customerId: string;
beforeAll(async () => {
  env = await startTestServer({
    env: {
      OMNI360_MAX_RESPONSE_BYTES: String(MAX),
      OMNI360_RATE_LIMIT_PER_SECOND: '0',
      OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true',
      OMNI360_WEBHOOK_POLL_MS: '50',
      OMNI360_WEBHOOK_BACKOFF_BASE_MS: '20',
    },
  });
  customerId = (await record(env, { customer: { identities: [{ type: 'EMAIL', value: `${unique('big')}@example.com` }] }, body: 'b'.repeat(10_000) })).customer
    .id;
  for (let i = 0; i < 9; i++) await record(env, { customer: { id: customerId }, body: `${i}`.repeat(10_000) });
});
afterAll(() => env.stop());

const bodies = (first: number, aliases = 1) =>
  `query Bodies($id: ID!) { ${Array.from({ length: aliases }, (_, i) => `a${i}: customer(id: $id) { interactions(first: ${first}) { edges { node { body } } } }`).join(' ')} }`;

/** One operation over graphql-ws (a client of its own per call). */
const overWs = (query: string, variables: Record<string, unknown>, token: string = TOKENS.AGENT) => env.wsOnce(query, variables, token);

const RECORD = 'mutation R($input: RecordInteractionInput!) { recordInteraction(input: $input) { created userErrors { code } } }';

function expectTooLarge(answer: Answer): void {
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors).toEqual([expect.objectContaining({ extensions: { code: 'RESPONSE_TOO_LARGE', limit: MAX } })]);
}

describe('response size (issue 13 class 6)', () => {
  it('answers 100 KB of bodies with RESPONSE_TOO_LARGE over HTTP, and 30 KB with the data', async () => {
    const res = await env.gql(bodies(10), { id: customerId }, TOKENS.AGENT);
    expect(res.status).toBe(200);
    expectTooLarge(res);
    const small = await env.gql<{ a0: { interactions: { edges: { node: { body: string } }[] } } }, unknown>(bodies(3), { id: customerId }, TOKENS.AGENT);
    expect(small.errors).toBeUndefined();
    expect(small.data!.a0.interactions.edges.map((edge) => edge.node.body.length)).toEqual([10_000, 10_000, 10_000]);
  });

  it('counts every alias: six copies of 10 KB are over the limit where one is not', async () => {
    expect((await env.gql(bodies(1, 1), { id: customerId }, TOKENS.AGENT)).errors).toBeUndefined();
    expectTooLarge(await env.gql(bodies(1, 6), { id: customerId }, TOKENS.AGENT));
  });

  it('answers the same way over graphql-ws', async () => {
    expectTooLarge(await overWs(bodies(10), { id: customerId }));
    expect((await overWs(bodies(3), { id: customerId })).errors).toBeUndefined();
  });

  it("keeps a mutation's result and withholds only the text past the limit, saying so", async () => {
    const input = { source: 'test', externalId: unique('m'), channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId }, body: 'y'.repeat(60_000) };
    const res = await env.gql<{ recordInteraction: { created: boolean; interaction: { id: string; body: string | null } } }, unknown>(
      'mutation R($input: RecordInteractionInput!) { recordInteraction(input: $input) { created interaction { id body } } }',
      { input },
      TOKENS.AGENT,
    );
    expect(res.data!.recordInteraction).toEqual({ created: true, interaction: { id: expect.any(String), body: '' } });
    expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'RESPONSE_TOO_LARGE', limit: MAX } })]);
  });

  it('bounds each subscription event on its own: a 60 KB body is refused, the next small one delivered', async () => {
    const client = env.ws(TOKENS.AGENT);
    const events: Answer[] = [];
    const dispose = client.subscribe(
      { query: 'subscription S($id: ID!) { interactionAdded(filter: { customerId: $id }) { eventId interaction { body } } }', variables: { id: customerId } },
      {
        next: (value) => {
          events.push(value as Answer);
        },
        error: (error) => events.push({ errors: error as Answer['errors'] }),
        complete: () => undefined,
      },
    );
    try {
      await subscriptionsOpen(env, 1);
      for (const body of ['x'.repeat(60_000), 'small']) {
        const res = await env.gql(
          RECORD,
          { input: { source: 'test', externalId: unique('e'), channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId }, body } },
          TOKENS.AGENT,
        );
        expect(res.errors).toBeUndefined();
      }
      await waitUntil(() => events.length >= 2, 10_000, 'two events');
      expectTooLarge(events[0]);
      expect(events[1]).toEqual({ data: { interactionAdded: { eventId: expect.any(String), interaction: { body: 'small' } } } });
    } finally {
      dispose();
      await client.dispose();
    }
  });

  it('counts text that is not personal (webhook documents) the same way, over HTTP and graphql-ws', async () => {
    // Four webhooks whose stored documents hold 15 KB each (a comment): 60 KB of text in `subscription`.
    for (let i = 0; i < 4; i++) {
      const res = await env.gql<{ createWebhook: { userErrors: unknown[] } }, unknown>(
        'mutation C($input: CreateWebhookInput!) { createWebhook(input: $input) { userErrors { code message } } }',
        { input: { url: 'http://127.0.0.1:9/hook', subscription: `subscription { orderPlaced { eventId } }\n# ${'w'.repeat(15_000)}` } },
        TOKENS.ADMIN,
      );
      expect(res.data!.createWebhook.userErrors).toEqual([]);
    }
    const documents = '{ webhooks { id subscription } }';
    expectTooLarge(await env.gql(documents, {}, TOKENS.ADMIN));
    expectTooLarge(await overWs(documents, {}, TOKENS.ADMIN));
    const ids = await env.gql<{ webhooks: { id: string }[] }, unknown>('{ webhooks { id } }', {}, TOKENS.ADMIN);
    expect(ids.errors).toBeUndefined();
    expect(ids.data!.webhooks.length).toBeGreaterThanOrEqual(4);
  });

  it('delivers a webhook event past the limit as RESPONSE_TOO_LARGE, never as emptied text, and the next event whole', async () => {
    const receiver = await startReceiver();
    try {
      const created = await env.gql<{ createWebhook: { userErrors: unknown[] } }, unknown>(
        'mutation C($input: CreateWebhookInput!) { createWebhook(input: $input) { userErrors { code message } } }',
        {
          input: {
            url: receiver.url,
            subscription: `subscription { interactionAdded(filter: { customerId: "${customerId}" }) { eventId interaction { body } } }`,
          },
        },
        TOKENS.ADMIN,
      );
      expect(created.data!.createWebhook.userErrors).toEqual([]);
      for (const body of ['z'.repeat(60_000), 'small']) {
        const res = await env.gql(
          RECORD,
          { input: { source: 'test', externalId: unique('w'), channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId }, body } },
          TOKENS.AGENT,
        );
        expect(res.errors).toBeUndefined();
      }
      await waitUntil(() => receiver.acknowledged().length >= 2, 15_000, 'two deliveries');
      const [big, small] = receiver.acknowledged().map((delivery) => delivery.body);
      expect(big.data).toBeNull();
      expect(big.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', limit: MAX }) })]);
      expect(small.data).toEqual({ interactionAdded: { eventId: expect.any(String), interaction: { body: 'small' } } });
    } finally {
      await receiver.close();
    }
  });

  it("counts plain text fields (a product's sku and name, its price's Money) below the field that returns them", async () => {
    for (let i = 0; i < 40; i++) await createProduct(env, { price: '123456789.99' });
    const prices = (aliases: number) =>
      `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: products(first: 40) { edges { node { sku name price { amount currencyCode } } } }`).join(' ')} }`;
    expect((await env.gql(prices(1), {}, TOKENS.ADMIN)).errors).toBeUndefined();
    // 30 x 40 products of more than 50 bytes of text each (sku, name, "123456789.99", "PLN", quotes included): past 50 KB.
    expectTooLarge(await env.gql(prices(30), {}, TOKENS.ADMIN));
  });
});
