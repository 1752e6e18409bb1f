import {
  CustomersWithOrdersDocument, OrderDocument, OrdersWithLinesDocument, PlaceOrderDocument, ProductsWithAvailabilityDocument, UpsertOfferDocument,
  type PlaceOrderInput, type PlaceOrderMutation,
} from './generated/graphql';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * SQL-count tests: a page of 50 costs the same number of statements as a page of 5, however deep the
 * nesting (orders -> lines -> product, customers -> orders -> lines -> product, products -> availability).
 */
let env: TestServer;
const searchPrefix = unique('cnt').toLowerCase();
let stocked: { sku: string }[] = [];
let locations: { warehouse: string; store: string };
let offerCode: string;

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
  stocked = products.slice(0, 6);
  locations = { warehouse: warehouse.id, store: store.id };
  for (let i = 6; i < 55; i++) products.push(await createProduct(env, { sku: `${searchPrefix}-${i}`, name: `Counted ${i}` }));
  offerCode = unique('CNT');
  await env.ok(UpsertOfferDocument, { input: { code: offerCode, title: 'Ten off', discountPercent: 10 } });
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
    expect(five).toBe(1);
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
    const fifty = await env.countStatements(async () => {
      const res = await env.ok(ProductsWithAvailabilityDocument, { first: 50, search: searchPrefix });
      expect(res.products.edges).toHaveLength(50);
      expect(res.products.edges.some((edge) => edge.node.availability.byLocation.some((level) => level.location.code))).toBe(true);
    });
    expect(fifty.count).toBe(five);
    // With a search or without, the list's own statement carries the page and what is below its rows
    // (a search's page comes from product_search_page(), planned per pattern inside the statement).
    expect(fifty.count).toBe(1);
    const unsearched = await env.countStatements(async () => {
      expect((await env.ok(ProductsWithAvailabilityDocument, { first: 50 })).products.edges).toHaveLength(50);
    });
    expect(unsearched.count).toBe(1);
    // Each level's location comes from the one join that orders the levels, not from a subquery per level.
    const planned = fifty.statements.find((sql) => sql.includes('stock_level'))!;
    expect(planned).toMatch(/left join "location"/);
    expect(planned).not.toMatch(/from "location"/);
    // The three totals in one aggregate over the levels, the levels by location in another: two reads of stock_level per product.
    expect(planned.match(/from "?stock_level"?/g)).toHaveLength(2);
  });

  it('customers{offers} is batched too: Customer.offers over a page costs the same for N = 5 and N = 50', async () => {
    const document = `query($first: Int) { customers(first: $first) { edges { node { id offers(channel: WEB) { eligible reasons contactAllowed offer { code } } } } } }`;
    const five = await statementsFor(() => env.ok(document, { first: 5 }));
    const fifty = await statementsFor(() => env.ok(document, { first: 50 }));
    expect(fifty).toBe(five);
  });
});

/**
 * Writes, counted as a client sees them: every statement of the request, BEGIN and COMMIT included,
 * and the answer's fields (location, customer, lines and their products) too. A new order costs the
 * same whatever its number of lines; its events are appended in ONE statement; no savepoint.
 */
describe('statement counts of placeOrder', () => {
  const place = async (input: Omit<PlaceOrderInput, 'source' | 'externalId'>) => {
    const full = { source: 'count-shop', externalId: unique('cnt-o-'), ...input };
    let answer: PlaceOrderMutation['placeOrder'] | undefined;
    const counted = await env.countStatements(async () => {
      answer = (await env.ok(PlaceOrderDocument, { input: full }, TOKENS.AGENT)).placeOrder;
    });
    expect(answer!.userErrors).toEqual([]);
    return { ...counted, answer: answer!, input: full };
  };
  const eventAppends = (statements: string[]) => statements.filter((sql) => /insert into event\b/.test(sql)).length;

  it.each([1, 3])('a new WEB order of %i line(s), customer by id, shipped by the fulfilment rule: at most 8 statements, answer included', async (lineCount) => {
    const buyer = await customer(env);
    const { count, statements, answer } = await place({
      channel: 'WEB', customer: { id: buyer.id }, lines: stocked.slice(0, lineCount).map((product) => ({ sku: product.sku, quantity: 1 })),
    });
    expect(answer.created).toBe(true);
    expect(statements[0]).toMatch(/^BEGIN/);
    expect(statements).toContain('COMMIT;');
    expect(count).toBeLessThanOrEqual(8);
    expect(eventAppends(statements)).toBe(1);
    expect(statements.filter((sql) => /savepoint/i.test(sql))).toEqual([]);
    // The answer primed from the write is the order as read afterwards.
    const read = await env.ok(OrderDocument, { id: answer.order!.id });
    expect(read.order).toEqual({ ...answer.order, guestIdentities: [] });
    expect(answer.order!.lines).toHaveLength(lineCount);
  });

  it('with an offer code: at most 10 statements (the offer and the responses in one, the figures in another), the offer in the answer', async () => {
    const buyer = await customer(env);
    const { count, statements, answer } = await place({ channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: stocked[0].sku, quantity: 1 }], offerCodes: [offerCode] });
    expect(count).toBeLessThanOrEqual(10);
    expect(eventAppends(statements)).toBe(1);
    expect(answer.order!.lines[0].offer).toEqual({ code: offerCode });
    expect(answer.order!.discountTotal.amount).not.toBe('0.00');
    expect((await env.ok(OrderDocument, { id: answer.order!.id })).order).toEqual({ ...answer.order, guestIdentities: [] });
  });

  it('a new STORE order at a given store: at most 8 statements; its replay at most 9 and the same order', async () => {
    const buyer = await customer(env);
    const lines = stocked.slice(3, 6).map((product) => ({ sku: product.sku, quantity: 2 }));
    const first = await place({ channel: 'STORE', locationId: locations.store, customer: { id: buyer.id }, lines });
    expect(first.count).toBeLessThanOrEqual(8);
    expect(eventAppends(first.statements)).toBe(1);
    expect(first.answer.order!.location).toMatchObject({ id: locations.store, type: 'STORE' });
    let replay: PlaceOrderMutation['placeOrder'] | undefined;
    const replayed = await env.countStatements(async () => {
      replay = (await env.ok(PlaceOrderDocument, { input: first.input }, TOKENS.AGENT)).placeOrder;
    });
    expect(replay).toEqual({ ...first.answer, created: false });
    expect(replayed.count).toBeLessThanOrEqual(9);
    expect(eventAppends(replayed.statements)).toBe(0);
  });
});

