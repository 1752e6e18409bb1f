import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import {
  CustomerEventsDocument, EventsDocument, IdentifyCustomerDocument, InteractionAddedDocument, OrderPlacedDocument, StockChangedDocument,
  type EventsQuery,
} from './generated/graphql';
import { createLocation, createProduct, customer as commerceCustomer, order, receive } from './support/commerce';
import { collect, newCustomerRef, record, subscriptionsOpen, subscriptionsOpened, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';
import type { PgEventHub } from '../src/modules/events/event-hub';

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ databaseUrl: a.databaseUrl });
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

/** The log's interaction.recorded events after a cursor, in log order: what a subscriber must receive. */
async function logAfter(server: TestServer, after: string | null): Promise<string[]> {
  const ids: string[] = [];
  let cursor = after;
  for (;;) {
    const page: EventsQuery = await server.ok(EventsDocument, { first: 100, after: cursor, types: ['interaction.recorded'] });
    ids.push(...page.events.edges.map((edge) => edge.node.eventId));
    if (!page.events.pageInfo.hasNextPage) return ids;
    cursor = page.events.pageInfo.endCursor!;
  }
}

describe('interactionAdded across two server instances', () => {
  it('subscribed on instance A, receives every interaction recorded through instance B, in log order', async () => {
    const source = unique('two-instances');
    const opened = subscriptionsOpened(a);
    const sub = collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { filter: { channels: ['CHAT', 'EMAIL'] } });
    await subscriptionsOpen(a, opened + 1);
    const head = (await a.ok(EventsDocument, { first: 100, types: ['interaction.recorded'] })).events.pageInfo.endCursor ?? null;

    // Three concurrent writers through B; SMS contacts are filtered out.
    const written = (await Promise.all(Array.from({ length: 3 }, async (_, w) => {
      const ids: string[] = [];
      const firstOne = await record(b, { customer: newCustomerRef(`ab${w}`), source });
      ids.push(firstOne.id);
      for (let i = 0; i < 9; i++) ids.push((await record(b, { customer: { id: firstOne.customer.id }, source, channel: i % 2 ? 'EMAIL' : 'CHAT' })).id);
      await record(b, { customer: { id: firstOne.customer.id }, source, channel: 'SMS' });
      return ids;
    }))).flat();

    const received = await sub.waitFor(30);
    expect(received.map((item) => item.interactionAdded.interaction.id).sort()).toEqual([...written].sort());
    const expected = (await logAfter(a, head)).filter((id) => received.some((item) => item.interactionAdded.eventId === id));
    expect(received.map((item) => item.interactionAdded.eventId)).toEqual(expected);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sub.items).toHaveLength(30);
    sub.dispose();
  });
});

describe('resuming from a cursor after a disconnect', () => {
  it('replays exactly the 100 interactions missed while disconnected (5 concurrent writers), in cursor order, then continues live: no gap, no duplicate', async () => {
    const conversation = await record(a, { customer: newCustomerRef('resume') });
    const filter = { customerId: conversation.customer.id };
    const opened = subscriptionsOpened(a);
    const client = a.ws(TOKENS.PARTNER);
    const first = collect(client, InteractionAddedDocument, { filter });
    await subscriptionsOpen(a, opened + 1);
    for (let i = 0; i < 3; i++) await record(b, { customer: { id: conversation.customer.id } });
    const live = await first.waitFor(3);
    const lastCursor = live[2].interactionAdded.cursor;
    const active = a.server.app.events.stats().active;
    await client.dispose();
    await waitUntil(() => a.server.app.events.stats().active < active, 5_000, 'the subscription to end');

    const missed = (await Promise.all(Array.from({ length: 5 }, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await record(b, { customer: { id: conversation.customer.id }, channel: i % 2 ? 'PHONE' : 'EMAIL' }, TOKENS.AGENT)).id);
      return ids;
    }))).flat();
    expect(missed).toHaveLength(100);

    const resumed = collect(a.ws(TOKENS.PARTNER), InteractionAddedDocument, { filter, after: lastCursor });
    const replayed = await resumed.waitFor(100);
    expect(replayed.map((item) => item.interactionAdded.interaction.id).sort()).toEqual([...missed].sort());
    expect(replayed.map((item) => item.interactionAdded.eventId)).toEqual(await logAfter(a, lastCursor));

    // Then live, through the other instance, with nothing repeated at the seam.
    const more: string[] = [];
    for (let i = 0; i < 5; i++) more.push((await record(b, { customer: { id: conversation.customer.id } })).id);
    const all = await resumed.waitFor(105);
    expect(all.slice(100).map((item) => item.interactionAdded.interaction.id)).toEqual(more);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.items).toHaveLength(105);
    expect(new Set(resumed.items.map((item) => item.interactionAdded.eventId)).size).toBe(105);
    resumed.dispose();
  });
});

