import { CustomersWithOrdersDocument, OrdersWithLinesDocument, ProductsWithAvailabilityDocument, UpsertOfferDocument } from './generated/graphql';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * SQL-count tests: a page of 50 costs the same number of statements as a page of 5, however deep the
 * nesting (orders -> lines -> product, customers -> orders -> lines -> product, products -> availability).
 */
let env: TestServer;
const searchPrefix = unique('cnt').toLowerCase();

beforeAll(async () => {
  env = await startTestServer();
  const warehouse = await createLocation(env, 'WAREHOUSE');
  const store = await createLocation(env, 'STORE');
  const products = [];
  for (let i = 0; i < 6; i++) {
    const product = await createProduct(env, { sku: `${searchPrefix}-${i}`, name: `Counted ${i}` });
    await receive(env, product.sku, warehouse.id, 1_000);
    await receive(env, product.sku, store.id, 1_000);
    products.push(product);
  }
  for (let i = 6; i < 55; i++) products.push(await createProduct(env, { sku: `${searchPrefix}-${i}`, name: `Counted ${i}` }));
  await env.ok(UpsertOfferDocument, { input: { code: unique('CNT'), title: 'Ten off', discountPercent: 10 } });
  // 55 customers with 2 orders of 2 lines each: more than a page of 50 at every level.
  for (let i = 0; i < 55; i++) {
    const buyer = await customer(env);
    for (let j = 0; j < 2; j++) {
      await order(env, {
        channel: j ? 'WEB' : 'STORE', locationId: j ? warehouse.id : store.id, customer: { id: buyer.id },
        lines: [{ sku: products[i % 6].sku, quantity: 1 }, { sku: products[(i + 1) % 6].sku, quantity: 2 }],
      });
    }
  }
}, 120_000);
afterAll(() => env.stop());

async function statementsFor(work: () => Promise<unknown>): Promise<number> {
  return (await env.countStatements(work)).count;
}

describe('statement counts', () => {
  it('orders(first: N){lines{product}} costs the same for N = 5 and N = 50', async () => {
    let pageSize = 0;
    const five = await statementsFor(async () => {
      pageSize = (await env.ok(OrdersWithLinesDocument, { first: 5 })).orders.edges.length;
    });
    expect(pageSize).toBe(5);
    const fifty = await statementsFor(async () => {
      const res = await env.ok(OrdersWithLinesDocument, { first: 50 });
      pageSize = res.orders.edges.length;
      expect(res.orders.edges.every((edge) => edge.node.lines.length === 2 && edge.node.lines.every((line) => line.product.sku.startsWith(searchPrefix)))).toBe(true);
    });
    expect(pageSize).toBe(50);
    expect(fifty).toBe(five);
    expect(five).toBeLessThanOrEqual(3);
  });

  it('customers(first: N){orders{edges{node{lines{product{sku}}}}}} costs the same for N = 5 and N = 50', async () => {
    const five = await statementsFor(() => env.ok(CustomersWithOrdersDocument, { first: 5 }));
    let orders = 0;
    const fifty = await statementsFor(async () => {
      const res = await env.ok(CustomersWithOrdersDocument, { first: 50 });
      orders = res.customers.edges.reduce((sum, edge) => sum + edge.node.orders.edges.length, 0);
      expect(res.customers.edges.every((edge) => edge.node.orders.totalCount === 2)).toBe(true);
    });
    expect(orders).toBe(100);
    expect(fifty).toBe(five);
  });

  it('products(first: N){availability{byLocation{location}}} costs the same for N = 5 and N = 50', async () => {
    const five = await statementsFor(() => env.ok(ProductsWithAvailabilityDocument, { first: 5, search: searchPrefix }));
    const fifty = await statementsFor(async () => {
      const res = await env.ok(ProductsWithAvailabilityDocument, { first: 50, search: searchPrefix });
      expect(res.products.edges).toHaveLength(50);
    });
    expect(fifty).toBe(five);
  });

  it('customers{offers} is batched too: Customer.offers over a page costs the same for N = 5 and N = 50', async () => {
    const document = `query($first: Int) { customers(first: $first) { edges { node { id offers(channel: WEB) { eligible reasons contactAllowed offer { code } } } } } }`;
    const five = await statementsFor(() => env.ok(document, { first: 5 }));
    const fifty = await statementsFor(() => env.ok(document, { first: 50 }));
    expect(fifty).toBe(five);
  });
});
