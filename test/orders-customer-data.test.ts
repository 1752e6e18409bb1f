import {
  CommerceEraseDocument, CommerceExportDocument, CommerceIdentifyDocument, CommerceMergeDocument, CommerceUndoMergeDocument, CustomerOrdersDocument,
  OrderDocument, OrdersDocument, RespondToOfferDocument, UpsertOfferDocument,
} from './generated/graphql';
import { createLocation, createProduct, customer, order, receive, sql } from './support/commerce';
import { startTestServer, unique, type TestServer } from './support/server';

let env: TestServer;
let sku: string;
let warehouseId: string;
beforeAll(async () => {
  env = await startTestServer();
  const product = await createProduct(env, { price: '25.00' });
  const warehouse = await createLocation(env, 'WAREHOUSE');
  await receive(env, product.sku, warehouse.id, 100);
  sku = product.sku;
  warehouseId = warehouse.id;
});
afterAll(() => env.stop());

async function orderIdsOf(customerId: string): Promise<string[]> {
  const res = await env.ok(CustomerOrdersDocument, { id: customerId, first: 100 });
  return res.customer!.orders.edges.map((edge) => edge.node.id).sort();
}

describe('orders and customer data', () => {
  it('mergeCustomers moves orders and offer responses to the survivor; undoMerge moves exactly those back', async () => {
    const survivor = await customer(env);
    const merged = await customer(env);
    const kept = [await order(env, { channel: 'WEB', customer: { id: survivor.id }, lines: [{ sku, quantity: 1 }] })];
    const moved = [
      await order(env, { channel: 'PHONE', customer: { id: merged.id }, lines: [{ sku, quantity: 1 }] }),
      await order(env, { channel: 'WEB', customer: { id: merged.id }, lines: [{ sku, quantity: 2 }] }),
    ];
    const offer = (await env.ok(UpsertOfferDocument, { input: { code: unique('MRG'), title: 'x', discountPercent: 5 } })).upsertOffer.offer!;
    await env.ok(RespondToOfferDocument, { input: { offerId: offer.id, customerId: merged.id, channel: 'SMS', response: 'DECLINED' } });

    const merge = await env.ok(CommerceMergeDocument, { input: { survivorId: survivor.id, mergedId: merged.id } });
    expect(merge.mergeCustomers.userErrors).toEqual([]);
    expect(await orderIdsOf(survivor.id)).toEqual([...kept, ...moved].map((o) => o.id).sort());
    // The merged id resolves to the survivor everywhere, orders(customerId) included.
    expect((await env.ok(OrdersDocument, { customerId: merged.id })).orders.totalCount).toBe(3);
    expect((await env.ok(OrderDocument, { id: moved[0].id })).order!.customer!.id).toBe(survivor.id);
    const declinedAtSurvivor = await sql(env, `select 1 from offer_response where customer_id = $1`, [survivor.id]);
    expect(declinedAtSurvivor).toHaveLength(1);

    const undo = await env.ok(CommerceUndoMergeDocument, { input: { mergeId: merge.mergeCustomers.merge!.id } });
    expect(undo.undoMerge.userErrors).toEqual([]);
    expect(await orderIdsOf(survivor.id)).toEqual(kept.map((o) => o.id));
    expect(await orderIdsOf(merged.id)).toEqual(moved.map((o) => o.id).sort());
    expect(await sql(env, `select 1 from offer_response where customer_id = $1`, [merged.id])).toHaveLength(1);
  });

  it('export lists orders with lines; erasure keeps amounts, dates and channels and drops guest identities', async () => {
    const guestEmail = `${unique('erase')}@example.com`;
    const guest = await order(env, { channel: 'WEB', locationId: warehouseId, guestIdentities: [{ type: 'EMAIL', value: guestEmail }], lines: [{ sku, quantity: 2 }] });
    const claimed = await env.ok(CommerceIdentifyDocument, { input: { identities: [{ type: 'EMAIL', value: guestEmail }] } });
    const customerId = claimed.identifyCustomer.customer!.id;
    const own = await order(env, { channel: 'PHONE', customer: { id: customerId }, lines: [{ sku, quantity: 1 }] });

    const exported = (await env.ok(CommerceExportDocument, { customerId })).customerDataExport as { orders: { id: string; guestIdentities: unknown; lines: { sku: string; quantity: number }[] }[] };
    expect(exported.orders).toEqual([
      expect.objectContaining({ id: guest.id, guestIdentities: [{ type: 'EMAIL', system: '', value: guestEmail }], lines: [expect.objectContaining({ sku, quantity: 2 })] }),
      expect.objectContaining({ id: own.id, guestIdentities: null, lines: [expect.objectContaining({ sku, quantity: 1 })] }),
    ]);

    const erased = await env.ok(CommerceEraseDocument, { input: { customerId } });
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    expect(erased.eraseCustomer.erased).toEqual(expect.arrayContaining([{ name: 'orders', rows: 2 }]));
    expect((await env.ok(OrderDocument, { id: own.id })).order!.total.amount).toBe('25.00');
    const after = (await env.ok(OrderDocument, { id: guest.id })).order!;
    expect(after).toMatchObject({ id: guest.id, channel: 'WEB', total: { amount: '50.00', currencyCode: 'PLN' }, placedAt: guest.placedAt, customer: { id: customerId }, guestIdentities: [] });
    expect(after.lines.map((line) => [line.sku, line.quantity, line.total.amount])).toEqual([[sku, 2, '50.00']]);
    const [row] = await sql<{ guest: unknown }>(env, `select guest_identities as guest from "order" where id = $1`, [guest.id]);
    expect(row.guest).toBeNull();
    const events = await sql<{ payload: string }>(env, `select payload::text from event where type like 'order.%' and payload->>'orderId' = $1`, [guest.id]);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.payload).not.toContain(guestEmail.split('@')[0]);
  });

  it('puts orders and offer responses into Customer.timeline with figures only', async () => {
    const buyer = await customer(env);
    const placed = await order(env, { channel: 'PHONE', customer: { id: buyer.id }, lines: [{ sku, quantity: 3 }] });
    const offer = (await env.ok(UpsertOfferDocument, { input: { code: unique('TL'), title: 'x', discountPercent: 5 } })).upsertOffer.offer!;
    await env.ok(RespondToOfferDocument, { input: { offerId: offer.id, customerId: buyer.id, channel: 'EMAIL', response: 'PRESENTED' } });
    const res = await env.ok<{ customer: { timeline: { edges: { node: Record<string, unknown> }[] } } }, { id: string }>(
      `query($id: ID!) { customer(id: $id) { timeline(first: 10) { edges { node { kind channel summary order { id } offer { code } } } } } }`,
      { id: buyer.id },
    );
    const nodes = res.customer.timeline.edges.map((edge) => edge.node);
    expect(nodes).toEqual(expect.arrayContaining([
      { kind: 'ORDER', channel: 'PHONE', summary: 'Order placed, 75.00 PLN', order: { id: placed.id }, offer: null },
      { kind: 'OFFER_RESPONSE', channel: 'EMAIL', summary: `Offer ${offer.code} presented`, order: null, offer: { code: offer.code } },
    ]));
  });
});