describe('authorisation on every pushed event', () => {
  it('pushes masked personal data to PARTNER and clear data to AGENT', async () => {
    const email = `${unique('pii')}@example.com`;
    const opened = subscriptionsOpened(a);
    const partner = collect(a.ws(TOKENS.PARTNER), InteractionAddedDocument, { filter: { channels: ['SOCIAL'] } });
    const agent = collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { filter: { channels: ['SOCIAL'] } });
    await subscriptionsOpen(a, opened + 2);
    await record(b, {
      channel: 'SOCIAL', customer: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Zofia', lastName: 'Nowak' } },
      subject: 'Complaint', body: 'My order number 123 never arrived',
    });
    const [masked] = await partner.waitFor(1);
    const [clear] = await agent.waitFor(1);
    expect(masked.interactionAdded.interaction).toMatchObject({ subject: '***', body: '***', customer: { displayName: 'Z*** N***' } });
    expect(masked.interactionAdded.interaction.customer.email).toBe(`${email[0]}***@e***.com`);
    expect(clear.interactionAdded.interaction).toMatchObject({ subject: 'Complaint', body: 'My order number 123 never arrived', customer: { email, displayName: 'Zofia Nowak' } });
    expect(masked.interactionAdded.eventId).toBe(clear.interactionAdded.eventId);
    partner.dispose();
    agent.dispose();
  });

  it('refuses INGEST (FORBIDDEN), malformed cursors (BAD_USER_INPUT), unknown customers and over-complex documents (QUERY_TOO_COMPLEX)', async () => {
    const forbidden = collect(a.ws(TOKENS.INGEST), InteractionAddedDocument, {});
    const badCursor = collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { after: 'garbage' });
    const unknown = collect(a.ws(TOKENS.AGENT), CustomerEventsDocument, { customerId: 'cus_00000000000000000000000000' });
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: eventId`).join(' ');
    const tooComplex = collect(a.ws(TOKENS.AGENT), `subscription { interactionAdded { ${aliases} } }` as never, {});
    for (const [sub, code] of [[forbidden, 'FORBIDDEN'], [badCursor, 'BAD_USER_INPUT'], [unknown, 'BAD_USER_INPUT'], [tooComplex, 'QUERY_TOO_COMPLEX']] as const) {
      await waitUntil(() => sub.errors.length > 0, 5_000, `${code} error`);
      expect(JSON.stringify(sub.errors)).toContain(`"code":"${code}"`);
    }
  });
});

describe('fan-out to many subscribers', () => {
  /**
   * Statements instance A sends while `subscribers` AGENT subscriptions, one PARTNER and two AGENTs with
   * another document or other variables receive 3 interactions recorded through B.
   */
  async function statementsFor(subscribers: number): Promise<number> {
    const source = unique('fan-out');
    const opened = subscriptionsOpened(a);
    const filter = { channels: ['SOCIAL' as const] };
    const agents = Array.from({ length: subscribers }, () => collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { filter }));
    const partner = collect(a.ws(TOKENS.PARTNER), InteractionAddedDocument, { filter });
    // Another document and other variables on the same events: their own results, never a shared one.
    const narrow = collect<{ interactionAdded: { interaction: { body: string; channel?: string } } }, Record<string, unknown>>(
      a.ws(TOKENS.AGENT), 'subscription Narrow($filter: InteractionFilter) { interactionAdded(filter: $filter) { interaction { body } } }', { filter },
    );
    const wider = collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { filter: { channels: ['SOCIAL', 'CHAT'] } });
    await subscriptionsOpen(a, opened + subscribers + 3);
    const { count } = await a.countStatements(async () => {
      const conversation = await record(b, { customer: newCustomerRef('fan'), source, channel: 'SOCIAL', body: 'first' });
      for (const body of ['second', 'third']) await record(b, { customer: { id: conversation.customer.id }, source, channel: 'SOCIAL', body });
      for (const agent of agents) {
        expect((await agent.waitFor(3)).map((item) => item.interactionAdded.interaction.body)).toEqual(['first', 'second', 'third']);
      }
      expect((await partner.waitFor(3)).map((item) => item.interactionAdded.interaction.body)).toEqual(['***', '***', '***']);
      expect(await narrow.waitFor(3)).toEqual(['first', 'second', 'third'].map((body) => ({ interactionAdded: { interaction: { body } } })));
      expect((await wider.waitFor(3)).map((item) => item.interactionAdded.interaction.body)).toEqual(['first', 'second', 'third']);
    });
    for (const sub of [...agents, partner, narrow, wider]) sub.dispose();
    return count;
  }

  it('reads each event once per principal, however many subscribers it has; each document, variables and role get their own result', async () => {
    const one = await statementsFor(1);
    const twenty = await statementsFor(20);
    expect(one).toBeGreaterThan(0);
    expect(twenty).toBe(one);
  });
});

describe('customerEvents(customerId, after)', () => {
  it('is the live 360 view of one customer: their profile, consent and contact events, nobody else\'s; and replays from a cursor', async () => {
    const email = `${unique('c360')}@example.com`;
    const created = await a.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: email }] } });
    const customerId = created.identifyCustomer.customer!.id;
    const opened = subscriptionsOpened(a);
    const sub = collect(a.ws(TOKENS.ANALYST), CustomerEventsDocument, { customerId });
    await subscriptionsOpen(a, opened + 1);

    await record(b, { customer: { id: customerId }, channel: 'WEB' });
    await record(b, { customer: newCustomerRef('someone-else') });
    await b.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: email }, { type: 'PHONE', value: '+48 603 000 111' }] } });
    await b.ok(`mutation($id: ID!) { recordConsent(input: { customerId: $id, purpose: MARKETING, channel: SMS, granted: false }) { userErrors { code } } }`, { id: customerId });
    const events = await sub.waitFor(4);
    expect(events.map((event) => event.customerEvents.type)).toEqual(['conversation.updated', 'interaction.recorded', 'customer.updated', 'customer.consent_changed']);
    for (const event of events) expect(event.customerEvents.customer).toMatchObject({ id: customerId, status: 'ACTIVE', email: `${email[0]}***@e***.com` });

    const replay = collect(a.ws(TOKENS.AGENT), CustomerEventsDocument, { customerId, after: events[1].customerEvents.cursor });
    const replayed = await replay.waitFor(2);
    expect(replayed.map((event) => event.customerEvents.eventId)).toEqual(events.slice(2).map((event) => event.customerEvents.eventId));
    sub.dispose();
    replay.dispose();
  });
});

describe('orderPlaced and stockChanged', () => {
  it('pushes placed orders of a channel and stock level changes of a SKU', async () => {
    const product = await createProduct(a, { price: '25.00' });
    const store = await createLocation(a, 'STORE');
    const opened = subscriptionsOpened(a);
    const stock = collect(a.ws(TOKENS.AGENT), StockChangedDocument, { sku: product.sku });
    const web = collect(a.ws(TOKENS.ANALYST), OrderPlacedDocument, { channel: 'STORE' });
    await subscriptionsOpen(a, opened + 2);

    await receive(b, product.sku, store.id, 10);
    const buyer = await commerceCustomer(b);
    const placed = await order(b, { channel: 'STORE', locationId: store.id, customer: { id: buyer.id }, lines: [{ sku: product.sku, quantity: 2 }] });
    const [received] = await web.waitFor(1);
    expect(received.orderPlaced).toMatchObject({ type: 'order.placed', order: { id: placed.id, channel: 'STORE', total: { amount: '50.00', currencyCode: 'PLN' } } });
    const levels = await stock.waitFor(2);
    expect(levels.map((level) => [level.stockChanged.sku, level.stockChanged.level.onHand, level.stockChanged.level.reserved, level.stockChanged.level.available]))
      .toEqual([[product.sku, 10, 0, 10], [product.sku, 10, 2, 8]]);
    expect(levels[0].stockChanged.level.location).toMatchObject({ id: store.id, code: store.code });

    // A replay of orderPlaced from before the order finds it again.
    const replay = collect(a.ws(TOKENS.AGENT), OrderPlacedDocument, { after: levels[0].stockChanged.cursor });
    expect((await replay.waitFor(1))[0].orderPlaced.order.id).toBe(placed.id);
    stock.dispose();
    web.dispose();
    replay.dispose();
  });
});

/** Ends the event hubs' LISTEN connections to `databaseUrl` from the server side, as a network failure would. */
async function dropListenConnections(databaseUrl: string): Promise<void> {
  const db = new PgClient({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = 'omni360-event-listener' and datname = current_database()`,
    );
    expect(rows.length).toBeGreaterThan(0);
  } finally {
    await db.end();
  }
}

