import { AdjustStockDocument, AvailabilityDocument, PlaceOrderDocument, ProductDocument } from './generated/graphql';
import { createLocation, createProduct, ledgerMismatches, order, receive, sql } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

function adjust(sku: string, locationId: string, delta: number, externalId = unique('adj-'), token = TOKENS.INGEST, reason: string | null = 'count') {
  return env.ok(AdjustStockDocument, { input: { source: 'wms', externalId, sku, locationId, delta, reason } }, token);
}

describe('adjustStock', () => {
  it('appends receipts and shrinkage to the ledger; a replay changes nothing; different content is IDEMPOTENCY_CONFLICT', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const key = unique('po-');
    const first = await adjust(product.sku, warehouse.id, 12, key);
    expect(first.adjustStock).toMatchObject({
      created: true, userErrors: [],
      stockLevel: { sku: product.sku, onHand: 12, reserved: 0, available: 12, location: { id: warehouse.id } },
      availability: { sku: product.sku, onHand: 12, available: 12 },
    });
    const replay = await adjust(product.sku, warehouse.id, 12, key);
    expect(replay.adjustStock).toMatchObject({ created: false, userErrors: [], stockLevel: { onHand: 12 } });
    const conflict = await adjust(product.sku, warehouse.id, 13, key);
    expect(conflict.adjustStock.stockLevel).toBeNull();
    expect(conflict.adjustStock.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'externalId'] })]);
    const shrink = await adjust(product.sku, warehouse.id, -2, unique(), TOKENS.ADMIN, 'damaged');
    expect(shrink.adjustStock.stockLevel).toMatchObject({ onHand: 10, available: 10 });
    const movements = await sql(env, `select delta_on_hand, delta_reserved, kind, reason, source from stock_movement where product_id = $1 order by created_at, id`, [product.id]);
    expect(movements).toEqual([
      { delta_on_hand: 12, delta_reserved: 0, kind: 'ADJUSTMENT', reason: 'count', source: 'wms' },
      { delta_on_hand: -2, delta_reserved: 0, kind: 'ADJUSTMENT', reason: 'damaged', source: 'wms' },
    ]);
  });

  it('answers INSUFFICIENT_STOCK for a delta that would make onHand negative or take reserved units', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const empty = await adjust(product.sku, warehouse.id, -1);
    expect(empty.adjustStock.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'delta'] })]);
    await receive(env, product.sku, warehouse.id, 5);
    const negative = await adjust(product.sku, warehouse.id, -6);
    expect(negative.adjustStock.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'delta'] })]);
    await order(env, { channel: 'WEB', locationId: warehouse.id, lines: [{ sku: product.sku, quantity: 3 }] });
    const reserved = await adjust(product.sku, warehouse.id, -3);
    expect(reserved.adjustStock.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK' })]);
    expect(reserved.adjustStock.userErrors[0].message).toContain('2 available');
    expect((await adjust(product.sku, warehouse.id, -2)).adjustStock.stockLevel).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    expect(await ledgerMismatches(env)).toEqual([]);
  });

  it.each([
    ['delta 0', 'INVALID_VALUE', ['input', 'delta'], { delta: 0 }],
    ['an empty source', 'INVALID_VALUE', ['input', 'source'], { source: '' }],
    ['an unknown sku', 'UNKNOWN_PRODUCT', ['input', 'sku'], { sku: 'NO-SUCH-SKU-STOCK' }],
    ['a NUL in externalId (regression: the fuzz test reached the database with it)', 'INVALID_VALUE', ['input', 'externalId'], { externalId: 'a\u0000' }],
    ['an unknown location', 'NOT_FOUND', ['input', 'locationId'], { locationId: 'loc_00000000000000000000000000' }],
  ] as const)('rejects %s with %s', async (_name, code, field, patch) => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const res = await env.ok(AdjustStockDocument, { input: { source: 'wms', externalId: unique(), sku: product.sku, locationId: warehouse.id, delta: 1, ...patch } });
    expect(res.adjustStock.userErrors).toEqual([expect.objectContaining({ code, field })]);
  });

  it('keeps onHand and reserved equal to the ledger under concurrent adjustments and orders', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 20);
    // 40 writers on one stock row through a pool of 10: on a loaded machine the last of them can wait
    // longer than the pool's acquire timeout and get DATABASE_UNAVAILABLE ("retry shortly"). They do what
    // the error asks, with the same idempotency key, as a client would: still exactly 20 succeed.
    const untilAvailable = async <T>(write: () => Promise<{ data?: T | null; errors?: readonly { extensions?: Record<string, unknown> }[] }>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const res = await write();
        const codes = (res.errors ?? []).map((error) => error.extensions?.code);
        if (codes.length === 0) return res.data!;
        if (attempt === 5 || codes.some((code) => code !== 'DATABASE_UNAVAILABLE')) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    };
    const work = Array.from({ length: 40 }, (_, index) => {
      const externalId = unique();
      return index % 2
        ? untilAvailable(() => env.gql(AdjustStockDocument, { input: { source: 'wms', externalId, sku: product.sku, locationId: warehouse.id, delta: -1, reason: 'count' } }, TOKENS.INGEST))
          .then((data) => data.adjustStock.userErrors.length === 0)
        : untilAvailable(() => env.gql(PlaceOrderDocument, { input: { source: 'mix', externalId, channel: 'WEB', locationId: warehouse.id, lines: [{ sku: product.sku, quantity: 1 }] } }))
          .then((data) => data.placeOrder.userErrors.length === 0);
    });
    const outcomes = await Promise.all(work);
    expect(outcomes.filter(Boolean)).toHaveLength(20);
    const availability = (await env.ok(AvailabilityDocument, { sku: product.sku })).availability;
    expect(availability.available).toBe(0);
    expect(await ledgerMismatches(env)).toEqual([]);
  });
});

