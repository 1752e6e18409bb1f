import { createLocation, createProduct, customer, order, receive, sql } from './support/commerce';
import { record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * SQL and LIKE injection through every search and filter argument: each attempt comes back as a plain
 * no-match (or the normal answer), never an error, never extra rows; cursors and enums that are not
 * what they claim get a coded BAD_USER_INPUT. Afterwards the data is intact.
 */

const ATTEMPTS = [
  "' OR '1'='1", "' OR 1=1 --", "'; DROP TABLE customer; --", '" OR ""="', "') OR ('a'='a", "' UNION SELECT id, id FROM customer --",
  "x' AND pg_sleep(2) IS NULL --", '1; SELECT pg_sleep(2)', "E'\\x27", '%', '_', '%%', '%_%', '\\', '\\%', '[a-z]%', '.*', '*', '?',
  '$1', ':1', '/**/', '--', '${1+1}', '{"$gt": ""}', "admin'--", 'SELECT * FROM customer', '%\' OR \'%\'=\'',
];

/** Every argument that filters or looks up by a caller's string, in one document. */
const NO_MATCH = `query Injection($v: String!, $id: ID!, $types: [String!]) {
  customers(search: $v, first: 100) { totalCount edges { node { id } } }
  products(search: $v, first: 100) { totalCount edges { node { sku } } }
  events(types: $types, first: 100) { totalCount edges { node { eventId } } }
  product(sku: $v) { id }
  availability(sku: $v) { onHand reserved available byLocation { onHand } }
  customer(id: $id) { id }
  node(id: $id) { id }
  order(id: $id) { id }
  conversation(id: $id) { id }
  interaction(id: $id) { id }
  orders(customerId: $id, first: 100) { totalCount edges { node { id } } }
  conversations(assigneeId: $id, first: 100) { totalCount edges { node { id } } }
  email: customerByIdentity(identity: { type: EMAIL, value: $v }) { id }
  phone: customerByIdentity(identity: { type: PHONE, value: $v }) { id }
  card: customerByIdentity(identity: { type: LOYALTY_CARD, value: $v }) { id }
  external: customerByIdentity(identity: { type: EXTERNAL, system: $v, value: $v }) { id }
  social: customerByIdentity(identity: { type: SOCIAL, system: "instagram", value: $v }) { id }
}`;

const EMPTY = {
  customers: { totalCount: 0, edges: [] },
  products: { totalCount: 0, edges: [] },
  events: { totalCount: 0, edges: [] },
  product: null,
  customer: null,
  node: null,
  order: null,
  conversation: null,
  interaction: null,
  orders: { totalCount: 0, edges: [] },
  conversations: { totalCount: 0, edges: [] },
  email: null,
  phone: null,
  card: null,
  external: null,
  social: null,
};

let env: TestServer;
let counts: Record<string, number>;
let buyer: { id: string; email: string };
const surname = unique('Kowalska');

async function tableCounts(): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, number>>(env, `select
    (select count(*)::int from customer) as customers, (select count(*)::int from identity) as identities,
    (select count(*)::int from product) as products, (select count(*)::int from "order") as orders,
    (select count(*)::int from interaction) as interactions, (select count(*)::int from event) as events`);
  return row;
}

beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
  // A little of everything, so that a filter that let an attempt through would have rows to leak.
  const product = await createProduct(env, { name: 'Blue mug' });
  await createProduct(env, { name: 'Red mug' });
  const store = await createLocation(env, 'STORE');
  await receive(env, product.sku, store.id, 50);
  buyer = await customer(env);
  await order(env, { channel: 'STORE', locationId: store.id, customer: { id: buyer.id }, lines: [{ sku: product.sku, quantity: 1 }] });
  await record(env, { customer: { identities: [{ type: 'EMAIL', value: `${unique('anna')}@example.com` }], profile: { firstName: 'Anna', lastName: surname } }, subject: 'Hello' });
  counts = await tableCounts();
});
afterAll(() => env.stop());

