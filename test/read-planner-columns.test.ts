import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * A planned row reads what its selection asks for. A list of customers with their orders' lines and the
 * lines' product names reads no id of a line or a product (and no foreign key of a line: its product
 * comes planned with it), nor an order's customer id, so the JSON the statement sends carries none;
 * asked for, the product's id is there. What the statement sends is read from the rows the one
 * statement returned.
 */
let env: TestServer;
let tag: string;
let sku: string;
let productId: string;
let buyers: string[];

beforeAll(async () => {
  env = await startTestServer();
  const warehouse = await createLocation(env, 'WAREHOUSE');
  sku = unique('cols-');
  productId = (await createProduct(env, { sku, name: 'Columns' })).id;
  await receive(env, sku, warehouse.id, 100);
  tag = unique('columns').toLowerCase();
  buyers = [];
  for (let i = 0; i < 2; i++) {
    const buyer = await customer(env, `${tag}-${i}@example.com`);
    buyers.push(buyer.id);
    for (let j = 0; j < 2; j++) {
      await order(env, { channel: 'WEB', locationId: warehouse.id, customer: { id: buyer.id }, lines: [{ sku, quantity: 1 + j }] });
    }
  }
}, 60_000);
afterAll(() => env.stop());

interface Lines {
  customers: {
    edges: { node: { orders: { edges: { node: { id: string; lines: { quantity: number; product: { id?: string; sku: string; name: string } }[] } }[] } } }[];
  };
}

/** The answer and the text of what the one statement that read it returned. */
async function read(product: string): Promise<{ answer: Lines; sent: string }> {
  const knex = env.server.app.orm.em.getConnection().getKnex();
  const returned: unknown[] = [];
  const listener = (rows: unknown) => returned.push(rows);
  knex.on('query-response', listener);
  try {
    const answer = await env.ok<Lines, { s: string }>(
      `query($s: String) { customers(search: $s, first: 5) { edges { node { orders(first: 5) { edges { node { id lines { quantity product { ${product} } } } } } } } } }`,
      { s: tag },
    );
    expect(returned).toHaveLength(1);
    return { answer, sent: JSON.stringify(returned[0]) };
  } finally {
    knex.off('query-response', listener);
  }
}

describe('a planned row reads what its selection asks for', () => {
  it('reads no id of a line or of its product when neither is selected', async () => {
    const { answer, sent } = await read('sku name');
    const lines = answer.customers.edges.flatMap((edge) => edge.node.orders.edges.flatMap((order) => order.node.lines));
    expect(lines.map((line) => [line.quantity, line.product]).sort()).toEqual([
      [1, { sku, name: 'Columns' }],
      [1, { sku, name: 'Columns' }],
      [2, { sku, name: 'Columns' }],
      [2, { sku, name: 'Columns' }],
    ]);
    // The orders' ids were asked for and are there; no line's id (orl_) and no product's id (prd_) is.
    const orderIds = answer.customers.edges.flatMap((edge) => edge.node.orders.edges.map((order) => order.node.id));
    for (const id of orderIds) expect(sent).toContain(id);
    expect(sent).toContain(sku);
    expect(sent).not.toMatch(/"orl_/);
    expect(sent).not.toMatch(/"prd_/);
    // Each customer's id once, in its own row: not again in each of its orders.
    for (const id of buyers) expect(sent.split(id)).toHaveLength(2);
  });

  it("reads the product's id when it is selected", async () => {
    const { answer, sent } = await read('id sku');
    const products = answer.customers.edges.flatMap((edge) => edge.node.orders.edges.flatMap((order) => order.node.lines.map((line) => line.product)));
    expect(products).toHaveLength(4);
    for (const product of products) expect(product).toEqual({ id: productId, sku });
    expect(sent).toContain(productId);
    expect(sent).not.toMatch(/"orl_/);
  });
});
