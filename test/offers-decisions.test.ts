import {
  CommerceEraseDocument, CommerceRecordConsentDocument, CustomerOffersDocument, ImportOrdersDocument, NodeCommerceDocument,
  OffersForDocument, PlaceOrderDocument, RespondToOfferDocument, UpsertOfferDocument, type Channel, type DecisionCoreFragment,
} from './generated/graphql';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

const CHANNELS: Channel[] = ['WEB', 'MOBILE_APP', 'STORE', 'PHONE', 'EMAIL', 'CHAT', 'SMS', 'SOCIAL', 'CHATBOT', 'VIDEO', 'MARKETPLACE'];

let env: TestServer;
let warehouse: { id: string };
beforeAll(async () => {
  env = await startTestServer();
  warehouse = await createLocation(env, 'WAREHOUSE');
});
afterAll(() => env.stop());

async function offer(input: Record<string, unknown>) {
  const res = await env.ok(UpsertOfferDocument, { input: { code: unique('OFF'), title: 'An offer', ...input } as never });
  if (res.upsertOffer.userErrors.length) throw new Error(JSON.stringify(res.upsertOffer.userErrors));
  return res.upsertOffer.offer!;
}

async function decisions(customerId: string, channel: Channel): Promise<DecisionCoreFragment[]> {
  return (await env.ok(OffersForDocument, { customerId, channel })).offersFor;
}

async function decisionOn(customerId: string, code: string, channel: Channel = 'WEB'): Promise<DecisionCoreFragment> {
  const found = (await decisions(customerId, channel)).find((decision) => decision.offer.code === code);
  if (!found) throw new Error(`no decision on ${code}`);
  return found;
}