describe('injection through search and filters', () => {
  it('finds real data with the same document (the control)', async () => {
    const res = await env.gql(NO_MATCH, { v: surname.toLowerCase(), id: buyer.id, types: ['order.placed'] }, TOKENS.ADMIN);
    expect(res.errors).toBeUndefined();
    const data = res.data as Record<string, { totalCount?: number } | null>;
    expect(data.customers?.totalCount).toBe(1);
    expect(data.events?.totalCount).toBe(1);
    expect(data.customer).toEqual({ id: buyer.id });
    expect(data.orders?.totalCount).toBe(1);
  });

  it.each(ATTEMPTS)('answers %j with plain no-match results in every argument', async (attempt) => {
    for (const types of [[attempt], [`${attempt}.*`]]) {
      const res = await env.gql(NO_MATCH, { v: attempt, id: attempt, types }, TOKENS.ADMIN);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ ...EMPTY, availability: { onHand: 0, reserved: 0, available: 0, byLocation: [] } });
    }
  });

  it.each([
    ['customers', '{ customers(first: 5, after: $v) { totalCount } }'],
    ['products', '{ products(first: 5, after: $v) { totalCount } }'],
    ['orders', '{ orders(first: 5, after: $v) { totalCount } }'],
    ['conversations', '{ conversations(first: 5, after: $v) { totalCount } }'],
    ['events', '{ events(first: 5, after: $v) { totalCount } }'],
  ])('refuses injected cursors of %s with BAD_USER_INPUT', async (_name, selection) => {
    for (const attempt of ATTEMPTS) {
      const res = await env.gql(`query($v: String) ${selection}`, { v: attempt });
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it.each([
    ['duplicateCandidates', '{ duplicateCandidates(customerId: $v) { score } }'],
    ['offersFor', '{ offersFor(customerId: $v, channel: WEB) { eligible } }'],
    ['customerDataExport', '{ customerDataExport(customerId: $v) }'],
  ])('answers injected ids in %s with "no such customer", coded', async (_name, selection) => {
    for (const attempt of ATTEMPTS) {
      const res = await env.gql(`query($v: ID!) ${selection}`, { v: attempt });
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).not.toMatch(/syntax|sql|relation|column/i);
    }
  });

  it.each([
    ['conversations(status)', 'query($v: ConversationStatus) { conversations(status: $v) { totalCount } }'],
    ['orders(channel)', 'query($v: Channel) { orders(channel: $v) { totalCount } }'],
    ['customer.orders(channel)', 'query($v: Channel, $id: ID!) { customer(id: $id) { orders(channel: $v) { totalCount } } }'],
  ])('refuses injected enum values of %s before they reach the database', async (_name, document) => {
    for (const attempt of ATTEMPTS) {
      const res = await env.gql(document, { v: attempt, id: buyer.id });
      expect(res.status).toBe(400);
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses injected customer ids of subscriptions with BAD_USER_INPUT, over graphql-ws', async () => {
    const client = env.ws(TOKENS.AGENT);
    const run = (query: string, variables: Record<string, unknown>) => new Promise<unknown>((resolve) => {
      client.subscribe({ query, variables }, { next: (value) => resolve(value), error: (error) => resolve({ errors: error }), complete: () => undefined });
    });
    for (const attempt of ATTEMPTS.slice(0, 8)) {
      const events = await run('subscription($v: ID!) { customerEvents(customerId: $v) { eventId } }', { v: attempt }) as { errors?: { extensions?: { code?: string } }[] };
      expect(events.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      const added = await run('subscription($v: ID) { interactionAdded(filter: { customerId: $v }) { eventId } }', { v: attempt }) as typeof events;
      expect(added.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('leaves every table as it was', async () => {
    expect(await tableCounts()).toEqual(counts);
  });
});
