import {
  AvailabilityDocument, CommerceIdentifyDocument, CustomerOrdersDocument, OrderDocument, OrdersDocument, PlaceOrderDocument,
  UpdateOrderStatusDocument,
} from './generated/graphql';
import { createLocation, createProduct, customer, ledgerMismatches, order, receive } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

async function availabilityOf(sku: string) {
  return (await env.ok(AvailabilityDocument, { sku })).availability;
}

describe('placeOrder', () => {
  it('prices lines from the catalogue, reserves stock and returns the same order for a replay', async () => {
    const shoe = await createProduct(env, { price: '129.99' });
    const sock = await createProduct(env, { price: '9.50' });
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, shoe.sku, warehouse.id, 5);
    await receive(env, sock.sku, warehouse.id, 10);
    const input = {
      source: 'web-shop', externalId: unique('w-'), channel: 'WEB' as const, locationId: warehouse.id,
      lines: [{ sku: shoe.sku, quantity: 2 }, { sku: sock.sku, quantity: 3 }],
    };
    const first = await env.ok(PlaceOrderDocument, { input }, TOKENS.INGEST);
    expect(first.placeOrder.userErrors).toEqual([]);
    expect(first.placeOrder.created).toBe(true);
    const placed = first.placeOrder.order!;
    expect(placed).toMatchObject({
      status: 'PLACED', channel: 'WEB', imported: false, customer: null, location: { id: warehouse.id },
      total: { amount: '288.48', currencyCode: 'PLN' }, subtotal: { amount: '288.48' }, discountTotal: { amount: '0.00' },
    });
    expect(placed.lines).toEqual([
      { sku: shoe.sku, quantity: 2, unitPrice: { amount: '129.99', currencyCode: 'PLN' }, discount: { amount: '0.00', currencyCode: 'PLN' }, total: { amount: '259.98', currencyCode: 'PLN' }, product: { sku: shoe.sku }, offer: null },
      { sku: sock.sku, quantity: 3, unitPrice: { amount: '9.50', currencyCode: 'PLN' }, discount: { amount: '0.00', currencyCode: 'PLN' }, total: { amount: '28.50', currencyCode: 'PLN' }, product: { sku: sock.sku }, offer: null },
    ]);
    expect(await availabilityOf(shoe.sku)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    const replay = await env.ok(PlaceOrderDocument, { input }, TOKENS.INGEST);
    expect(replay.placeOrder).toMatchObject({ created: false, userErrors: [], order: { id: placed.id } });
    expect(await availabilityOf(shoe.sku)).toMatchObject({ reserved: 2 });

    const different = await env.ok(PlaceOrderDocument, { input: { ...input, lines: [{ sku: shoe.sku, quantity: 1 }] } }, TOKENS.INGEST);
    expect(different.placeOrder.order).toBeNull();
    expect(different.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'externalId'] })]);
    expect(await ledgerMismatches(env)).toEqual([]);
  });

  it('never takes a price from the caller: the same basket costs the same through WEB, STORE and PHONE', async () => {
    const coat = await createProduct(env, { price: '349.00' });
    const scarf = await createProduct(env, { price: '59.90' });
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const store = await createLocation(env, 'STORE');
    for (const location of [warehouse, store]) {
      await receive(env, coat.sku, location.id, 10);
      await receive(env, scarf.sku, location.id, 10);
    }
    const buyer = await customer(env);
    const basket = [{ sku: coat.sku, quantity: 1 }, { sku: scarf.sku, quantity: 2 }];
    const web = await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: basket });
    const inStore = await order(env, { channel: 'STORE', locationId: store.id, customer: { identities: [{ type: 'EMAIL', value: buyer.email.toUpperCase() }] }, lines: basket });
    const phone = await order(env, { channel: 'PHONE', customer: { id: buyer.id }, lines: basket });
    const priceOf = (o: typeof web) => ({ total: o.total, lines: o.lines.map((line) => [line.unitPrice, line.discount, line.total]) });
    expect(priceOf(inStore)).toEqual(priceOf(web));
    expect(priceOf(phone)).toEqual(priceOf(web));
    expect(web.total).toEqual({ amount: '468.80', currencyCode: 'PLN' });
    expect([web, inStore, phone].map((o) => o.customer?.id)).toEqual([buyer.id, buyer.id, buyer.id]);
    expect(inStore.location).toMatchObject({ id: store.id, type: 'STORE' });

    const history = await env.ok(CustomerOrdersDocument, { id: buyer.id });
    expect(history.customer!.orders.totalCount).toBe(3);
    expect(history.customer!.orders.edges.map((edge) => edge.node.channel)).toEqual(['PHONE', 'STORE', 'WEB']);
    const storeOnly = await env.ok(CustomerOrdersDocument, { id: buyer.id, channel: 'STORE' });
    expect(storeOnly.customer!.orders.edges.map((edge) => edge.node.id)).toEqual([inStore.id]);
    expect(storeOnly.customer!.orders.totalCount).toBe(1);
  });

  it('chooses the fulfilment location by the documented rule: warehouses first, then by code, able to supply every line', async () => {
    const a = await createProduct(env);
    const b = await createProduct(env);
    const prefix = unique('R');
    const storeA = await createLocation(env, 'STORE', `${prefix}-A-STORE`);
    const whB = await createLocation(env, 'WAREHOUSE', `${prefix}-B-WH`);
    const whC = await createLocation(env, 'WAREHOUSE', `${prefix}-C-WH`);
    await receive(env, a.sku, storeA.id, 10);
    await receive(env, b.sku, storeA.id, 10);
    await receive(env, a.sku, whB.id, 10); // whB lacks b: cannot supply every line
    await receive(env, a.sku, whC.id, 1);
    await receive(env, b.sku, whC.id, 1);

    const both = await order(env, { channel: 'WEB', lines: [{ sku: a.sku, quantity: 1 }, { sku: b.sku, quantity: 1 }] });
    expect(both.location!.id).toBe(whC.id);
    const again = await order(env, { channel: 'MOBILE_APP', lines: [{ sku: a.sku, quantity: 1 }, { sku: b.sku, quantity: 1 }] });
    expect(again.location!.id).toBe(storeA.id); // whC is now empty
    const onlyA = await order(env, { channel: 'WEB', lines: [{ sku: a.sku, quantity: 2 }] });
    expect(onlyA.location!.id).toBe(whB.id);

    const tooMany = await env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'WEB', lines: [{ sku: b.sku, quantity: 50 }] } });
    expect(tooMany.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines'] })]);
  });

  it('answers INSUFFICIENT_STOCK at the line when the given location is short, and rolls back every line', async () => {
    const a = await createProduct(env);
    const b = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, a.sku, warehouse.id, 5);
    await receive(env, b.sku, warehouse.id, 1);
    const res = await env.ok(PlaceOrderDocument, {
      input: { source: 's', externalId: unique(), channel: 'WEB', locationId: warehouse.id, lines: [{ sku: a.sku, quantity: 2 }, { sku: b.sku, quantity: 2 }] },
    });
    expect(res.placeOrder.order).toBeNull();
    expect(res.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines', '1'] })]);
    expect(await availabilityOf(a.sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  it.each([
    ['quantity 0', 'INVALID_VALUE', ['input', 'lines', '0', 'quantity'], { lines: [{ sku: 'X', quantity: 0 }] }],
    ['quantity 1000', 'INVALID_VALUE', ['input', 'lines', '0', 'quantity'], { lines: [{ sku: 'X', quantity: 1000 }] }],
    ['no lines', 'INVALID_VALUE', ['input', 'lines'], { lines: [] }],
    ['an empty externalId', 'INVALID_VALUE', ['input', 'externalId'], { externalId: ' ', lines: [{ sku: 'X', quantity: 1 }] }],
    ['a future placedAt', 'INVALID_VALUE', ['input', 'placedAt'], { placedAt: '2999-01-01T00:00:00Z', lines: [{ sku: 'X', quantity: 1 }] }],
    ['a NUL in a sku (regression: the fuzz test reached the database with it)', 'INVALID_VALUE', ['input', 'lines', '0', 'sku'], { lines: [{ sku: 'A\u0000B', quantity: 1 }] }],
    ['a bad guest e-mail', 'INVALID_VALUE', ['input', 'guestIdentities', '0', 'value'], { guestIdentities: [{ type: 'EMAIL', value: 'nope' }], lines: [{ sku: 'X', quantity: 1 }] }],
  ] as const)('rejects %s with %s', async (_name, code, field, patch) => {
    const res = await env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'WEB', ...patch } as never });
    expect(res.placeOrder.order).toBeNull();
    expect(res.placeOrder.userErrors).toEqual([expect.objectContaining({ code, field })]);
  });

  it('answers UNKNOWN_PRODUCT for unknown and inactive skus at the line, and INVALID_VALUE for mixed currencies', async () => {
    const active = await createProduct(env);
    const retired = await createProduct(env, { active: false });
    const euro = await createProduct(env, { currency: 'EUR' });
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const place = (lines: { sku: string; quantity: number }[]) =>
      env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'WEB', locationId: warehouse.id, lines } });
    const unknown = await place([{ sku: active.sku, quantity: 1 }, { sku: unique('NOPE-'), quantity: 1 }]);
    expect(unknown.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PRODUCT', field: ['input', 'lines', '1', 'sku'] })]);
    const inactive = await place([{ sku: retired.sku, quantity: 1 }]);
    expect(inactive.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PRODUCT', field: ['input', 'lines', '0', 'sku'] })]);
    const mixed = await place([{ sku: active.sku, quantity: 1 }, { sku: euro.sku, quantity: 1 }]);
    expect(mixed.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'lines', '1', 'sku'] })]);
  });

  it('needs a STORE location for STORE orders and a known location everywhere', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 5);
    const lines = [{ sku: product.sku, quantity: 1 }];
    const without = await env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'STORE', lines } });
    expect(without.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'locationId'] })]);
    const atWarehouse = await env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'STORE', locationId: warehouse.id, lines } });
    expect(atWarehouse.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'locationId'] })]);
    const unknown = await env.ok(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'WEB', locationId: 'loc_00000000000000000000000000', lines } });
    expect(unknown.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'locationId'] })]);
  });

  it('creates the customer from identities, and a later identifyCustomer with a guest e-mail or phone claims guest orders', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 10);
    const lines = [{ sku: product.sku, quantity: 1 }];

    const email = `${unique('new')}@example.com`;
    const identified = await order(env, { channel: 'WEB', customer: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Ola' } }, lines });
    const found = await env.ok(CommerceIdentifyDocument, { input: { identities: [{ type: 'EMAIL', value: email }] } });
    expect(found.identifyCustomer.created).toBe(false);
    expect(identified.customer!.id).toBe(found.identifyCustomer.customer!.id);

    const guestEmail = `${unique('guest')}@Example.com`;
    const guest = await order(env, { channel: 'WEB', guestIdentities: [{ type: 'EMAIL', value: guestEmail }], lines });
    const phoneGuest = await order(env, { channel: 'PHONE', guestIdentities: [{ type: 'PHONE', value: '+48 600 100 200' }], lines });
    expect(guest.customer).toBeNull();
    const read = await env.ok(OrderDocument, { id: guest.id });
    expect(read.order!.guestIdentities).toEqual([{ type: 'EMAIL', system: null, value: guestEmail.toLowerCase() }]);
    const masked = await env.ok(OrderDocument, { id: guest.id }, TOKENS.ANALYST);
    expect(masked.order!.guestIdentities[0].value).not.toContain(guestEmail.split('@')[0].toLowerCase());

    const withCustomer = await env.gql(PlaceOrderDocument, { input: { source: 's', externalId: unique(), channel: 'WEB', customer: { id: identified.customer!.id }, guestIdentities: [{ type: 'EMAIL', value: guestEmail }], lines } });
    expect(withCustomer.data!.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'guestIdentities'] })]);

    const claimer = await env.ok(CommerceIdentifyDocument, { input: { identities: [{ type: 'EMAIL', value: guestEmail }, { type: 'PHONE', value: '600100200' }] } });
    const claimerId = claimer.identifyCustomer.customer!.id;
    for (const id of [guest.id, phoneGuest.id]) {
      expect((await env.ok(OrderDocument, { id })).order!.customer).toEqual({ id: claimerId });
    }
    const history = await env.ok(CustomerOrdersDocument, { id: claimerId });
    expect(history.customer!.orders.edges.map((edge) => edge.node.id).sort()).toEqual([guest.id, phoneGuest.id].sort());
  });
});

