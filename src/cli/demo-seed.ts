import type { Principal } from '../common/auth';
import { Channel } from '../common/channel';
import { Random } from '../common/prng';
import { createContext, type AppState, type Context } from '../context/context';
import { queryOne } from '../database/sql';
import { upsertLocation, upsertProduct } from '../modules/catalog/catalog.service';
import { LocationType } from '../modules/catalog/catalog.enums';
import { ConsentPurpose, IdentityType } from '../modules/customers/customer.enums';
import { identifyCustomer, recordConsent } from '../modules/customers/customer.service';
import { Direction } from '../modules/interactions/interaction.enums';
import { assignConversation, recordInteraction, resolveConversation, upsertAgent } from '../modules/interactions/interaction.service';
import { adjustStock } from '../modules/inventory/inventory.service';
import { OfferResponseKind } from '../modules/offers/offer.enums';
import { respondToOffer, upsertOffer } from '../modules/offers/offer.service';
import { OrderStatus } from '../modules/orders/order.enums';
import { placeOrder, updateOrderStatus } from '../modules/orders/order.service';

/**
 * A realistic omnichannel dataset, created through the same services as the API (so every rule,
 * event and read model applies): customers with identities in several channels (a few near-duplicates
 * to merge), stores and warehouses with stock, a catalogue, orders across channels, conversations that
 * cross channels with agents and handovers, offers and responses, consents. Deterministic: the same
 * seed gives the same data (ids differ, they carry time).
 */
export interface SeedOptions {
  customers: number;
  seed: number;
  /** Parallel service calls; the data does not depend on it. */
  concurrency: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface SeedSummary {
  customers: number;
  duplicates: number;
  products: number;
  locations: number;
  agents: number;
  offers: number;
  orders: number;
  interactions: number;
  consents: number;
  offerResponses: number;
}

export const DEFAULT_SEED: SeedOptions = { customers: 1_000, seed: 360, concurrency: 8 };

const FIRST = ['Anna', 'Jan', 'Katarzyna', 'Piotr', 'Maria', 'Tomasz', 'Agnieszka', 'Paweł', 'Ewa', 'Michał', 'Zofia', 'Krzysztof',
  'Magdalena', 'Marek', 'Julia', 'Łukasz', 'Natalia', 'Adam', 'Ola', 'Wojciech'];
const LAST = ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański', 'Woźniak',
  'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur', 'Kwiatkowski', 'Krawczyk', 'Piotrowski', 'Grabowski', 'Nowakowski', 'Pawłowski'];
const CITIES = ['Warszawa', 'Kraków', 'Gdańsk', 'Wrocław', 'Poznań', 'Łódź'];
const PRODUCTS: [string, string, string, number][] = [
  ['PHN-X1', 'Phone X1 128 GB', 'phones', 2_999_00], ['PHN-X1P', 'Phone X1 Pro 256 GB', 'phones', 4_499_00],
  ['PHN-L5', 'Phone Lite 5', 'phones', 1_299_00], ['PHN-F2', 'Phone Fold 2', 'phones', 6_999_00],
  ['TAB-10', 'Tablet 10"', 'tablets', 1_899_00], ['TAB-12P', 'Tablet Pro 12"', 'tablets', 4_199_00],
  ['WCH-S3', 'Smartwatch S3', 'wearables', 1_099_00], ['BUD-2', 'Earbuds 2', 'audio', 499_00], ['BUD-PRO', 'Earbuds Pro', 'audio', 899_00],
  ['SPK-M', 'Speaker Mini', 'audio', 249_00], ['CHG-65', 'Charger 65 W', 'accessories', 149_00], ['CBL-C2', 'USB-C cable 2 m', 'accessories', 59_00],
  ['CSE-X1', 'Case for Phone X1', 'accessories', 99_00], ['GLS-X1', 'Screen glass X1', 'accessories', 69_00], ['PWR-20', 'Power bank 20 Ah', 'accessories', 199_00],
  ['LAP-14', 'Laptop 14"', 'computers', 5_499_00], ['MSE-W', 'Wireless mouse', 'accessories', 129_00], ['KBD-W', 'Wireless keyboard', 'accessories', 249_00],
  ['CAM-H', 'Home camera', 'smart-home', 349_00], ['PLG-S', 'Smart plug', 'smart-home', 79_00],
];
const LOCATIONS: [string, string, LocationType][] = [
  ['WH-WAW', 'Warehouse Warszawa', LocationType.WAREHOUSE], ['WH-POZ', 'Warehouse Poznań', LocationType.WAREHOUSE],
  ['ST-WAW', 'Store Warszawa Centrum', LocationType.STORE], ['ST-KRK', 'Store Kraków Rynek', LocationType.STORE],
  ['ST-GDA', 'Store Gdańsk Oliwa', LocationType.STORE], ['ST-WRO', 'Store Wrocław Pasaż', LocationType.STORE],
];
const ORDER_CHANNELS = [Channel.WEB, Channel.WEB, Channel.MOBILE_APP, Channel.STORE, Channel.STORE, Channel.PHONE, Channel.MARKETPLACE];
const CONTACT_CHANNELS = [Channel.CHAT, Channel.EMAIL, Channel.PHONE, Channel.SOCIAL, Channel.CHATBOT, Channel.SMS];
const TOPICS = ['Where is my order?', 'Question about Phone X1 battery', 'Return of earbuds', 'Invoice request', 'Store pickup time', 'Warranty claim'];