describe('availability', () => {
  it('totals every location and lists levels warehouses first, then by code; an unknown sku has zero everywhere', async () => {
    const product = await createProduct(env);
    const prefix = unique('AV');
    const store = await createLocation(env, 'STORE', `${prefix}-A`);
    const whZ = await createLocation(env, 'WAREHOUSE', `${prefix}-Z`);
    const whB = await createLocation(env, 'WAREHOUSE', `${prefix}-B`);
    await receive(env, product.sku, store.id, 3);
    await receive(env, product.sku, whZ.id, 7);
    await receive(env, product.sku, whB.id, 11);
    await order(env, { channel: 'STORE', locationId: store.id, lines: [{ sku: product.sku, quantity: 2 }] });
    const availability = (await env.ok(AvailabilityDocument, { sku: product.sku })).availability;
    expect(availability).toMatchObject({ sku: product.sku, onHand: 21, reserved: 2, available: 19 });
    expect(availability.byLocation.map((level) => [level.location.code, level.onHand, level.reserved, level.available])).toEqual([
      [whB.code, 11, 0, 11], [whZ.code, 7, 0, 7], [store.code, 3, 2, 1],
    ]);
    const viaProduct = await env.ok(ProductDocument, { sku: product.sku });
    expect(viaProduct.product!.availability).toEqual({ sku: product.sku, onHand: 21, reserved: 2, available: 19 });
    expect((await env.ok(AvailabilityDocument, { sku: 'NO-SUCH-SKU-AV' })).availability).toEqual({ sku: 'NO-SUCH-SKU-AV', onHand: 0, reserved: 0, available: 0, byLocation: [] });
    expect((await env.gql(AvailabilityDocument, { sku: product.sku }, TOKENS.PARTNER)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await env.ok(AvailabilityDocument, { sku: 'NUL\u0000SKU' })).availability).toMatchObject({ available: 0, byLocation: [] });
  });
});