describe('upsertOffer', () => {
  it('creates and updates an offer by code', async () => {
    const product = await createProduct(env);
    const code = unique('SPRING');
    const created = await env.ok(UpsertOfferDocument, { input: { code, title: 'Spring', discountPercent: 12.5, skus: [product.sku], segment: 'VIP' } });
    expect(created.upsertOffer).toMatchObject({
      created: true, userErrors: [],
      offer: { code, title: 'Spring', discountPercent: 12.5, discountAmount: null, skus: [product.sku], segment: 'vip', validFrom: null, validTo: null, active: true },
    });
    const updated = await env.ok(UpsertOfferDocument, {
      input: { code, title: 'Spring II', discountAmount: { amount: '5', currencyCode: 'pln' }, validFrom: '2026-01-01T00:00:00Z', validTo: '2099-01-01T00:00:00Z' },
    });
    expect(updated.upsertOffer).toMatchObject({
      created: false,
      offer: { id: created.upsertOffer.offer!.id, title: 'Spring II', discountPercent: null, discountAmount: { amount: '5.00', currencyCode: 'PLN' }, skus: [], segment: null, validFrom: '2026-01-01T00:00:00.000Z', active: true },
    });
    const node = await env.ok(NodeCommerceDocument, { id: created.upsertOffer.offer!.id });
    expect(node.node).toEqual({ id: created.upsertOffer.offer!.id, code });
    const partner = await env.gql(NodeCommerceDocument, { id: created.upsertOffer.offer!.id }, TOKENS.PARTNER);
    expect(partner.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it.each([
    ['neither discount', 'INVALID_VALUE', ['input', 'discountPercent'], {}],
    ['both discounts', 'INVALID_VALUE', ['input', 'discountAmount'], { discountPercent: 10, discountAmount: { amount: '1.00', currencyCode: 'PLN' } }],
    ['a percent above 100', 'INVALID_VALUE', ['input', 'discountPercent'], { discountPercent: 101 }],
    ['a percent with three decimals', 'INVALID_VALUE', ['input', 'discountPercent'], { discountPercent: 1.234 }],
    ['a zero amount', 'INVALID_VALUE', ['input', 'discountAmount', 'amount'], { discountAmount: { amount: '0', currencyCode: 'PLN' } }],
    ['an unknown segment', 'INVALID_VALUE', ['input', 'segment'], { discountPercent: 5, segment: 'whales' }],
    ['an unknown sku', 'UNKNOWN_PRODUCT', ['input', 'skus', '0'], { discountPercent: 5, skus: ['NO-SUCH-SKU-OFFER'] }],
    ['validTo before validFrom', 'INVALID_VALUE', ['input', 'validTo'], { discountPercent: 5, validFrom: '2026-02-01T00:00:00Z', validTo: '2026-01-01T00:00:00Z' }],
    ['an empty code', 'INVALID_VALUE', ['input', 'code'], { code: ' ', discountPercent: 5 }],
  ] as const)('rejects %s with %s', async (_name, code, field, patch) => {
    const res = await env.ok(UpsertOfferDocument, { input: { code: unique('BAD'), title: 'Bad', ...patch } as never });
    expect(res.upsertOffer.offer).toBeNull();
    expect(res.upsertOffer.userErrors).toEqual([expect.objectContaining({ code, field })]);
  });
});

describe('offersFor and Customer.offers', () => {
  it('decide the same on every channel; only contactAllowed follows the MARKETING consent of the channel', async () => {
    const open = await offer({ discountPercent: 10 });
    const vip = await offer({ discountPercent: 20, segment: 'vip' });
    const buyer = await customer(env);
    await env.ok(CommerceRecordConsentDocument, { input: { customerId: buyer.id, purpose: 'MARKETING', channel: 'EMAIL', granted: true, source: 'WEB' } });
    await env.ok(CommerceRecordConsentDocument, { input: { customerId: buyer.id, purpose: 'MARKETING', channel: 'SMS', granted: false } });
    const perChannel = await Promise.all(CHANNELS.map((channel) => decisions(buyer.id, channel)));
    const withoutContact = perChannel.map((list) => list.map(({ contactAllowed: _c, ...rest }) => rest));
    for (const list of withoutContact) expect(list).toEqual(withoutContact[0]);
    CHANNELS.forEach((channel, index) => {
      expect(perChannel[index].every((decision) => decision.contactAllowed === (channel === 'EMAIL'))).toBe(true);
    });
    const openDecision = perChannel[0].find((decision) => decision.offer.code === open.code)!;
    expect(openDecision).toMatchObject({ eligible: true, reasons: ['offer is open to every customer'], lastResponse: null });
    const vipDecision = perChannel[0].find((decision) => decision.offer.code === vip.code)!;
    expect(vipDecision.eligible).toBe(false);
    expect(vipDecision.reasons).toEqual(['not in segment vip: lifetime value 0.00 is below 1000.00']);

    const nested = await env.ok(CustomerOffersDocument, { id: buyer.id, channel: 'EMAIL' });
    expect(nested.customer!.offers).toEqual(perChannel[CHANNELS.indexOf('EMAIL')]);
    const anyChannel = await env.ok(CustomerOffersDocument, { id: buyer.id });
    expect(anyChannel.customer!.offers.every((decision) => decision.contactAllowed)).toBe(true);

    const unknown = await env.gql(OffersForDocument, { customerId: 'cus_00000000000000000000000000', channel: 'WEB' });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const partner = await env.gql(CustomerOffersDocument, { id: buyer.id }, TOKENS.PARTNER);
    expect(partner.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('evaluates the segments vip, new, omnichannel and lapsed from the customer\'s orders', async () => {
    const product = await createProduct(env, { price: '600.00' });
    await receive(env, product.sku, warehouse.id, 100);
    const store = await createLocation(env, 'STORE');
    await receive(env, product.sku, store.id, 100);
    const offers = {
      vip: await offer({ discountPercent: 5, segment: 'vip' }),
      new: await offer({ discountPercent: 5, segment: 'new' }),
      omnichannel: await offer({ discountPercent: 5, segment: 'omnichannel' }),
      lapsed: await offer({ discountPercent: 5, segment: 'lapsed' }),
    };
    const eligibility = async (customerId: string) => {
      const list = await decisions(customerId, 'WEB');
      return Object.fromEntries(Object.entries(offers).map(([name, o]) => [name, list.find((d) => d.offer.code === o.code)!.eligible]));
    };

    const fresh = await customer(env);
    expect(await eligibility(fresh.id)).toEqual({ vip: false, new: true, omnichannel: false, lapsed: false });

    const big = await customer(env);
    await order(env, { channel: 'WEB', customer: { id: big.id }, lines: [{ sku: product.sku, quantity: 1 }] });
    expect(await eligibility(big.id)).toEqual({ vip: false, new: false, omnichannel: false, lapsed: false });
    await order(env, { channel: 'STORE', locationId: store.id, customer: { id: big.id }, lines: [{ sku: product.sku, quantity: 1 }] });
    expect(await eligibility(big.id)).toEqual({ vip: true, new: false, omnichannel: true, lapsed: false });
    const vipReason = (await decisionOn(big.id, offers.vip.code)).reasons;
    expect(vipReason).toEqual(['in segment vip: lifetime value 1200.00 PLN is at least 1000.00']);

    const old = await customer(env);
    const placedAt = new Date(Date.now() - 200 * 86_400_000).toISOString();
    const imported = await env.ok(ImportOrdersDocument, {
      input: { orders: [{ source: 'pos-old', externalId: unique(), channel: 'STORE', customer: { id: old.id }, placedAt, lines: [{ sku: product.sku, quantity: 1, unitPrice: { amount: '10.00', currencyCode: 'PLN' } }] }] },
    });
    expect(imported.importOrders.created).toBe(1);
    expect(await eligibility(old.id)).toEqual({ vip: false, new: false, omnichannel: false, lapsed: true });
    expect((await decisionOn(old.id, offers.lapsed.code)).reasons[0]).toMatch(/^in segment lapsed: last order at .* more than 180 days ago$/);
  });

  it('hides expired and inactive offers, and explains offers not valid yet', async () => {
    const buyer = await customer(env);
    const expired = await offer({ discountPercent: 5, validTo: '2020-01-01T00:00:00Z' });
    const inactive = await offer({ discountPercent: 5, active: false });
    const future = await offer({ discountPercent: 5, validFrom: '2099-01-01T00:00:00Z' });
    const list = await decisions(buyer.id, 'WEB');
    expect(list.some((d) => d.offer.code === expired.code || d.offer.code === inactive.code)).toBe(false);
    expect(list.find((d) => d.offer.code === future.code)).toMatchObject({ eligible: false, reasons: ['offer is valid from 2099-01-01T00:00:00.000Z'] });
  });
});

describe('respondToOffer', () => {
  it('records responses; a DECLINED offer is not eligible on any channel for 30 days, with a reason, and placeOrder refuses it', async () => {
    const product = await createProduct(env);
    await receive(env, product.sku, warehouse.id, 10);
    const declined = await offer({ discountPercent: 15 });
    const buyer = await customer(env);

    const presented = await env.ok(RespondToOfferDocument, { input: { offerId: declined.id, customerId: buyer.id, channel: 'EMAIL', response: 'PRESENTED' } });
    expect(presented.respondToOffer).toMatchObject({ userErrors: [], offer: { code: declined.code }, decision: { eligible: true, lastResponse: 'PRESENTED', lastResponseChannel: 'EMAIL' } });

    const res = await env.ok(RespondToOfferDocument, { input: { offerId: declined.id, customerId: buyer.id, channel: 'PHONE', response: 'DECLINED' } });
    expect(res.respondToOffer.userErrors).toEqual([]);
    expect(res.respondToOffer.decision).toMatchObject({ eligible: false, lastResponse: 'DECLINED', lastResponseChannel: 'PHONE' });

    const perChannel = await Promise.all(CHANNELS.map((channel) => decisionOn(buyer.id, declined.code, channel)));
    for (const decision of perChannel) {
      expect(decision).toMatchObject({ eligible: false, lastResponse: 'DECLINED', lastResponseChannel: 'PHONE' });
      expect(decision.reasons).toHaveLength(1);
      expect(decision.reasons[0]).toMatch(/^declined on PHONE at .*: not offered again on any channel until /);
      const until = new Date(/until (\S+)$/.exec(decision.reasons[0])![1]);
      expect(Math.round((until.getTime() - Date.now()) / 86_400_000)).toBe(30);
    }

    const placing = await env.ok(PlaceOrderDocument, {
      input: { source: 's', externalId: unique(), channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: product.sku, quantity: 1 }], offerCodes: [declined.code] },
    });
    expect(placing.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'OFFER_NOT_ELIGIBLE', field: ['input', 'offerCodes', '0'] })]);
    expect(placing.placeOrder.userErrors[0].message).toContain('declined');

    const accepting = await env.ok(RespondToOfferDocument, { input: { offerId: declined.id, customerId: buyer.id, channel: 'WEB', response: 'ACCEPTED' } });
    expect(accepting.respondToOffer.userErrors).toEqual([expect.objectContaining({ code: 'OFFER_NOT_ELIGIBLE', field: ['input', 'offerId'] })]);

    // The period is configuration: a server with a cool-down of 0 days offers it again.
    const noCooldown = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_OFFER_DECLINE_COOLDOWN_DAYS: '0' } });
    try {
      const again = (await noCooldown.ok(OffersForDocument, { customerId: buyer.id, channel: 'WEB' })).offersFor.find((d) => d.offer.code === declined.code)!;
      expect(again).toMatchObject({ eligible: true, lastResponse: 'DECLINED' });
    } finally {
      await noCooldown.stop();
    }
  });

  it('answers NOT_FOUND for unknown offers and customers, and CUSTOMER_ERASED for erased ones', async () => {
    const o = await offer({ discountPercent: 5 });
    const buyer = await customer(env);
    const unknownOffer = await env.ok(RespondToOfferDocument, { input: { offerId: 'ofr_00000000000000000000000000', customerId: buyer.id, channel: 'WEB', response: 'DECLINED' } });
    expect(unknownOffer.respondToOffer.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'offerId'] })]);
    const unknownCustomer = await env.ok(RespondToOfferDocument, { input: { offerId: o.id, customerId: 'cus_00000000000000000000000000', channel: 'WEB', response: 'DECLINED' } });
    expect(unknownCustomer.respondToOffer.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'customerId'] })]);
    const erased = await env.ok(CommerceEraseDocument, { input: { customerId: buyer.id } });
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    const afterErase = await env.ok(RespondToOfferDocument, { input: { offerId: o.id, customerId: buyer.id, channel: 'WEB', response: 'PRESENTED' } });
    expect(afterErase.respondToOffer.userErrors).toEqual([expect.objectContaining({ code: 'CUSTOMER_ERASED' })]);
  });
});