describe('the WebSocket transport', () => {
  it('closes a connection that sends no connection_init within 5 seconds with 4408', async () => {
    const socket = new WebSocket(a.wsUrl, 'graphql-transport-ws');
    const started = Date.now();
    const code = await new Promise<number>((resolve) => socket.on('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
  }, 15_000);

  it('keeps delivering when the LISTEN connection drops (poll safety net), and listens again after reconnecting', async () => {
    const hub = a.server.app.events as PgEventHub;
    const opened = subscriptionsOpened(a);
    const sub = collect(a.ws(TOKENS.AGENT), InteractionAddedDocument, { filter: { channels: ['VIDEO'] } });
    await subscriptionsOpen(a, opened + 1);
    // The LISTEN connections (both servers') end as a network failure would end them.
    await dropListenConnections(a.databaseUrl);
    const recorded = await record(b, { customer: newCustomerRef('drop'), channel: 'VIDEO' });
    const [item] = await sub.waitFor(1, 10_000);
    expect(item.interactionAdded.interaction.id).toBe(recorded.id);
    await waitUntil(() => hub.isListening(), 15_000, 'the LISTEN connection to come back');
    const again = await record(b, { customer: { id: recorded.customer.id }, channel: 'VIDEO' });
    expect((await sub.waitFor(2))[1].interactionAdded.interaction.id).toBe(again.id);
    sub.dispose();
  });
});
