import { Client as PgClient } from 'pg';
import { followResuming } from './support/resuming-subscriber';
import { freePort, ServerProcess } from './support/server-process';
import { createTestDatabase, TOKENS } from './support/server';
import { mulberry32 } from '../src/common/prng';

/**
 * Crash test (npm run test:faults): the real server runs as a child process while several clients
 * ingest orders and interactions with idempotency keys and a subscriber follows interactionAdded and
 * orderPlaced by cursor. The server is killed with SIGKILL five times at random moments and restarted
 * on the same port; clients retry unacknowledged writes with the same key, the subscriber resumes from
 * its last cursor. Afterwards: every acknowledged write is in the database, none is half-done, and
 * every event was received exactly once.
 */

const KILLS = 5;
const WRITERS = 4;
const SEED = 0x0360;

// The kill moments and the mix of writes are reproducible from SEED (mulberry32).
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Gql {
  status: number;
  body?: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(server: ServerProcess, token: string, query: string, variables: Record<string, unknown>): Promise<Gql> {
  const res = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Gql['body'] };
}

/** Setup calls must succeed (the server is up and nobody kills it yet). */
async function must(server: ServerProcess, token: string, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await post(server, token, query, variables);
  if (res.status !== 200 || res.body?.errors?.length) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const payload = Object.values(res.body!.data!)[0] as { userErrors?: unknown[] };
  if (payload?.userErrors?.length) throw new Error(`setup failed: ${JSON.stringify(payload.userErrors)}`);
  return res.body!.data!;
}

const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { created order { id } userErrors { code message } } }`;
const RECORD_INTERACTION = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { created interaction { id } userErrors { code message } } }`;

type Kind = 'order' | 'interaction';

interface WriteLog {
  acknowledged: Map<Kind, Set<string>>;
  attempts: number;
  retries: number;
  /** Writes a retry found already committed: the server died between the commit and the answer. */
  committedUnanswered: number;
  inFlight: number;
  inFlightAtKills: number[];
  rejected: string[];
}

/**
 * One client: writes until told to stop, each write retried with the same input (same idempotency
 * key) until the server acknowledges it.
 */
async function writer(server: ServerProcess, index: number, random: () => number, emails: string[], skus: string[], storeId: string, log: WriteLog, stop: () => boolean): Promise<void> {
  for (let n = 0; !stop(); n++) {
    const kind: Kind = random() < 0.5 ? 'order' : 'interaction';
    const externalId = `w${index}-${n}`;
    const email = emails[Math.floor(random() * emails.length)];
    const input = kind === 'order'
      ? {
        source: 'crash-pos', externalId, channel: 'STORE', locationId: storeId,
        customer: { identities: [{ type: 'EMAIL', value: email }] },
        lines: [{ sku: skus[n % skus.length], quantity: 1 + (n % 3) }, { sku: skus[(n + 1) % skus.length], quantity: 1 }],
      }
      : {
        source: 'crash-cc', externalId, channel: random() < 0.5 ? 'CHAT' : 'EMAIL', direction: 'INBOUND',
        customer: { identities: [{ type: 'EMAIL', value: email }] }, subject: `Matter ${n}`, body: `Message ${n} of writer ${index}`,
      };
    log.inFlight += 1;
    try {
      for (let attempt = 0; ; attempt++) {
        log.attempts += 1;
        if (attempt > 0) log.retries += 1;
        let res: Gql | undefined;
        try {
          res = await post(server, TOKENS.INGEST, kind === 'order' ? PLACE_ORDER : RECORD_INTERACTION, { input });
        } catch {
          res = undefined; // refused, reset or timed out: the server is down or dying
        }
        const payload = res?.status === 200 && !res.body?.errors?.length
          ? (res.body?.data?.[kind === 'order' ? 'placeOrder' : 'recordInteraction'] as { created: boolean; order?: { id: string }; interaction?: { id: string }; userErrors: { code: string }[] } | undefined)
          : undefined;
        if (payload?.userErrors.length) {
          log.rejected.push(`${kind} ${externalId}: ${JSON.stringify(payload.userErrors)}`);
          return;
        }
        if (payload && (payload.order ?? payload.interaction)) {
          log.acknowledged.get(kind)!.add(externalId);
          if (!payload.created) log.committedUnanswered += 1;
          break;
        }
        await sleep(100 + Math.floor(random() * 200));
      }
    } finally {
      log.inFlight -= 1;
    }
  }
}

interface Delivery {
  received: Map<string, number>;
  cursor: string;
  resumes: number;
}

/** A subscriber that resumes by cursor (test/support/resuming-subscriber.ts) on the server's own port. */
function subscriber(server: ServerProcess, field: 'interactionAdded' | 'orderPlaced', delivery: Delivery, stop: () => boolean): Promise<void> {
  const feed = Object.assign(delivery, {
    field,
    onEvent: (eventId: string) => delivery.received.set(eventId, (delivery.received.get(eventId) ?? 0) + 1),
  });
  // ANALYST: the order events are internal figures that the role policy keeps from PARTNER.
  return followResuming(`ws://127.0.0.1:${new URL(server.baseUrl).port}/graphql`, TOKENS.ANALYST, feed, stop, () => 200);
}