describe('updateOrderStatus', () => {
  it('FULFILLED consumes the reservation, CANCELLED releases it, RETURNED restocks; everything else is INVALID_TRANSITION', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 10);
    const lines = [{ sku: product.sku, quantity: 3 }];
    const fulfilled = await order(env, { channel: 'WEB', locationId: warehouse.id, lines });
    const cancelled = await order(env, { channel: 'WEB', locationId: warehouse.id, lines });
    expect(await availabilityOf(product.sku)).toMatchObject({ onHand: 10, reserved: 6, available: 4 });

    const set = (orderId: string, status: 'PLACED' | 'FULFILLED' | 'CANCELLED' | 'RETURNED') =>
      env.ok(UpdateOrderStatusDocument, { input: { orderId, status } });
    expect((await set(fulfilled.id, 'FULFILLED')).updateOrderStatus).toEqual({ order: { id: fulfilled.id, status: 'FULFILLED' }, userErrors: [] });
    expect(await availabilityOf(product.sku)).toMatchObject({ onHand: 7, reserved: 3, available: 4 });
    expect((await set(cancelled.id, 'CANCELLED')).updateOrderStatus.userErrors).toEqual([]);
    expect(await availabilityOf(product.sku)).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
    expect((await set(fulfilled.id, 'RETURNED')).updateOrderStatus.userErrors).toEqual([]);
    expect(await availabilityOf(product.sku)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });

    for (const [id, status] of [[cancelled.id, 'FULFILLED'], [cancelled.id, 'PLACED'], [fulfilled.id, 'CANCELLED'], [fulfilled.id, 'RETURNED']] as const) {
      const res = await set(id, status);
      expect(res.updateOrderStatus.order).toBeNull();
      expect(res.updateOrderStatus.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'status'] })]);
    }
    const unknown = await set('ord_00000000000000000000000000', 'FULFILLED');
    expect(unknown.updateOrderStatus.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'orderId'] })]);
    expect((await env.ok(OrderDocument, { id: fulfilled.id })).order!.status).toBe('RETURNED');
    expect(await ledgerMismatches(env)).toEqual([]);
  });
});

