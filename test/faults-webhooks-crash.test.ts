import { mulberry32 } from '../src/common/prng';
import { waitUntil } from './support/interactions';
import { createTestDatabase, TOKENS } from './support/server';
import { freePort, ServerProcess, sleep } from './support/server-process';
import { startReceiver, type ReceivedDelivery, type WebhookReceiver } from './support/webhook-receiver';

/**
 * A SIGKILL mid-delivery loses nothing (npm run test:faults; like faults-crash, not part of `npm test`): the real server runs as a child process (src/main.ts, as `npm
 * start` runs it) delivering a webhook to a slow receiver while interactions are written; it is killed
 * with SIGKILL at random moments (reproducible from SEED) and restarted. Afterwards every acknowledged
 * write was delivered and acknowledged, each customer's events in commit order; an event sent twice
 * (killed between the send and its record) carried the same delivery id both times.
 */

const SEED = 0x0518;
const KILLS = 3;
const CUSTOMERS = 4;
const WEBHOOK_ENV = {
  OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true',
  OMNI360_WEBHOOK_BACKOFF_BASE_MS: '20',
  OMNI360_WEBHOOK_BACKOFF_MAX_MS: '200',
  OMNI360_WEBHOOK_POLL_MS: '50',
  // A killed instance's claims expire after twice the timeout plus 5 s: keep the timeout short.
  OMNI360_WEBHOOK_TIMEOUT_MS: '1000',
};

/** Sends one operation; `T` is the shape of the `data` its document selects. */
async function post<T>(server: ServerProcess, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ADMIN}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  if (res.status !== 200 || body.errors?.length) throw new Error(`${res.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

const RECORD = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { interaction { id } userErrors { code message } } }`;

describe('webhooks: SIGKILL mid-delivery', () => {
  let server: ServerProcess;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    server = new ServerProcess(await freePort(), await createTestDatabase(), { env: WEBHOOK_ENV });
    await server.start();
    receiver = await startReceiver();
  }, 180_000);
  afterAll(async () => {
    await server.kill('SIGTERM');
    await receiver.close();
  });

  it('loses nothing: every acknowledged write is delivered, in commit order per customer, duplicates only with the same delivery id', async () => {
    const random = mulberry32(SEED);
    // Slow answers: most kills land while deliveries are in flight.
    receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 30 + Math.floor(random() * 70)));
    const created = await post<{ createWebhook: { webhook: { id: string } | null; userErrors: { code: string; message: string }[] } }>(
      server,
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code message } } }`,
      {
        input: { url: receiver.url, subscription: 'subscription { interactionAdded { eventId interaction { id customer { id } } } }' },
      },
    );
    expect(created.createWebhook.userErrors).toEqual([]);
    const customers: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const res = await post<{ identifyCustomer: { customer: { id: string } } }>(
        server,
        `mutation($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } } }`,
        {
          input: { identities: [{ type: 'EMAIL', value: `crash-${SEED}-${i}-${Date.now()}@example.com` }], channel: 'WEB' },
        },
      );
      customers.push(res.identifyCustomer.customer.id);
    }

    let stop = false;
    const written = new Map<string, string[]>(customers.map((id) => [id, []]));
    // One writer per customer, sequential: its acknowledged order is the commit order of its events.
    const writers = customers.map(async (customerId, index) => {
      for (let n = 0; !stop; n++) {
        const input = { source: 'crash', externalId: `c${index}-${n}`, channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId } };
        for (;;) {
          try {
            const data = await post<{ recordInteraction: { interaction: { id: string } } }>(server, RECORD, { input });
            written.get(customerId)!.push(data.recordInteraction.interaction.id);
            break;
          } catch {
            // The server is down: retry the same write (same idempotency key) until it is acknowledged.
            await sleep(100);
          }
        }
        await sleep(20);
      }
    });

    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(800 + Math.floor(random() * 1_200));
      await server.kill('SIGKILL');
      await server.start();
    }
    await sleep(500);
    stop = true;
    await Promise.all(writers);

    const all = [...written.values()].flat();
    const firstAcks = () => {
      const seen = new Map<string, ReceivedDelivery>();
      for (const delivery of receiver.acknowledged()) if (!seen.has(delivery.body.eventId)) seen.set(delivery.body.eventId, delivery);
      return [...seen.values()];
    };
    // A delivery claimed by a killed instance waits for its lease to expire (2 x timeout + 5 s).
    await waitUntil(() => firstAcks().length >= all.length, 90_000, `${all.length} deliveries (got ${firstAcks().length})`);
    const acks = firstAcks();
    expect(new Set(acks.map((delivery) => delivery.body.data!.interactionAdded.interaction.id))).toEqual(new Set(all));
    for (const customerId of customers) {
      const order = acks
        .filter((delivery) => delivery.body.data!.interactionAdded.interaction.customer.id === customerId)
        .map((delivery) => delivery.body.data!.interactionAdded.interaction.id);
      expect(order).toEqual(written.get(customerId));
    }
    // Every request for one event carried the one delivery id.
    const idsByEvent = new Map<string, Set<string>>();
    for (const delivery of receiver.received) {
      const ids = idsByEvent.get(delivery.body.eventId) ?? new Set<string>();
      ids.add(delivery.id);
      idsByEvent.set(delivery.body.eventId, ids);
    }
    expect([...idsByEvent.values()].every((ids) => ids.size === 1)).toBe(true);
    const duplicates = receiver.received.length - idsByEvent.size;
    console.log(`webhooks crash test: ${all.length} events, ${KILLS} SIGKILLs, ${receiver.received.length} requests, ${duplicates} re-sent after a kill`);
  }, 300_000);
});