describe('placeOrder with offerCodes', () => {
  it('applies eligible offers to the lines they cover, the best one per line, identically on every channel', async () => {
    const shirt = await createProduct(env, { price: '100.00' });
    const cap = await createProduct(env, { price: '30.00' });
    const store = await createLocation(env, 'STORE');
    for (const location of [warehouse, store]) {
      await receive(env, shirt.sku, location.id, 20);
      await receive(env, cap.sku, location.id, 20);
    }
    const percent = await offer({ discountPercent: 12.5, skus: [shirt.sku] });
    const amount = await offer({ discountAmount: { amount: '20.00', currencyCode: 'PLN' }, skus: [shirt.sku] });
    const everything = await offer({ discountPercent: 10 });
    const buyer = await customer(env);
    const lines = [{ sku: shirt.sku, quantity: 2 }, { sku: cap.sku, quantity: 1 }];
    const offerCodes = [percent.code, amount.code, everything.code];
    const web = await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines, offerCodes });
    const inStore = await order(env, { channel: 'STORE', locationId: store.id, customer: { id: buyer.id }, lines, offerCodes });
    // shirt: 12.5 % of 200.00 = 25.00, 20.00 x 2 = 40.00 (best), 10 % = 20.00; cap: 10 % of 30.00 = 3.00
    expect(web.lines.map((line) => [line.sku, line.discount.amount, line.total.amount, line.offer?.code])).toEqual([
      [shirt.sku, '40.00', '160.00', amount.code],
      [cap.sku, '3.00', '27.00', everything.code],
    ]);
    expect(web.total.amount).toBe('187.00');
    expect(web.discountTotal.amount).toBe('43.00');
    expect(inStore.lines.map((line) => [line.discount, line.total])).toEqual(web.lines.map((line) => [line.discount, line.total]));

    const guest = await order(env, { channel: 'WEB', lines: [{ sku: cap.sku, quantity: 1 }], offerCodes: [everything.code] });
    expect(guest.total.amount).toBe('27.00');
  });

  it('answers OFFER_NOT_ELIGIBLE for unknown codes, other segments, guests with segment offers and offers covering no line', async () => {
    const product = await createProduct(env);
    const other = await createProduct(env);
    await receive(env, product.sku, warehouse.id, 20);
    const vip = await offer({ discountPercent: 5, segment: 'vip' });
    const elsewhere = await offer({ discountPercent: 5, skus: [other.sku] });
    const buyer = await customer(env);
    const place = (offerCodes: string[], withCustomer = true) =>
      env.ok(PlaceOrderDocument, {
        input: { source: 's', externalId: unique(), channel: 'WEB', ...(withCustomer ? { customer: { id: buyer.id } } : {}), lines: [{ sku: product.sku, quantity: 1 }], offerCodes },
      });
    for (const [codes, withCustomer, index] of [[['NO-SUCH-CODE'], true, '0'], [[elsewhere.code, vip.code], true, '1'], [[vip.code], false, '0'], [[elsewhere.code], true, '0']] as const) {
      const res = await place([...codes], withCustomer);
      expect(res.placeOrder.order).toBeNull();
      expect(res.placeOrder.userErrors).toEqual([expect.objectContaining({ code: 'OFFER_NOT_ELIGIBLE', field: ['input', 'offerCodes', index] })]);
    }
  });
});