async function sql<T>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill('SIGKILL');
});

describe('crash: SIGKILL and restart while clients ingest', () => {
  it(`loses no acknowledged write and delivers every event exactly once across ${KILLS} kills`, async () => {
    const databaseUrl = await createTestDatabase();
    server = new ServerProcess(await freePort(), databaseUrl);
    const random = mulberry32(SEED);
    await server.start();

    // The catalogue, a store with plenty of stock, and the customers, through the API.
    const skus: string[] = [];
    for (let i = 0; i < 4; i++) {
      const sku = `CRASH-${i}`;
      await must(server, TOKENS.ADMIN, 'mutation($input: UpsertProductInput!) { upsertProduct(input: $input) { product { id } userErrors { code } } }', {
        input: { sku, name: `Crash product ${i}`, price: { amount: `${10 + i}.50`, currencyCode: 'PLN' } },
      });
      skus.push(sku);
    }
    const location = await must(server, TOKENS.ADMIN, 'mutation($input: UpsertLocationInput!) { upsertLocation(input: $input) { location { id } userErrors { code } } }', {
      input: { code: 'CRASH-STORE', name: 'Crash store', type: 'STORE' },
    });
    const storeId = (location.upsertLocation as { location: { id: string } }).location.id;
    for (const sku of skus) {
      await must(server, TOKENS.INGEST, 'mutation($input: AdjustStockInput!) { adjustStock(input: $input) { userErrors { code } } }', {
        input: { source: 'crash-wms', externalId: `receipt-${sku}`, sku, locationId: storeId, delta: 1_000_000, reason: 'receipt' },
      });
    }
    const emails = Array.from({ length: 12 }, (_, i) => `crash-customer-${i}@example.com`);
    for (const email of emails) {
      await must(server, TOKENS.AGENT, 'mutation($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } userErrors { code } } }', {
        input: { identities: [{ type: 'EMAIL', value: email }] },
      });
    }
    // Subscribers start after everything that exists now.
    let start = '';
    for (let after: string | null = null; ;) {
      const page = await must(server, TOKENS.ADMIN, 'query($after: String) { events(first: 100, after: $after) { pageInfo { hasNextPage endCursor } } }', { after });
      const info = (page.events as { pageInfo: { hasNextPage: boolean; endCursor: string | null } }).pageInfo;
      if (info.endCursor) start = info.endCursor;
      if (!info.hasNextPage) break;
      after = info.endCursor;
    }
    expect(start).not.toBe('');

    const log: WriteLog = { acknowledged: new Map([['order', new Set()], ['interaction', new Set()]]), attempts: 0, retries: 0, committedUnanswered: 0, inFlight: 0, inFlightAtKills: [], rejected: [] };
    const deliveries = {
      interactionAdded: { received: new Map<string, number>(), cursor: start, resumes: 0 },
      orderPlaced: { received: new Map<string, number>(), cursor: start, resumes: 0 },
    };
    let writing = true;
    let following = true;
    const writers = Array.from({ length: WRITERS }, (_, index) => writer(server!, index, mulberry32(SEED + index + 1), emails, skus, storeId, log, () => !writing));
    const subscribers = (['interactionAdded', 'orderPlaced'] as const).map((field) => subscriber(server!, field, deliveries[field], () => !following));

    const downtimes: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(1_500 + Math.floor(random() * 2_500));
      log.inFlightAtKills.push(log.inFlight);
      const killedAt = Date.now();
      await server.kill('SIGKILL');
      await server.start();
      downtimes.push(Date.now() - killedAt);
    }
    await sleep(2_000);
    writing = false;
    await Promise.all(writers);

    // The database is the truth: wait until the subscribers have caught up with it.
    const logged = async () => sql<{ id: string; type: string }>(databaseUrl, `select id::text as id, type from event where type in ('order.placed', 'interaction.recorded')`);
    const deadline = Date.now() + 60_000;
    let events = await logged();
    const receivedTotal = () => deliveries.interactionAdded.received.size + deliveries.orderPlaced.received.size;
    while (receivedTotal() < events.length && Date.now() < deadline) {
      await sleep(200);
      events = await logged();
    }
    await sleep(500); // a duplicate would show up now
    following = false;
    await Promise.all(subscribers);
    await server.kill('SIGTERM');

    // --- writes ---
    const orderKeys = [...log.acknowledged.get('order')!];
    const interactionKeys = [...log.acknowledged.get('interaction')!];
    const storedOrders = await sql<{ external_id: string }>(databaseUrl, `select external_id from "order" where source = 'crash-pos'`);
    const storedInteractions = await sql<{ external_id: string }>(databaseUrl, `select external_id from interaction where source = 'crash-cc'`);
    const storedOrderKeys = new Set(storedOrders.map((row) => row.external_id));
    const storedInteractionKeys = new Set(storedInteractions.map((row) => row.external_id));
    const lost = [...orderKeys.filter((key) => !storedOrderKeys.has(key)), ...interactionKeys.filter((key) => !storedInteractionKeys.has(key))];
    // Nothing half-done: every order has lines, a reservation per line in the ledger and its event;
    // every interaction has its conversation and its event; the ledger adds up.
    const ordersWithoutLines = await sql(databaseUrl, `select o.id from "order" o where not exists (select 1 from order_line l where l.order_id = o.id)`);
    const reservationMismatches = await sql(databaseUrl, `
      select o.id from "order" o
        join (select order_id, sum(quantity) as quantity from order_line group by order_id) l on l.order_id = o.id
        left join (select order_id, sum(delta_reserved) as reserved from stock_movement where kind = 'RESERVE' group by order_id) m on m.order_id = o.id
       where m.reserved is distinct from l.quantity`);
    const ledgerMismatches = await sql(databaseUrl, `
      select s.product_id from stock_level s
        left join (select product_id, location_id, sum(delta_on_hand) as on_hand, sum(delta_reserved) as reserved from stock_movement group by 1, 2) m
          on m.product_id = s.product_id and m.location_id = s.location_id
       where m.on_hand is distinct from s.on_hand or m.reserved is distinct from s.reserved`);
    const ordersWithoutEvent = await sql(databaseUrl, `select o.id from "order" o where not exists (select 1 from event e where e.type = 'order.placed' and e.payload->>'orderId' = o.id)`);
    const interactionsWithoutConversation = await sql(databaseUrl, `select i.id from interaction i left join conversation c on c.id = i.conversation_id where c.id is null`);
    const interactionsWithoutEvent = await sql(databaseUrl, `select i.id from interaction i where not exists (select 1 from event e where e.type = 'interaction.recorded' and e.payload->>'interactionId' = i.id)`);
    const halfDone = ordersWithoutLines.length + reservationMismatches.length + ledgerMismatches.length + ordersWithoutEvent.length
      + interactionsWithoutConversation.length + interactionsWithoutEvent.length;

    // --- events ---
    const expected = new Map<string, string>(events.map((event) => [event.id, event.type === 'order.placed' ? 'orderPlaced' : 'interactionAdded']));
    let missed = 0;
    for (const [id, field] of expected) if (!deliveries[field as keyof typeof deliveries].received.has(id)) missed += 1;
    let duplicated = 0;
    let unexpected = 0;
    for (const [field, delivery] of Object.entries(deliveries)) {
      for (const [id, count] of delivery.received) {
        duplicated += count - 1;
        if (expected.get(id) !== field) unexpected += 1;
      }
    }
    const delivered = [...Object.values(deliveries)].reduce((sum, delivery) => sum + [...delivery.received.values()].reduce((a, b) => a + b, 0), 0);

    console.log([
      `crash: ${KILLS} SIGKILLs (downtime ${downtimes.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}), ${WRITERS} writers, writes in flight at the kills: ${log.inFlightAtKills.join(', ')}`,
      `writes: ${orderKeys.length + interactionKeys.length} acknowledged (${orderKeys.length} orders, ${interactionKeys.length} interactions) in ${log.attempts} attempts (${log.retries} retries; `
        + `${log.committedUnanswered} found already committed on retry), `
        + `${lost.length} lost, ${halfDone} half-done, ${storedOrders.length + storedInteractions.length - orderKeys.length - interactionKeys.length} unacknowledged extra`,
      `events: ${delivered} delivered of ${expected.size} logged, ${missed} missed, ${duplicated} duplicated, ${unexpected} unexpected; `
        + `subscriber resumes by cursor: ${deliveries.interactionAdded.resumes} (interactionAdded), ${deliveries.orderPlaced.resumes} (orderPlaced)`,
    ].join('\n'));

    expect(log.rejected).toEqual([]);
    expect(orderKeys.length).toBeGreaterThan(20);
    expect(interactionKeys.length).toBeGreaterThan(20);
    expect(lost).toEqual([]);
    // Every write was retried until acknowledged, so the database holds exactly the acknowledged ones.
    expect(storedOrders.length).toBe(orderKeys.length);
    expect(storedInteractions.length).toBe(interactionKeys.length);
    expect({ ordersWithoutLines, reservationMismatches, ledgerMismatches, ordersWithoutEvent, interactionsWithoutConversation, interactionsWithoutEvent })
      .toEqual({ ordersWithoutLines: [], reservationMismatches: [], ledgerMismatches: [], ordersWithoutEvent: [], interactionsWithoutConversation: [], interactionsWithoutEvent: [] });
    expect(expected.size).toBe(orderKeys.length + interactionKeys.length);
    expect({ missed, duplicated, unexpected }).toEqual({ missed: 0, duplicated: 0, unexpected: 0 });
    expect(server.starts).toBe(KILLS + 1);
    expect(deliveries.interactionAdded.resumes).toBeGreaterThanOrEqual(KILLS);
  }, 900_000);
});
