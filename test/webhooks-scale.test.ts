import { createPerson } from './support/customers';
import { record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, type TestServer } from './support/server';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver';

/**
 * Two server instances on one database share webhook delivery: each event reaches each webhook once,
 * in commit order per customer, whichever instance evaluates and sends it (claims with FOR UPDATE SKIP
 * LOCKED and leases, evaluation under an advisory lock per webhook).
 */

const FAST = {
  OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true',
  OMNI360_WEBHOOK_BACKOFF_BASE_MS: '20',
  OMNI360_WEBHOOK_BACKOFF_MAX_MS: '200',
  OMNI360_WEBHOOK_POLL_MS: '20',
  OMNI360_RATE_LIMIT_PER_SECOND: '0',
};

describe('webhooks on two instances', () => {
  let a: TestServer;
  let b: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    a = await startTestServer({ env: FAST });
    b = await startTestServer({ databaseUrl: a.databaseUrl, env: FAST });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await receiver.close();
  });

  it('deliver each event once, in commit order per customer, and both take part', async () => {
    // A little latency per answer, so that both instances have deliveries in flight at once.
    receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 5));
    const hooks: string[] = [];
    for (const server of [a, b, a]) {
      const res = await server.ok<
        { createWebhook: { webhook: { id: string } | null; userErrors: { code: string; message: string }[] } },
        { input: Record<string, unknown> }
      >(
        `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code message } } }`,
        { input: { url: receiver.url, subscription: 'subscription { interactionAdded { eventId interaction { id customer { id } } } }' } },
        TOKENS.ADMIN,
      );
      expect(res.createWebhook.userErrors).toEqual([]);
      hooks.push(res.createWebhook.webhook!.id);
    }
    const customers = await Promise.all(Array.from({ length: 6 }, () => createPerson(a)));
    const written = new Map<string, string[]>(customers.map((customer) => [customer.id, []]));
    // Writes through both instances, several customers at once.
    await Promise.all(
      customers.map(async (customer, index) => {
        for (let i = 0; i < 8; i++) {
          const interaction = await record(index % 2 ? a : b, { customer: { id: customer.id } });
          written.get(customer.id)!.push(interaction.id);
        }
      }),
    );
    const total = 6 * 8 * hooks.length;
    await waitUntil(() => receiver.acknowledged().length >= total, 60_000, `${total} deliveries (got ${receiver.acknowledged().length})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const acks = receiver.acknowledged();
    expect(acks).toHaveLength(total);
    expect(new Set(acks.map((delivery) => delivery.id)).size).toBe(total);
    expect(receiver.received).toHaveLength(total);
    for (const hook of hooks) {
      for (const customer of customers) {
        const order = acks
          .filter((delivery) => delivery.id.startsWith(`${hook}.`) && delivery.body.data!.interactionAdded.interaction.customer.id === customer.id)
          .map((delivery) => delivery.body.data!.interactionAdded.interaction.id);
        // Commit order per customer: each customer's writes were sequential, so written order is commit order.
        expect(order).toEqual(written.get(customer.id));
      }
    }
    const text = async (server: TestServer) => (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    const attemptsOf = (metrics: string) =>
      [...metrics.matchAll(/omni360_webhook_deliveries_total\{[^}]*outcome="delivered"\} (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    const [byA, byB] = [attemptsOf(await text(a)), attemptsOf(await text(b))];
    expect(byA + byB).toBe(total);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  });
});