const DAY = 86_400_000;

function ascii(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').toLowerCase();
}

/** Runs `jobs` with at most `concurrency` in flight, reporting progress. Fails on the first error. */
async function runAll(jobs: (() => Promise<unknown>)[], concurrency: number, phase: string, progress: (phase: string) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await job();
      progress(phase);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

function expectOk<T extends { userErrors?: unknown[] }>(what: string, result: T): T {
  if (result.userErrors?.length) throw new Error(`seed: ${what} failed: ${JSON.stringify(result.userErrors)}`);
  return result;
}

/** True when the database holds no customer yet (the `--demo` start seeds only then). */
export async function isEmpty(app: AppState): Promise<boolean> {
  const ctx = createContext(app, undefined);
  const row = await queryOne<{ any: boolean }>(ctx.em, 'select exists (select 1 from customer) as any');
  return !row?.any;
}

export async function seedDemo(app: AppState, options: SeedOptions = DEFAULT_SEED): Promise<SeedSummary> {
  const random = new Random(options.seed);
  const principal: Principal = { role: 'ADMIN', name: 'demo-seed', via: 'api-key' };
  // A fresh context per service call: loaders and identity maps never outlive one operation.
  const ctx = (): Context => createContext(app, principal);
  const now = Date.now();

  const customerCount = options.customers;
  const duplicates = Math.round(customerCount * 0.03);
  const orderCount = Math.round(customerCount * 2.5);
  const threadCount = Math.round(customerCount * 1.2);
  const total = PRODUCTS.length + LOCATIONS.length + PRODUCTS.length * LOCATIONS.length + 5 + 3 + customerCount + duplicates + orderCount + threadCount + customerCount;
  let done = 0;
  const progress = (phase: string) => options.onProgress?.(++done, total, phase);

  // Catalogue, locations, stock, agents, offers.
  for (const [sku, name, category, cents] of PRODUCTS) {
    expectOk('upsertProduct', { ...(await upsertProduct(ctx(), { sku, name, category, price: { amount: (cents / 100).toFixed(2), currencyCode: 'PLN' }, active: true })), userErrors: [] });
    progress('catalogue');
  }
  const locationIds: string[] = [];
  for (const [code, name, type] of LOCATIONS) {
    locationIds.push((await upsertLocation(ctx(), { code, name, type })).location.id);
    progress('locations');
  }
  await runAll(PRODUCTS.flatMap(([sku]) => locationIds.map((locationId, index) => () =>
    adjustStock(ctx(), { source: 'demo-seed', externalId: `stock-${sku}-${index}`, sku, locationId, delta: 400 + Math.floor(random.next() * 400), reason: 'opening stock' }))),
  options.concurrency, 'stock', progress);
  const agentIds: string[] = [];
  for (const name of ['Ala Agent', 'Bartek Support', 'Celina Care', 'Darek Desk', 'Ewa Expert']) {
    agentIds.push((await upsertAgent(ctx(), { name, email: `${ascii(name).replace(' ', '.')}@omni360.example` })).agent.id);
    progress('agents');
  }
  const offers = [
    { code: 'VIP10', title: '10% for our best customers', discountPercent: 10, segment: 'vip' },
    { code: 'PHONE150', title: '150 PLN off a new phone', discountAmount: { amount: '150.00', currencyCode: 'PLN' }, skus: ['PHN-X1', 'PHN-X1P', 'PHN-L5', 'PHN-F2'] },
    { code: 'WELCOME5', title: '5% on your first orders', discountPercent: 5, segment: 'new' },
  ];
  const offerIds: string[] = [];
  for (const offer of offers) {
    offerIds.push((await upsertOffer(ctx(), { ...offer, active: true })).offer.id);
    progress('offers');
  }

  // Customers: identities from several channels, some near-duplicates for duplicateCandidates.
  interface Person { first: string; last: string; city: string; email: string; phone: string | null; card: string | null; channel: Channel }
  const people: Person[] = Array.from({ length: customerCount }, (_, i) => {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    return {
      first, last, city: random.pick(CITIES),
      email: `${ascii(first)}.${ascii(last)}.${i}@example.com`,
      // Unique per person: 6xx xxx xxx mobile numbers written the way people type them.
      phone: random.next() < 0.7 ? `6${String(10_000_000 + i).slice(-8).replace(/(\d{2})(\d{3})(\d{3})/, '$1 $2 $3')}` : null,
      card: random.next() < 0.3 ? `PL-${String(100_000 + i)}` : null,
      channel: random.pick([Channel.WEB, Channel.STORE, Channel.MOBILE_APP, Channel.PHONE]),
    };
  });
  const customerIds: string[] = new Array(customerCount);
  await runAll(people.map((person, i) => async () => {
    const identities = [{ type: IdentityType.EMAIL, value: person.email }];
    if (person.phone) identities.push({ type: IdentityType.PHONE, value: person.phone });
    if (person.card) identities.push({ type: IdentityType.LOYALTY_CARD, value: person.card });
    const result = await identifyCustomer(ctx(), { identities, profile: { firstName: person.first, lastName: person.last, city: person.city, locale: 'pl-PL' }, channel: person.channel });
    customerIds[i] = result.customer.id;
  }), options.concurrency, 'customers', progress);
  // The same person again from another channel with another address: a candidate to merge.
  await runAll(people.slice(0, duplicates).map((person, i) => async () => {
    await identifyCustomer(ctx(), {
      identities: [{ type: IdentityType.EMAIL, value: `${ascii(person.first)[0]}${ascii(person.last)}.${i}@mail.example` }],
      profile: { firstName: person.first, lastName: person.last, city: person.city },
      channel: Channel.SOCIAL,
    });
  }), options.concurrency, 'duplicates', progress);

  // Orders across channels over the past year; some fulfilled, cancelled or returned.
  let orders = 0;
  await runAll(Array.from({ length: orderCount }, (_, i) => {
    const customerId = customerIds[Math.floor(random.next() * customerIds.length)];
    const channel = random.pick(ORDER_CHANNELS);
    const lines = Array.from({ length: 1 + Math.floor(random.next() * 3) }, () => ({ sku: random.pick(PRODUCTS)[0], quantity: 1 + Math.floor(random.next() * 2) }));
    const unique = [...new Map(lines.map((line) => [line.sku, line])).values()];
    const placedAt = new Date(now - Math.floor(random.next() * 360) * DAY - Math.floor(random.next() * DAY));
    const fate = random.next();
    const store = channel === Channel.STORE ? locationIds[2 + Math.floor(random.next() * 4)] : undefined;
    return async () => {
      const { order } = await placeOrder(ctx(), {
        source: channel === Channel.STORE ? 'pos' : 'shop', externalId: `demo-${i}`, channel, locationId: store,
        customer: { id: customerId }, lines: unique, placedAt,
      });
      orders++;
      if (fate < 0.6) await updateOrderStatus(ctx(), { orderId: order.id, status: OrderStatus.FULFILLED });
      else if (fate < 0.68) await updateOrderStatus(ctx(), { orderId: order.id, status: OrderStatus.CANCELLED });
      if (fate < 0.04) await updateOrderStatus(ctx(), { orderId: order.id, status: OrderStatus.RETURNED });
    };
  }), options.concurrency, 'orders', progress);

  // Conversations that cross channels: chat today, e-mail tomorrow, phone after; handed over, resolved.
  let interactions = 0;
  await runAll(Array.from({ length: threadCount }, (_, t) => {
    const customerId = customerIds[Math.floor(random.next() * customerIds.length)];
    const start = now - (1 + Math.floor(random.next() * 300)) * DAY;
    const steps = 1 + Math.floor(random.next() * 4);
    const channels = Array.from({ length: steps }, () => random.pick(CONTACT_CHANNELS));
    const topic = random.pick(TOPICS);
    const first = random.pick(agentIds);
    const second = agentIds[(agentIds.indexOf(first) + 1 + Math.floor(random.next() * (agentIds.length - 1))) % agentIds.length];
    const resolve = random.next() < 0.7;
    const handover = random.next() < 0.35;
    return async () => {
      let conversationId: string | undefined;
      for (let s = 0; s < steps; s++) {
        const inbound = s % 2 === 0;
        const { interaction } = await recordInteraction(ctx(), {
          source: 'contact-center', externalId: `demo-${t}-${s}`, channel: channels[s], direction: inbound ? Direction.INBOUND : Direction.OUTBOUND,
          customer: { id: customerId }, conversationId, newConversation: s === 0, agentId: inbound ? null : first,
          subject: s === 0 ? topic : null, body: inbound ? `${topic} (message ${s + 1})` : 'Thank you, we are on it.',
          occurredAt: new Date(start + s * (inbound ? 3 : 1) * 60_000 * (1 + (t % 30))),
        });
        conversationId = interaction.conversationId;
        interactions++;
        if (s === 0) await assignConversation(ctx(), { conversationId, agentId: first, note: 'First line' });
      }
      if (handover && conversationId) await assignConversation(ctx(), { conversationId, agentId: second, note: 'Needs a product specialist' });
      if (resolve && conversationId) await resolveConversation(ctx(), { conversationId });
    };
  }), options.concurrency, 'conversations', progress);

  // Consents and offer responses.
  let consents = 0;
  let responses = 0;
  await runAll(customerIds.map((customerId) => {
    const marketingEmail = random.next() < 0.6;
    const marketingSms = random.next() < 0.3;
    const respond = random.next() < 0.4;
    const kind = random.pick([OfferResponseKind.PRESENTED, OfferResponseKind.ACCEPTED, OfferResponseKind.DECLINED]);
    // PHONE150 is for everyone; segment offers are answered only where the customer qualifies.
    const offerId = offerIds[1];
    const channel = random.pick([Channel.WEB, Channel.EMAIL, Channel.STORE, Channel.MOBILE_APP]);
    return async () => {
      await recordConsent(ctx(), { customerId, purpose: ConsentPurpose.MARKETING, channel: Channel.EMAIL, granted: marketingEmail, source: Channel.WEB });
      await recordConsent(ctx(), { customerId, purpose: ConsentPurpose.SERVICE, channel: Channel.SMS, granted: true, source: Channel.STORE });
      consents += 2;
      if (marketingSms) {
        await recordConsent(ctx(), { customerId, purpose: ConsentPurpose.MARKETING, channel: Channel.SMS, granted: true, source: Channel.MOBILE_APP });
        consents++;
      }
      if (respond) {
        await respondToOffer(ctx(), { offerId, customerId, channel, response: kind });
        responses++;
      }
    };
  }), options.concurrency, 'consents and offers', progress);

  return {
    customers: customerCount + duplicates, duplicates, products: PRODUCTS.length, locations: LOCATIONS.length, agents: agentIds.length,
    offers: offerIds.length, orders, interactions, consents, offerResponses: responses,
  };
}
