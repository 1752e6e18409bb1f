import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * A page reads one row past its end only to tell pageInfo.hasNextPage. A selection that does not ask it
 * reads `first` rows, at the root list and in every nested connection the planner embeds (the row past
 * the page costs everything planned below it); one that asks it, directly or through a fragment, reads
 * `first + 1` and answers it right at both sides of the boundary.
 */
let env: TestServer;
let tag: string;
/** The customers of the tag, newest first (the order of customers(search)). */
let buyers: string[];

beforeAll(async () => {
  env = await startTestServer();
  const warehouse = await createLocation(env, 'WAREHOUSE');
  const product = await createProduct(env, { sku: unique('look-'), name: 'Lookahead' });
  await receive(env, product.sku, warehouse.id, 100);
  tag = unique('lookahead').toLowerCase();
  buyers = [];
  for (let i = 0; i < 3; i++) buyers.unshift((await customer(env, `${tag}-${i}@example.com`)).id);
  // The newest customer has 4 orders.
  for (let i = 0; i < 4; i++) {
    await order(env, { channel: 'WEB', locationId: warehouse.id, customer: { id: buyers[0] }, lines: [{ sku: product.sku, quantity: 1 }] });
  }
}, 60_000);
afterAll(() => env.stop());

interface Page {
  customers: {
    pageInfo?: { hasNextPage: boolean };
    edges: { node: { id: string; orders: { pageInfo?: { hasNextPage: boolean }; edges: { node: { id: string } }[] } } }[];
  };
}

/** The answer and the bindings of the one statement that read it. */
async function read(document: string, variables: Record<string, unknown>): Promise<{ page: Page; bindings: unknown[] }> {
  const knex = env.server.app.orm.em.getConnection().getKnex();
  const seen: unknown[][] = [];
  const listener = (q: { bindings?: unknown[] }) => seen.push(q.bindings ?? []);
  knex.on('query', listener);
  try {
    const page = await env.ok<Page, Record<string, unknown>>(document, variables);
    expect(seen).toHaveLength(1);
    return { page, bindings: seen[0] };
  } finally {
    knex.off('query', listener);
  }
}

describe('a page reads a row past its end only for hasNextPage', () => {
  it('reads first rows at the root and below when nobody asks', async () => {
    const { page, bindings } = await read(
      `query($s: String, $n: Int, $m: Int) { customers(search: $s, first: $n) { edges { node { id orders(first: $m) { edges { node { id } } } } } } }`,
      { s: tag, n: 2, m: 3 },
    );
    expect(page.customers.edges.map((edge) => edge.node.id)).toEqual(buyers.slice(0, 2));
    expect(page.customers.edges[0].node.orders.edges).toHaveLength(3);
    // The list's limit is its last parameter; the orders' limit is the only other number.
    expect(bindings.at(-1)).toBe(2);
    expect(bindings.filter((value) => typeof value === 'number').slice(0, -1)).toEqual([3]);
  });

  it.each([
    ['directly', 'pageInfo { hasNextPage }', ''],
    ['through a fragment', 'pageInfo { ...More }', 'fragment More on PageInfo { hasNextPage }'],
  ])('reads first + 1 rows and answers hasNextPage when asked %s', async (_how, pageInfo, fragment) => {
    const document = `query($s: String, $n: Int, $m: Int) {
      customers(search: $s, first: $n) { ${pageInfo} edges { node { id orders(first: $m) { ${pageInfo} edges { node { id } } } } } }
    } ${fragment}`;
    const short = await read(document, { s: tag, n: 2, m: 3 });
    expect(short.bindings.at(-1)).toBe(3);
    expect(short.bindings.filter((value) => typeof value === 'number').slice(0, -1)).toEqual([4]);
    expect(short.page.customers.pageInfo).toEqual({ hasNextPage: true });
    expect(short.page.customers.edges.map((edge) => [edge.node.orders.edges.length, edge.node.orders.pageInfo])).toEqual([
      [3, { hasNextPage: true }],
      [0, { hasNextPage: false }],
    ]);
    // Exactly the rows there are: no next page at either level.
    const whole = await read(document, { s: tag, n: 3, m: 4 });
    expect(whole.page.customers.pageInfo).toEqual({ hasNextPage: false });
    expect(whole.page.customers.edges[0].node.orders).toMatchObject({ pageInfo: { hasNextPage: false } });
    expect(whole.page.customers.edges[0].node.orders.edges).toHaveLength(4);
  });
});