describe('order and orders', () => {
  it('reads one order, null for unknown ids, and pages every channel newest first with filters', async () => {
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    const store = await createLocation(env, 'STORE');
    await receive(env, product.sku, warehouse.id, 20);
    await receive(env, product.sku, store.id, 20);
    const buyer = await customer(env);
    const placed = [];
    for (const [index, channel] of (['WEB', 'STORE', 'PHONE', 'WEB', 'MOBILE_APP'] as const).entries()) {
      placed.push(await order(env, {
        channel, locationId: channel === 'STORE' ? store.id : warehouse.id, customer: { id: buyer.id },
        lines: [{ sku: product.sku, quantity: 1 }], placedAt: new Date(Date.UTC(2025, 0, 1 + index)).toISOString(),
      }));
    }
    expect((await env.ok(OrderDocument, { id: 'ord_00000000000000000000000000' })).order).toBeNull();
    expect((await env.ok(OrderDocument, { id: 'garbage' })).order).toBeNull();

    const page1 = await env.ok(OrdersDocument, { first: 2, customerId: buyer.id });
    expect(page1.orders.totalCount).toBe(5);
    expect(page1.orders.edges.map((edge) => edge.node.id)).toEqual([placed[4].id, placed[3].id]);
    expect(page1.orders.pageInfo.hasNextPage).toBe(true);
    const page2 = await env.ok(OrdersDocument, { first: 2, customerId: buyer.id, after: page1.orders.pageInfo.endCursor });
    expect(page2.orders.edges.map((edge) => edge.node.id)).toEqual([placed[2].id, placed[1].id]);
    const page3 = await env.ok(OrdersDocument, { first: 2, customerId: buyer.id, after: page2.orders.pageInfo.endCursor });
    expect(page3.orders.edges.map((edge) => edge.node.id)).toEqual([placed[0].id]);
    expect(page3.orders.pageInfo.hasNextPage).toBe(false);

    const web = await env.ok(OrdersDocument, { customerId: buyer.id, channel: 'WEB' });
    expect(web.orders.edges.map((edge) => edge.node.id)).toEqual([placed[3].id, placed[0].id]);
    expect(web.orders.totalCount).toBe(2);

    const nested1 = await env.ok(CustomerOrdersDocument, { id: buyer.id, first: 3 });
    expect(nested1.customer!.orders.edges.map((edge) => edge.node.id)).toEqual([placed[4].id, placed[3].id, placed[2].id]);
    const nested2 = await env.ok(CustomerOrdersDocument, { id: buyer.id, first: 3, after: nested1.customer!.orders.pageInfo.endCursor });
    expect(nested2.customer!.orders.edges.map((edge) => edge.node.id)).toEqual([placed[1].id, placed[0].id]);

    const bad = await env.gql(OrdersDocument, { first: 0 });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const partner = await env.gql(OrdersDocument, { first: 1 }, TOKENS.PARTNER);
    expect(partner.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
