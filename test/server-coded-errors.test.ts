import { Client as PgClient } from 'pg';
import { createTestDatabase, startTestServer, TOKENS, type TestServer } from './support/server';
import { customer } from './support/commerce';
import { record } from './support/interactions';

/**
 * Issue 13 class 11: what the client gets wrong answers with a coded error, never INTERNAL_SERVER_ERROR:
 * forged cursors on every connection, a database that refuses connections, and no schema hints in
 * variable coercion errors where suggestions are off.
 */

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_FIELD_SUGGESTIONS: 'false', OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(() => env.stop());

const cursor = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
const eventCursor = (text: string) => Buffer.from(text).toString('base64url');

/** One operation over graphql-ws (a client of its own per call). */
const overWs = (query: string, variables: Record<string, unknown>) => env.wsOnce(query, variables, TOKENS.ADMIN);

describe('forged cursors (every connection answers BAD_USER_INPUT)', () => {
  let customerId: string;
  let conversationId: string;
  beforeAll(async () => {
    const buyer = await customer(env);
    customerId = buyer.id;
    const interaction = await record(env, { customer: { id: customerId }, body: 'hello' });
    conversationId = interaction.conversation.id;
  });

  const forged = {
    'not a date': cursor(['notadate', 'x']),
    'a day that does not exist': cursor(['2026-02-30T00:00:00.000Z', 'x']),
    'year 0': cursor(['0000-01-01T00:00:00.000Z', 'x']),
    NUL: cursor(['x\u0000']),
    'NUL in the second value': cursor(['2026-01-01T00:00:00.000Z', 'x\u0000']),
    'a number past bigint': cursor([1e300, 'x']),
    'three values with a NUL kind': cursor(['2026-01-01T00:00:00.000Z', 'A\u0000', 'x']),
  };
  const connections: Record<string, (after: string) => [string, Record<string, unknown>]> = {
    customers: (after) => ['query Q($after: String) { customers(first: 1, after: $after) { totalCount } }', { after }],
    orders: (after) => ['query Q($after: String) { orders(first: 1, after: $after) { totalCount } }', { after }],
    products: (after) => ['query Q($after: String) { products(first: 1, after: $after) { totalCount } }', { after }],
    conversations: (after) => ['query Q($after: String) { conversations(first: 1, after: $after) { totalCount } }', { after }],
    'customer.orders': (after) => [
      'query Q($id: ID!, $after: String) { customer(id: $id) { orders(first: 1, after: $after) { edges { cursor } } } }',
      { id: customerId, after },
    ],
    'customer.interactions': (after) => [
      'query Q($id: ID!, $after: String) { customer(id: $id) { interactions(first: 1, after: $after) { edges { cursor } } } }',
      { id: customerId, after },
    ],
    'customer.conversations': (after) => [
      'query Q($id: ID!, $after: String) { customer(id: $id) { conversations(first: 1, after: $after) { edges { cursor } } } }',
      { id: customerId, after },
    ],
    'customer.timeline': (after) => [
      'query Q($id: ID!, $after: String) { customer(id: $id) { timeline(first: 1, after: $after) { edges { cursor } } } }',
      { id: customerId, after },
    ],
    'conversation.interactions': (after) => [
      'query Q($id: ID!, $after: String) { conversation(id: $id) { interactions(first: 1, after: $after) { edges { cursor } } } }',
      { id: conversationId, after },
    ],
  };

  it.each(Object.keys(connections))('%s refuses every forged cursor with BAD_USER_INPUT over HTTP and WebSocket', async (name) => {
    for (const [what, after] of Object.entries(forged)) {
      const [query, variables] = connections[name](after);
      for (const answer of [await env.gql(query, variables), await overWs(query, variables)]) {
        const codes = (answer.errors ?? []).map((error) => error.extensions?.code);
        if (codes.length !== 1 || codes[0] !== 'BAD_USER_INPUT') throw new Error(`${name} with ${what}: ${JSON.stringify(answer.errors)}`);
      }
    }
  });

  it('refuses an event cursor past bigint on events and on a subscription', async () => {
    const past = eventCursor('99999999999999999999:1');
    const http = await env.gql('query Q($after: String) { events(first: 1, after: $after) { edges { cursor } } }', { after: past });
    expect(http.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    const ws = await overWs('subscription S($after: String) { interactionAdded(after: $after) { eventId } }', { after: past });
    expect(ws.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });

  it('still pages with a real cursor', async () => {
    const first = await env.ok<{ customer: { timeline: { edges: { cursor: string }[] } } }, unknown>(
      'query Q($id: ID!) { customer(id: $id) { timeline(first: 1) { edges { cursor } } } }',
      { id: customerId },
    );
    const after = first.customer.timeline.edges[0].cursor;
    const next = await env.gql('query Q($id: ID!, $after: String) { customer(id: $id) { timeline(first: 1, after: $after) { edges { cursor } } } }', {
      id: customerId,
      after,
    });
    expect(next.errors).toBeUndefined();
  });
});

describe('variable coercion errors without suggestions (OMNI360_FIELD_SUGGESTIONS=false)', () => {
  it('names no enum value or input field of the schema, over HTTP and WebSocket', async () => {
    const variables = { channel: 'SHOPP' };
    const enumOnly = 'query Q($channel: Channel) { orders(first: 1, channel: $channel) { totalCount } }';
    const inputOnly = 'mutation M($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } } }';
    for (const [document, values] of [
      [enumOnly, variables],
      [inputOnly, { input: { identitys: [] } }],
    ] as const) {
      for (const answer of [await env.gql(document, values), await overWs(document, values)]) {
        expect(answer.errors!.length).toBeGreaterThan(0);
        for (const error of answer.errors!) {
          expect(error.extensions?.code).toBe('BAD_USER_INPUT');
          expect(error.message).toMatch(/^Variable "\$/);
          expect(error.message).not.toMatch(/Did you mean/);
        }
      }
    }
  });
});

describe('a database that refuses connections (SQLSTATE 55000, ALLOW_CONNECTIONS false)', () => {
  it('answers DATABASE_UNAVAILABLE, then recovers', async () => {
    const databaseUrl = await createTestDatabase();
    const closed = await startTestServer({ databaseUrl });
    const name = new URL(databaseUrl).pathname.slice(1);
    const admin = new PgClient({ connectionString: Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString() });
    await admin.connect();
    try {
      expect((await closed.gql('{ customers(first: 1) { totalCount } }')).data).toEqual({ customers: { totalCount: 0 } });
      await admin.query(`alter database "${name}" with allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      const codes = new Set<unknown>();
      for (let i = 0; i < 5; i++) {
        const res = await closed.gql('{ customers(first: 1) { totalCount } }');
        for (const error of res.errors ?? []) codes.add(error.extensions?.code);
        if (!res.errors) codes.add('answered');
      }
      expect([...codes]).toEqual(['DATABASE_UNAVAILABLE']);
      await admin.query(`alter database "${name}" with allow_connections true`);
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        recovered = (await closed.gql('{ customers(first: 1) { totalCount } }')).errors === undefined;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recovered).toBe(true);
    } finally {
      await admin.query(`alter database "${name}" with allow_connections true`).catch(() => undefined);
      await admin.end();
      await closed.stop();
    }
  });
});
