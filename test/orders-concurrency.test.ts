import { AvailabilityDocument, OrdersDocument, PlaceOrderDocument, UpdateOrderStatusDocument } from './generated/graphql';
import { createLocation, createProduct, customer, ledgerMismatches, receive, sql } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

describe('placeOrder under concurrency', () => {
  it('50 concurrent orders for 1 unit each of an item with 10 available: exactly 10 succeed, 40 INSUFFICIENT_STOCK, ledger agrees', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 10);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        env.ok(PlaceOrderDocument, {
          input: { source: 'race', externalId: unique(`race${index}-`), channel: index % 2 ? 'WEB' : 'MOBILE_APP', locationId: warehouse.id, lines: [{ sku: product.sku, quantity: 1 }] },
        }, TOKENS.INGEST),
      ),
    );
    const succeeded = results.filter((res) => res.placeOrder.order !== null);
    const refused = results.filter((res) => res.placeOrder.userErrors.length > 0);
    expect(succeeded).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const res of refused) expect(res.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines', '0'] })]);

    const availability = (await env.ok(AvailabilityDocument, { sku: product.sku })).availability;
    expect(availability).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    expect(await ledgerMismatches(env)).toEqual([]);
    const [ledger] = await sql<{ onHand: number; reserved: number; movements: number }>(
      env,
      `select sum(delta_on_hand)::int as "onHand", sum(delta_reserved)::int as reserved, count(*)::int as movements
         from stock_movement m join product p on p.id = m.product_id where p.sku = $1`,
      [product.sku],
    );
    expect(ledger).toEqual({ onHand: 10, reserved: 10, movements: 11 });
    const [orders] = await sql<{ count: number }>(env, `select count(*)::int as count from "order" where source = 'race'`);
    expect(orders.count).toBe(10);
  });

  it('30 concurrent orders without a location spill over to the next location by the rule, never overselling', async () => {
    const product = await createProduct(env);
    const prefix = unique('SPILL');
    const first = await createLocation(env, 'WAREHOUSE', `${prefix}-1`);
    const second = await createLocation(env, 'WAREHOUSE', `${prefix}-2`);
    await receive(env, product.sku, first.id, 5);
    await receive(env, product.sku, second.id, 5);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        env.ok(PlaceOrderDocument, { input: { source: 'spill', externalId: unique(), channel: 'WEB', lines: [{ sku: product.sku, quantity: 1 }] } }),
      ),
    );
    expect(results.filter((res) => res.placeOrder.order)).toHaveLength(10);
    expect(results.filter((res) => res.placeOrder.userErrors[0]?.code === 'INSUFFICIENT_STOCK')).toHaveLength(20);
    const availability = (await env.ok(AvailabilityDocument, { sku: product.sku })).availability;
    expect(availability.byLocation.map((level) => [level.location.code, level.reserved, level.available])).toEqual([[first.code, 5, 0], [second.code, 5, 0]]);
    expect(await ledgerMismatches(env)).toEqual([]);
  });

  it('two-line orders in both line orders racing cancellations at one location: all or nothing, no deadlock, ledger agrees', async () => {
    const [scarce, plenty] = [await createProduct(env), await createProduct(env)];
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, scarce.sku, warehouse.id, 20);
    await receive(env, plenty.sku, warehouse.id, 60);
    const both = [{ sku: scarce.sku, quantity: 1 }, { sku: plenty.sku, quantity: 1 }];
    const placed = [];
    for (let i = 0; i < 10; i++) {
      placed.push((await env.ok(PlaceOrderDocument, { input: { source: 'race2', externalId: unique('pre-'), channel: 'WEB', locationId: warehouse.id, lines: both } })).placeOrder.order!);
    }
    // Releases (applyStockChanges, one level at a time) and reservations (one statement per location) lock the same two levels.
    const [cancelled, results] = await Promise.all([
      Promise.all(placed.map((order) => env.ok(UpdateOrderStatusDocument, { input: { orderId: order.id, status: 'CANCELLED' } }))),
      Promise.all(Array.from({ length: 40 }, (_, index) => env.ok(PlaceOrderDocument, {
        input: { source: 'race2', externalId: unique(`new${index}-`), channel: 'WEB', locationId: warehouse.id, lines: index % 2 ? both : [...both].reverse() },
      }))),
    ]);
    expect(cancelled.every((res) => res.updateOrderStatus.userErrors.length === 0)).toBe(true);
    const succeeded = results.filter((res) => res.placeOrder.order !== null).length;
    expect(succeeded).toBeGreaterThanOrEqual(10);
    expect(succeeded).toBeLessThanOrEqual(20);
    for (const res of results.filter((answer) => answer.placeOrder.order === null)) {
      expect(res.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK' })]);
    }
    // Every reservation took both levels or neither.
    expect((await env.ok(AvailabilityDocument, { sku: scarce.sku })).availability).toMatchObject({ onHand: 20, reserved: succeeded });
    expect((await env.ok(AvailabilityDocument, { sku: plenty.sku })).availability).toMatchObject({ onHand: 60, reserved: succeeded });
    expect(await ledgerMismatches(env)).toEqual([]);
  });

  it('concurrent replays of one idempotency key create exactly one order and reserve once', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 100);
    const buyer = await customer(env);
    const input = {
      source: 'replay', externalId: unique('same-'), channel: 'WEB' as const, customer: { identities: [{ type: 'EMAIL' as const, value: buyer.email }] },
      lines: [{ sku: product.sku, quantity: 2 }],
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => env.ok(PlaceOrderDocument, { input }, TOKENS.INGEST)));
    const ids = new Set(results.map((res) => res.placeOrder.order?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^ord_/);
    expect(results.filter((res) => res.placeOrder.created)).toHaveLength(1);
    expect(results.every((res) => res.placeOrder.userErrors.length === 0)).toBe(true);
    const availability = (await env.ok(AvailabilityDocument, { sku: product.sku })).availability;
    expect(availability).toMatchObject({ onHand: 100, reserved: 2 });
    const mine = await env.ok(OrdersDocument, { customerId: buyer.id });
    expect(mine.orders.totalCount).toBe(1);
    expect(await ledgerMismatches(env)).toEqual([]);
  });
});
