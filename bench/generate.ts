import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { loadBenchConfig, type BenchConfig } from './bench-config';
import { databaseBytes, databaseExists, recreateDatabase, resolveBenchDatabase, templateUrlFor, type BenchDatabase } from './database';
import { Random } from '../src/common/prng';
import { copyInto, type CopyCell } from './copy-in';

/**
 * The deterministic dataset of `npm run bench`: the same BENCH_SCALE gives the same rows (ids
 * included) on every machine. Scale 1 = 10,000 customers with 1-3 identities, 100,000 orders of 3 lines,
 * 2,000 products, 20 locations with stock, 100,000 interactions in 40,000 conversations, 50 agents,
 * handovers, consents, offers and offer responses.
 *
 * It is loaded once per scale into a template beside the run database (`<database>_tpl` for scale 1,
 * `<database>_tpl_s10` for scale 10: database.ts, templateUrlFor) after omni360's own migrations:
 * generated in chunks and streamed with COPY, the indexes and keys built once afterwards. It is reused
 * while `bench.meta` records the same key: scale + the migration file names + this generator's source +
 * bench/backfill.sql. Every run then clones the template, so writes of scenario (d) never leak into the
 * next run.
 *
 *   npx ts-node --transpile-only bench/generate.ts                # generate (or confirm) the dataset alone
 *   BENCH_SCALES=1,10 npx ts-node --transpile-only bench/generate.ts   # both scales
 */

/** All times are relative to this fixed instant, so the data does not depend on the day it is built. */
export const ANCHOR_MS = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
const START_MS = ANCHOR_MS - 3 * 365 * DAY;

export interface DatasetSize {
  customers: number;
  identities: number;
  products: number;
  locations: number;
  stockLevels: number;
  orders: number;
  orderLines: number;
  conversations: number;
  interactions: number;
  agents: number;
  handovers: number;
  consents: number;
  offers: number;
  offerResponses: number;
}

export interface Dataset {
  generated: boolean;
  /** This run's time for the dataset: generation (when needed) and the clone. */
  seconds: number;
  /** What generating the template took when it was made (migrations, load, indexes, vacuum). */
  loadSeconds: number;
  /** Size of the template database. */
  bytes: number;
  size: DatasetSize;
  key: string;
}

type Cell = CopyCell;

/**
 * A chunk of rows of one table as the generator fills them (values in PostgreSQL's text input format).
 * A table comes in several chunks, interleaved with other tables' (foreign keys are off while loading),
 * so that memory holds one chunk per table, never a whole table. An `update` chunk sets its columns on
 * rows loaded before, matched by the first column (the id).
 */
interface TableRows {
  table: string;
  columns: string[];
  rows: Cell[][];
  update?: boolean;
}

/** Rows per chunk: one COPY each, a few MB of text. */
const CHUNK_ROWS = 20_000;

/** Collects the rows of one table and hands them out a chunk at a time. */
class Chunks {
  private rows: Cell[][] = [];

  constructor(
    readonly table: string,
    readonly columns: string[],
  ) {}

  push(row: Cell[]): void {
    this.rows.push(row);
  }

  get full(): boolean {
    return this.rows.length >= CHUNK_ROWS;
  }

  take(): TableRows {
    const chunk = { table: this.table, columns: this.columns, rows: this.rows };
    this.rows = [];
    return chunk;
  }
}

const FIRST_NAMES = ['Anna', 'Maria', 'Katarzyna', 'Małgorzata', 'Agnieszka', 'Barbara', 'Ewa', 'Krystyna', 'Magdalena', 'Joanna',
  'Zofia', 'Julia', 'Piotr', 'Krzysztof', 'Andrzej', 'Tomasz', 'Paweł', 'Jan', 'Michał', 'Marcin', 'Jakub', 'Adam', 'Łukasz',
  'Mateusz', 'Wojciech', 'Kamil', 'Oliwia', 'Natalia', 'Aleksandra', 'Marek', 'Emma', 'Olivia', 'Liam', 'Noah', 'Lena'];
const LAST_NAMES = ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański',
  'Woźniak', 'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur', 'Kwiatkowski', 'Krawczyk', 'Piotrowski', 'Grabowski', 'Nowakowski',
  'Pawłowski', 'Michalski', 'Król', 'Wieczorek', 'Jabłoński', 'Wróbel', 'Smith', 'Jones', 'Taylor', 'Brown', 'Müller'];
const CITIES = ['Warszawa', 'Kraków', 'Łódź', 'Wrocław', 'Poznań', 'Gdańsk', 'Szczecin', 'Bydgoszcz', 'Lublin', 'Białystok',
  'Katowice', 'Gdynia', 'Częstochowa', 'Radom', 'Toruń', 'Rzeszów', 'Kielce', 'Olsztyn', 'Opole', 'Zielona Góra'];
const ADJECTIVES = ['Classic', 'Urban', 'Smart', 'Eco', 'Compact', 'Premium', 'Sport', 'Vintage', 'Wireless', 'Organic', 'Travel', 'Pro'];
const NOUNS = ['Backpack', 'Kettle', 'Headphones', 'Jacket', 'Lamp', 'Sneakers', 'Mug', 'Blender', 'Watch', 'Scarf', 'Speaker',
  'Notebook', 'Bottle', 'Chair', 'Toaster', 'Sunglasses', 'Umbrella', 'Wallet', 'Pillow', 'Charger'];
const CATEGORIES = ['home', 'kitchen', 'fashion', 'shoes', 'electronics', 'sport', 'garden', 'toys', 'beauty', 'office', 'travel', 'books'];
const SUBJECTS = ['Where is my order?', 'Return request', 'Invoice copy', 'Change of delivery address', 'Question about a product',
  'Loyalty points missing', 'Complaint about a delivery', 'Store opening hours', 'Payment failed', 'Discount code does not work'];
const BODIES = ['Hello, I would like to know the status of order', 'Hi, the parcel arrived damaged, order', 'Could you send me the invoice for order',
  'Please change the delivery address of order', 'Is this product available in my size? I saw it with order',
  'Thank you for your help with order', 'We have refunded the amount of order', 'Your replacement is on its way for order'];
const ORDER_CHANNELS = [['WEB', 30], ['MOBILE_APP', 20], ['STORE', 30], ['PHONE', 8], ['MARKETPLACE', 12]] as const;
const CONTACT_CHANNELS = [['CHAT', 30], ['EMAIL', 25], ['PHONE', 20], ['SOCIAL', 10], ['SMS', 5], ['WEB', 5], ['CHATBOT', 3], ['VIDEO', 2]] as const;
const ALL_CHANNELS = ['WEB', 'MOBILE_APP', 'STORE', 'PHONE', 'EMAIL', 'CHAT', 'SMS', 'SOCIAL', 'CHATBOT', 'VIDEO', 'MARKETPLACE'];
const WRITER = 'bench-ingest';
const AGENT_WRITER = 'bench-agent';

const iso = (ms: number): string => new Date(ms).toISOString();
const ascii = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').toLowerCase();
const pgArray = (items: string[]): string => `{${items.join(',')}}`;

/** Permutation of 0..n-1, so that the customers who buy or contact most are spread over the id range. */
function permutation(n: number, random: Random): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const swap = out[i];
    out[i] = out[j];
    out[j] = swap;
  }
  return out;
}

/** The whole dataset for a scale, as rows per table, in insertion (foreign-key) order. */
export function* generateTables(scale: number): Generator<TableRows> {
  const nCustomers = Math.max(10, Math.round(10_000 * scale));
  const nProducts = Math.max(20, Math.round(2_000 * scale));
  const nOrders = Math.max(10, Math.round(100_000 * scale));
  const nConversations = Math.max(10, Math.round(40_000 * scale));
  const nInteractions = Math.max(nConversations, Math.round(100_000 * scale));
  const nAgents = 50;

  // Agents ------------------------------------------------------------------------------------------
  const agentRandom = new Random('agents');
  const agents: string[] = [];
  const agentRows: Cell[][] = [];
  for (let i = 0; i < nAgents; i++) {
    const id = agentRandom.id('agt', START_MS - 60 * DAY + i * 1000);
    agents.push(id);
    const first = agentRandom.pick(FIRST_NAMES);
    const last = agentRandom.pick(LAST_NAMES);
    agentRows.push([id, `agent${String(i + 1).padStart(2, '0')}@omni360.example`, `${first} ${last}`, iso(START_MS - 60 * DAY), iso(START_MS - 60 * DAY)]);
  }
  yield { table: 'agent', columns: ['id', 'email', 'name', 'created_at', 'updated_at'], rows: agentRows };

  // Locations: 4 warehouses, 16 stores -------------------------------------------------------------
  const locationRandom = new Random('locations');
  const warehouses: string[] = [];
  const stores: string[] = [];
  const locationRows: Cell[][] = [];
  for (let i = 0; i < 20; i++) {
    const warehouse = i < 4;
    const id = locationRandom.id('loc', START_MS - 90 * DAY + i * 1000);
    (warehouse ? warehouses : stores).push(id);
    const code = warehouse ? `WH-${String(i + 1).padStart(2, '0')}` : `ST-${String(i - 3).padStart(2, '0')}`;
    const name = warehouse ? `Warehouse ${CITIES[i]}` : `Store ${CITIES[i]}`;
    locationRows.push([id, code, name, warehouse ? 'WAREHOUSE' : 'STORE', iso(START_MS - 90 * DAY), iso(START_MS - 90 * DAY)]);
  }
  yield { table: 'location', columns: ['id', 'code', 'name', 'type', 'created_at', 'updated_at'], rows: locationRows };

  // Products and stock -----------------------------------------------------------------------------
  const productRandom = new Random('products');
  const products: { id: string; sku: string; priceCents: number }[] = [];
  const productRows: Cell[][] = [];
  for (let i = 0; i < nProducts; i++) {
    const id = productRandom.id('prd', START_MS - 80 * DAY + i * 10);
    const sku = `SKU-${String(i + 1).padStart(5, '0')}`;
    const name = `${productRandom.pick(ADJECTIVES)} ${productRandom.pick(NOUNS)} ${i + 1}`;
    // Log-normal-ish prices between 2.99 and 999.99, ending in .99.
    const raw = Math.exp(Math.log(8_000) + 1.1 * (productRandom.next() + productRandom.next() + productRandom.next() - 1.5));
    const priceCents = Math.min(99_999, Math.max(299, Math.floor(raw / 100) * 100 + 99));
    products.push({ id, sku, priceCents });
    productRows.push([id, sku, name, productRandom.pick(CATEGORIES), priceCents, 'PLN', !productRandom.chance(0.03),
      `${sku} ${name}`.toLowerCase(), WRITER, iso(START_MS - 80 * DAY), iso(START_MS - 80 * DAY)]);
  }
  yield {
    table: 'product',
    columns: ['id', 'sku', 'name', 'category', 'price_cents', 'currency', 'active', 'search_text', 'created_by', 'created_at', 'updated_at'],
    rows: productRows,
  };

  const stockRandom = new Random('stock');
  const stockRows = new Chunks('stock_level', ['product_id', 'location_id', 'on_hand', 'reserved', 'updated_at']);
  const movementRows = new Chunks('stock_movement', ['id', 'source', 'external_id', 'request_hash', 'product_id', 'location_id', 'delta_on_hand',
    'delta_reserved', 'kind', 'reason', 'order_id', 'created_by', 'created_at']);
  for (const product of products) {
    for (const location of [...warehouses, ...stores]) {
      const onHand = stockRandom.chance(0.1) ? 0 : stockRandom.int(1, 200);
      stockRows.push([product.id, location, onHand, 0, iso(START_MS - 30 * DAY)]);
      // The ledger matches stock_level: one initial adjustment per (product, location).
      movementRows.push([stockRandom.id('stm', START_MS - 30 * DAY), 'bench-seed', `seed-${product.sku}-${location}`, stockRandom.hex64(),
        product.id, location, onHand, 0, 'ADJUSTMENT', 'initial stock count', null, WRITER, iso(START_MS - 30 * DAY)]);
    }
    if (stockRows.full) yield stockRows.take();
    if (movementRows.full) yield movementRows.take();
  }
  yield stockRows.take();
  yield movementRows.take();

  // Offers: six current (four segments, one for everyone on listed skus, one not yet valid), two not --
  const offerRandom = new Random('offers');
  const offerSpecs: { code: string; title: string; bp: number | null; amount: number | null; skus: string[]; segment: string | null;
    validFrom: number | null; validTo: number | null; active: boolean }[] = [
    { code: 'WELCOME10', title: '10 % off your first order', bp: 1000, amount: null, skus: [], segment: 'new', validFrom: null, validTo: null, active: true },
    { code: 'VIP15', title: '15 % off for our best customers', bp: 1500, amount: null, skus: [], segment: 'vip', validFrom: null, validTo: null, active: true },
    { code: 'COMEBACK20', title: 'We miss you: 20 % off', bp: 2000, amount: null, skus: [], segment: 'lapsed', validFrom: null, validTo: null, active: true },
    { code: 'OMNI5', title: '5 % off for shopping everywhere', bp: 500, amount: null, skus: [], segment: 'omnichannel', validFrom: null, validTo: null, active: true },
    { code: 'SPRING10PLN', title: '10.00 PLN off selected products', bp: null, amount: 1000,
      skus: products.slice(0, Math.min(50, products.length)).map((product) => product.sku), segment: null, validFrom: null, validTo: null, active: true },
    { code: 'NEXTYEAR', title: 'Preview: 25 % off next season', bp: 2500, amount: null, skus: [], segment: null,
      validFrom: Date.UTC(2030, 0, 1), validTo: null, active: true },
    { code: 'SUMMER2025', title: 'Summer sale 2025', bp: 3000, amount: null, skus: [], segment: null, validFrom: null, validTo: ANCHOR_MS - 400 * DAY, active: true },
    { code: 'PAUSED', title: 'Paused campaign', bp: 1200, amount: null, skus: [], segment: null, validFrom: null, validTo: null, active: false },
  ];
  const offers = offerSpecs.map((spec, index) => ({ ...spec, id: offerRandom.id('ofr', START_MS - 20 * DAY + index * 1000) }));
  const currentOffers = offers.filter((offer) => offer.active && (offer.validTo === null || offer.validTo > ANCHOR_MS));
  yield {
    table: 'offer',
    columns: ['id', 'code', 'title', 'discount_basis_points', 'discount_amount_cents', 'discount_currency', 'skus', 'segment', 'valid_from',
      'valid_to', 'active', 'created_at', 'updated_at'],
    rows: offers.map((offer) => [offer.id, offer.code, offer.title, offer.bp, offer.amount, offer.amount === null ? null : 'PLN', pgArray(offer.skus),
      offer.segment, offer.validFrom === null ? null : iso(offer.validFrom), offer.validTo === null ? null : iso(offer.validTo), offer.active,
      iso(START_MS - 20 * DAY), iso(START_MS - 20 * DAY)]),
  };
  const vipOffer = offers[1];

  // Customers and identities -----------------------------------------------------------------------
  const customerRandom = new Random('customers');
  const createdAt = Array.from({ length: nCustomers }, () => START_MS + customerRandom.next() * (ANCHOR_MS - 2 * DAY - START_MS)).sort((a, b) => a - b);
  const customers: { id: string; createdAt: number }[] = [];
  const customerRows = new Chunks('customer', ['id', 'first_name', 'last_name', 'locale', 'city', 'status', 'merged_into_id', 'search_text',
    'created_by', 'created_at', 'updated_at', 'erased_at']);
  const identityRows = new Chunks('identity', ['id', 'customer_id', 'type', 'system', 'value', 'verified', 'first_seen_channel', 'added_at']);
  for (let i = 0; i < nCustomers; i++) {
    const id = customerRandom.id('cus', createdAt[i]);
    customers.push({ id, createdAt: createdAt[i] });
    const first = customerRandom.pick(FIRST_NAMES);
    const last = customerRandom.pick(LAST_NAMES);
    const city = customerRandom.pick(CITIES);
    const locale = customerRandom.weighted([['pl-PL', 85], ['en-GB', 10], [null, 5]] as const);
    const values: string[] = [];
    let addedAt = createdAt[i];
    const identity = (type: string, system: string, value: string) => {
      identityRows.push([customerRandom.id('idn', addedAt), id, type, system, value, customerRandom.chance(0.6),
        customerRandom.pick(ALL_CHANNELS), iso(addedAt)]);
      values.push(value);
      addedAt += customerRandom.int(1, 400) * DAY / 10;
    };
    if (customerRandom.chance(0.95)) identity('EMAIL', '', `${ascii(first)}.${ascii(last)}.${i + 1}@example.com`);
    if (customerRandom.chance(0.65) || values.length === 0) identity('PHONE', '', `+48${500_000_000 + i}`);
    if (customerRandom.chance(0.3)) identity('LOYALTY_CARD', '', `LC${1_000_000_000 + i}`);
    if (customerRandom.chance(0.1)) identity('SOCIAL', customerRandom.pick(['facebook', 'instagram']), `${ascii(first)}${ascii(last)}${i + 1}`);
    customerRows.push([id, first, last, locale, city, 'ACTIVE', null, [first, last, city, ...values].join(' ').toLowerCase(), WRITER,
      iso(createdAt[i]), iso(createdAt[i]), null]);
    if (customerRows.full) yield customerRows.take();
    if (identityRows.full) yield identityRows.take();
  }
  yield customerRows.take();
  yield identityRows.take();

  const consentRandom = new Random('consents');
  const consentRows = new Chunks('consent', ['id', 'customer_id', 'purpose', 'channel', 'granted', 'source', 'recorded_by', 'recorded_at']);
  for (const customer of customers) {
    if (!consentRandom.chance(0.35)) continue;
    let at = customer.createdAt + consentRandom.int(0, 30) * DAY;
    for (const channel of ['EMAIL', 'SMS', 'PHONE']) {
      if (!consentRandom.chance(0.6)) continue;
      consentRows.push([consentRandom.id('cns', at), customer.id, 'MARKETING', channel, consentRandom.chance(0.7), consentRandom.pick(['WEB', 'STORE', 'MOBILE_APP']),
        AGENT_WRITER, iso(at)]);
      at += 1000;
    }
    if (consentRandom.chance(0.2)) {
      consentRows.push([consentRandom.id('cns', at), customer.id, 'PROFILING', 'WEB', consentRandom.chance(0.5), 'WEB', AGENT_WRITER, iso(at)]);
    }
    if (consentRows.full) yield consentRows.take();
  }
  yield consentRows.take();

  // Orders: skewed over customers (some buy often), 3 % guests --------------------------------------
  const orderRandom = new Random('orders');
  const buyers = permutation(nCustomers, orderRandom);
  const orderRows = new Chunks('order', ['id', 'source', 'external_id', 'request_hash', 'channel', 'location_id', 'customer_id', 'status',
    'placed_at', 'currency', 'subtotal_cents', 'discount_cents', 'total_cents', 'guest_identities', 'reserves_stock', 'imported', 'created_by',
    'created_at', 'updated_at']);
  const lineRows = new Chunks('order_line', ['id', 'order_id', 'line_no', 'product_id', 'sku', 'quantity', 'unit_price_cents', 'discount_cents',
    'total_cents', 'offer_id']);
  for (let j = 0; j < nOrders; j++) {
    const guest = orderRandom.chance(0.03);
    const customer = guest ? null : customers[buyers[Math.floor(nCustomers * orderRandom.next() ** 1.25)]];
    const from = customer ? customer.createdAt : START_MS;
    const placedAt = from + orderRandom.next() * (ANCHOR_MS - from);
    const channel = orderRandom.weighted(ORDER_CHANNELS);
    const location = channel === 'STORE' ? orderRandom.pick(stores) : orderRandom.chance(0.8) ? orderRandom.pick(warehouses) : null;
    const status = placedAt > ANCHOR_MS - 7 * DAY
      ? orderRandom.weighted([['PLACED', 60], ['FULFILLED', 40]] as const)
      : orderRandom.weighted([['FULFILLED', 86], ['CANCELLED', 7], ['RETURNED', 7]] as const);
    const id = orderRandom.id('ord', placedAt);
    let subtotal = 0;
    let discount = 0;
    const used = new Set<number>();
    for (let lineNo = 1; lineNo <= 3; lineNo++) {
      let index = orderRandom.int(0, products.length - 1);
      while (used.has(index)) index = (index + 1) % products.length;
      used.add(index);
      const product = products[index];
      const quantity = orderRandom.weighted([[1, 70], [2, 20], [3, 10]] as const);
      const gross = product.priceCents * quantity;
      const withOffer = orderRandom.chance(0.04);
      const lineDiscount = withOffer ? Math.floor((gross * (vipOffer.bp ?? 0) + 5_000) / 10_000) : 0;
      subtotal += gross;
      discount += lineDiscount;
      lineRows.push([orderRandom.id('orl', placedAt), id, lineNo, product.id, product.sku, quantity, product.priceCents, lineDiscount,
        gross - lineDiscount, withOffer ? vipOffer.id : null]);
    }
    const guestIdentities = guest ? JSON.stringify([{ type: 'EMAIL', system: '', value: `guest${j + 1}@example.com` }]) : null;
    orderRows.push([id, 'bench-import', `B-${j + 1}`, orderRandom.hex64(), channel, location, customer?.id ?? null, status, iso(placedAt), 'PLN',
      subtotal, discount, subtotal - discount, guestIdentities, false, true, WRITER, iso(placedAt), iso(placedAt)]);
    if (orderRows.full) yield orderRows.take();
    if (lineRows.full) yield lineRows.take();
  }
  yield orderRows.take();
  yield lineRows.take();

  const responseRandom = new Random('offer-responses');
  const responseRows: Cell[][] = [];
  for (const customer of customers) {
    if (!responseRandom.chance(0.15)) continue;
    for (let k = responseRandom.int(1, 3); k > 0; k--) {
      const at = ANCHOR_MS - responseRandom.next() * 60 * DAY;
      responseRows.push([responseRandom.id('ofs', at), responseRandom.pick(currentOffers).id, customer.id, responseRandom.pick(['WEB', 'EMAIL', 'STORE', 'MOBILE_APP']),
        responseRandom.weighted([['PRESENTED', 50], ['ACCEPTED', 20], ['DECLINED', 30]] as const), AGENT_WRITER, iso(at)]);
    }
  }
  yield { table: 'offer_response', columns: ['id', 'offer_id', 'customer_id', 'channel', 'response', 'responded_by', 'responded_at'], rows: responseRows };

  // Conversations with their interactions and handovers ---------------------------------------------
  const contactRandom = new Random('interactions');
  const contacts = permutation(nCustomers, contactRandom);
  const perConversation = new Int32Array(nConversations).fill(1);
  for (let k = nConversations; k < nInteractions; k++) perConversation[contactRandom.int(0, nConversations - 1)]++;
  /** What the reopening below needs of a customer's latest conversation (its rows are loaded by then). */
  interface Latest { id: string; openedAt: number; lastDirection: string }
  const conversationRows = new Chunks('conversation', ['id', 'customer_id', 'status', 'subject', 'channels', 'assignee_id', 'opened_at',
    'last_activity_at', 'first_inbound_at', 'first_inbound_channel', 'first_response_at', 'resolved_at', 'first_resolved_at', 'reopen_count',
    'created_by', 'created_at', 'updated_at']);
  const interactionRows = new Chunks('interaction', ['id', 'source', 'external_id', 'channel', 'direction', 'customer_id', 'conversation_id',
    'agent_id', 'subject', 'body', 'occurred_at', 'input_hash', 'created_by', 'recorded_at']);
  const handoverRows = new Chunks('handover', ['id', 'conversation_id', 'customer_id', 'from_agent_id', 'to_agent_id', 'note', 'at', 'created_by']);
  const latestOfCustomer = new Map<string, Latest>();
  let externalId = 0;
  for (let c = 0; c < nConversations; c++) {
    const customer = customers[contacts[Math.floor(nCustomers * contactRandom.next() ** 1.15)]];
    const openedAt = customer.createdAt + contactRandom.next() * Math.max(DAY, ANCHOR_MS - 5 * DAY - customer.createdAt);
    const id = contactRandom.id('cnv', openedAt);
    const assignee = contactRandom.chance(0.75) ? contactRandom.pick(agents) : null;
    let channel = contactRandom.weighted(CONTACT_CHANNELS);
    const channels: string[] = [];
    let at = openedAt;
    let direction = contactRandom.chance(0.9) ? 'INBOUND' : 'OUTBOUND';
    let subject: string | null = null;
    let firstInboundAt: number | null = null;
    let firstInboundChannel: string | null = null;
    let firstResponseAt: number | null = null;
    for (let k = 0; k < perConversation[c]; k++) {
      if (k > 0) {
        at = Math.min(ANCHOR_MS, at + contactRandom.int(2, 2_880) * 60_000);
        if (contactRandom.chance(0.15)) channel = contactRandom.weighted(CONTACT_CHANNELS);
        direction = contactRandom.chance(0.75) ? (direction === 'INBOUND' ? 'OUTBOUND' : 'INBOUND') : direction;
      }
      if (!channels.includes(channel)) channels.push(channel);
      if (direction === 'INBOUND' && firstInboundAt === null) {
        firstInboundAt = at;
        firstInboundChannel = channel;
      }
      if (direction === 'OUTBOUND' && firstInboundAt !== null && firstResponseAt === null) firstResponseAt = at;
      const interactionSubject = k === 0 ? contactRandom.pick(SUBJECTS) : null;
      subject ??= interactionSubject;
      externalId++;
      interactionRows.push([contactRandom.id('int', at), 'bench-import', `I-${externalId}`, channel, direction, customer.id, id,
        direction === 'OUTBOUND' ? (assignee ?? contactRandom.pick(agents)) : null, interactionSubject,
        `${contactRandom.pick(BODIES)} B-${contactRandom.int(1, nOrders)}.`, iso(at), contactRandom.hex64(), WRITER, iso(at)]);
    }
    // Every conversation is resolved here; the latest one of some customers is reopened below.
    const resolvedAt = at + contactRandom.int(1, 120) * 60_000;
    conversationRows.push([id, customer.id, 'RESOLVED', subject, pgArray(channels), assignee, iso(openedAt), iso(at),
      firstInboundAt === null ? null : iso(firstInboundAt), firstInboundChannel, firstResponseAt === null ? null : iso(firstResponseAt),
      iso(resolvedAt), iso(resolvedAt), 0, WRITER, iso(openedAt), iso(at)]);
    const latest = latestOfCustomer.get(customer.id);
    if (!latest || latest.openedAt < openedAt) latestOfCustomer.set(customer.id, { id, openedAt, lastDirection: direction });
    if (assignee) {
      let handoverAt = openedAt + 60_000;
      let from: string | null = null;
      if (contactRandom.chance(0.2)) {
        from = contactRandom.pick(agents.filter((agent) => agent !== assignee));
        handoverRows.push([contactRandom.id('hnd', handoverAt), id, customer.id, null, from, null, iso(handoverAt), AGENT_WRITER]);
        handoverAt += 30 * 60_000;
      }
      handoverRows.push([contactRandom.id('hnd', handoverAt), id, customer.id, from, assignee,
        contactRandom.chance(0.15) ? 'Customer asked for a call back tomorrow morning.' : null, iso(handoverAt), AGENT_WRITER]);
    }
    if (conversationRows.full) yield conversationRows.take();
    if (interactionRows.full) yield interactionRows.take();
    if (handoverRows.full) yield handoverRows.take();
  }
  yield conversationRows.take();
  yield interactionRows.take();
  yield handoverRows.take();
  // A customer has at most one open conversation (recordInteraction attaches to it): some latest ones,
  // reopened in place (their rows are already loaded).
  const reopened = new Chunks('conversation', ['id', 'status', 'resolved_at', 'first_resolved_at']);
  for (const latest of latestOfCustomer.values()) {
    if (!contactRandom.chance(0.3)) continue;
    reopened.push([latest.id, latest.lastDirection === 'INBOUND' ? 'OPEN' : 'PENDING', null, null]);
  }
  yield { ...reopened.take(), update: true };
}

interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
}

async function tableColumns(client: Client, table: string): Promise<Map<string, ColumnInfo>> {
  const result = await client.query<ColumnInfo>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull",
            (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as "hasDefault"
       from pg_attribute a
      where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`,
    [`public."${table}"`],
  );
  return new Map(result.rows.map((row) => [row.name, row]));
}

/**
 * The generator's columns against the live schema, before a table's first chunk: a migration that adds
 * a required column the generator does not fill stops the load with that column's name.
 */
async function checkColumns(client: Client, data: TableRows): Promise<Map<string, ColumnInfo>> {
  const columns = await tableColumns(client, data.table);
  if (columns.size === 0) throw new Error(`table "${data.table}" does not exist: update bench/generate.ts to the current migrations`);
  const unknown = data.columns.filter((column) => !columns.has(column));
  if (unknown.length) throw new Error(`table "${data.table}" has no column(s) ${unknown.join(', ')}: update bench/generate.ts`);
  const missing = [...columns.values()].filter((column) => column.notNull && !column.hasDefault && !data.columns.includes(column.name));
  if (missing.length) {
    throw new Error(`table "${data.table}" has required column(s) ${missing.map((column) => column.name).join(', ')} the generator does not fill: update bench/generate.ts`);
  }
  return columns;
}

/** Sets the chunk's columns on the rows loaded before, matched by the first column (the id). */
async function updateRows(client: Client, columns: Map<string, ColumnInfo>, data: TableRows): Promise<void> {
  const [key, ...rest] = data.columns;
  const set = rest.map((column, index) => `"${column}" = u.c${index + 1}::${columns.get(column)!.type}`).join(', ');
  const names = data.columns.map((_, index) => `c${index}`).join(', ');
  await client.query(
    `update public."${data.table}" as t set ${set}
       from unnest(${data.columns.map((_, index) => `$${index + 1}::text[]`).join(', ')}) as u(${names})
      where t."${key}" = u.c0::${columns.get(key)!.type}`,
    data.columns.map((_, index) => data.rows.map((row) => (row[index] === null ? null : String(row[index])))),
  );
}

/** Every table the generator fills: their indexes and keys are built once after the load, not row by row. */
const GENERATED_TABLES = ['agent', 'location', 'product', 'stock_level', 'stock_movement', 'offer', 'customer', 'identity', 'consent', 'order',
  'order_line', 'offer_response', 'conversation', 'interaction', 'handover'];

/**
 * Drops the indexes, primary and unique keys of the generated tables and every foreign key that
 * touches them, and returns the statements that recreate them exactly (names and definitions from the
 * catalog, so whatever the migrations made comes back): an index built once over sorted rows costs a
 * fraction of 1,000,000 random insertions into it. Keys and indexes first, foreign keys last (each
 * validated once over the whole table).
 */
async function dropIndexes(client: Client): Promise<string[]> {
  const oids = (await client.query<{ oid: number }>(
    `select oid from pg_class where relnamespace = 'public'::regnamespace and relname = any($1)`, [GENERATED_TABLES])).rows.map((row) => row.oid);
  const foreign = (await client.query<{ tbl: string; name: string; def: string }>(
    `select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
       from pg_constraint where contype = 'f' and (conrelid = any($1::oid[]) or confrelid = any($1::oid[])) order by oid`, [oids])).rows;
  const keys = (await client.query<{ tbl: string; name: string; def: string }>(
    `select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
       from pg_constraint where contype in ('p', 'u', 'x') and conrelid = any($1::oid[]) order by oid`, [oids])).rows;
  const indexes = (await client.query<{ name: string; def: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
      where i.indrelid = any($1::oid[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u', 'x'))
      order by i.indexrelid`, [oids])).rows;
  const name = (text: string) => `"${text.replace(/"/g, '""')}"`;
  for (const constraint of foreign) await client.query(`alter table ${constraint.tbl} drop constraint ${name(constraint.name)}`);
  for (const constraint of keys) await client.query(`alter table ${constraint.tbl} drop constraint ${name(constraint.name)}`);
  for (const index of indexes) await client.query(`drop index ${index.name}`);
  return [
    ...keys.map((constraint) => `alter table ${constraint.tbl} add constraint ${name(constraint.name)} ${constraint.def}`),
    ...indexes.map((index) => index.def),
    ...foreign.map((constraint) => `alter table ${constraint.tbl} add constraint ${name(constraint.name)} ${constraint.def}`),
  ];
}

/**
 * Streams the generated chunks into the database: COPY for rows, one update per `update` chunk. Memory
 * holds the chunk being loaded and the generator's per-customer state, never a whole table.
 */
async function loadTables(client: Client, scale: number, log: (message: string) => void): Promise<DatasetSize> {
  const size = {} as DatasetSize;
  const columnsOf = new Map<string, Map<string, ColumnInfo>>();
  const perTable = new Map<string, { rows: number; ms: number }>();
  let loaded = 0;
  let lastLog = Date.now();
  for (const data of generateTables(scale)) {
    if (!GENERATED_TABLES.includes(data.table)) throw new Error(`bench/generate.ts: add "${data.table}" to GENERATED_TABLES`);
    if (data.rows.length === 0) continue;
    const chunkStarted = Date.now();
    let columns = columnsOf.get(data.table);
    if (!columns) {
      columns = await checkColumns(client, data);
      columnsOf.set(data.table, columns);
    }
    if (data.update) {
      await updateRows(client, columns, data);
    } else {
      await copyInto(client, data.table, data.columns, data.rows);
      const sizeKey = SIZE_OF_TABLE[data.table];
      if (sizeKey) size[sizeKey] = (size[sizeKey] ?? 0) + data.rows.length;
      loaded += data.rows.length;
    }
    const table = perTable.get(data.table) ?? { rows: 0, ms: 0 };
    table.rows += data.update ? 0 : data.rows.length;
    table.ms += Date.now() - chunkStarted;
    perTable.set(data.table, table);
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`  ${loaded.toLocaleString('en-US')} rows so far (heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB)`);
    }
  }
  for (const [table, { rows, ms }] of perTable) log(`  ${table}: ${rows.toLocaleString('en-US')} rows, ${(ms / 1000).toFixed(1)} s in PostgreSQL`);
  return size;
}

function sha(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the dataset depends on: regenerate when any of it changes. */
export function datasetKey(config: BenchConfig): string {
  const migrations = fs.readdirSync(path.join(config.repoDir, 'migrations')).filter((name) => /\.(ts|js)$/.test(name)).sort();
  const backfill = path.join(config.benchDir, 'backfill.sql');
  return sha(JSON.stringify({
    scale: config.scale,
    migrations,
    generator: sha(fs.readFileSync(path.join(config.benchDir, 'generate.ts'))),
    copy: sha(fs.readFileSync(path.join(config.benchDir, 'copy-in.ts'))),
    prng: sha(fs.readFileSync(path.join(config.repoDir, 'src', 'common', 'prng.ts'))),
    backfill: fs.existsSync(backfill) ? sha(fs.readFileSync(backfill)) : null,
  }));
}

/**
 * omni360's own migrations, through its migrate CLI: the built one when run.ts has a build (seconds),
 * else through ts-node (slower: it compiles every module on the way).
 */
async function runMigrations(config: BenchConfig, url: string, build?: Promise<string>): Promise<void> {
  const builtCli = build ? path.join(path.dirname(await build), 'database', 'migrate-cli.js') : undefined;
  const args = builtCli && fs.existsSync(builtCli) ? [builtCli, 'up'] : ['-r', 'ts-node/register/transpile-only', 'src/database/migrate-cli.ts', 'up'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: config.repoDir,
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrations failed (exit ${code}):\n${output.slice(-3000)}`))));
  });
}

async function readMeta(url: string): Promise<{ key: string; size: DatasetSize; loadSeconds: number } | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(`select key, size, load_seconds as "loadSeconds" from bench.meta limit 1`);
    return result.rows[0];
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

const SIZE_OF_TABLE: Record<string, keyof DatasetSize> = {
  agent: 'agents', location: 'locations', product: 'products', stock_level: 'stockLevels', offer: 'offers', customer: 'customers',
  identity: 'identities', consent: 'consents', order: 'orders', order_line: 'orderLines', offer_response: 'offerResponses',
  conversation: 'conversations', interaction: 'interactions', handover: 'handovers',
};

/**
 * Makes sure the scale's template (`templateUrlFor`) holds the dataset of this scale and these
 * migrations, generating it when not, and clones it into the run database.
 */
export async function ensureDataset(config: BenchConfig, db: BenchDatabase, log: (message: string) => void, build?: Promise<string>): Promise<Dataset> {
  const started = Date.now();
  const key = datasetKey(config);
  const templateUrl = templateUrlFor(db, config.scale);
  const shown = templateUrl.replace(/\/\/[^@]*@/, '//');
  const existing = (await databaseExists(templateUrl)) ? await readMeta(templateUrl) : undefined;
  let generated = false;
  let size: DatasetSize;
  let loadSeconds: number;
  if (existing?.key === key) {
    size = existing.size;
    loadSeconds = existing.loadSeconds;
    log(`dataset: reusing ${shown} (scale ${config.scale})`);
  } else {
    log(`dataset: generating scale ${config.scale} into ${shown}${existing ? ' (key changed)' : ''}`);
    await recreateDatabase(templateUrl);
    const migrationsStarted = Date.now();
    await runMigrations(config, templateUrl, build);
    log(`  migrations applied in ${((Date.now() - migrationsStarted) / 1000).toFixed(1)} s`);
    const client = new Client({ connectionString: templateUrl });
    await client.connect();
    try {
      // A bulk load of generated data: losing it in a crash costs a regeneration, nothing more.
      await client.query(`set synchronous_commit = off`);
      // The index builds after the load sort in memory rather than in temporary files.
      await client.query(`set maintenance_work_mem = '512MB'`);
      // Foreign keys are dropped for the load (dropIndexes) and validated once at the end; a trigger a
      // migration may add does not fire for generated rows either (superuser only, as pg_restore
      // --disable-triggers): the rows are consistent by construction.
      await client.query(`set session_replication_role = replica`).catch(() => log('  (not a superuser: triggers stay on while loading)'));
      const recreate = await dropIndexes(client);
      const loadStarted = Date.now();
      size = await loadTables(client, config.scale, log);
      log(`  rows loaded in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
      const indexStarted = Date.now();
      for (const statement of recreate) await client.query(statement);
      log(`  ${recreate.length} indexes and keys rebuilt in ${((Date.now() - indexStarted) / 1000).toFixed(1)} s`);
      const backfill = path.join(config.benchDir, 'backfill.sql');
      if (fs.existsSync(backfill)) {
        const sql = fs.readFileSync(backfill, 'utf8');
        if (sql.replace(/--.*$/gm, '').trim()) {
          const backfillStarted = Date.now();
          await client.query(sql);
          log(`  bench/backfill.sql in ${((Date.now() - backfillStarted) / 1000).toFixed(1)} s`);
        }
      }
      await client.query(`set session_replication_role = origin`).catch(() => undefined);
      const vacuumStarted = Date.now();
      await client.query('vacuum (analyze)');
      log(`  vacuum (analyze) in ${((Date.now() - vacuumStarted) / 1000).toFixed(1)} s`);
      loadSeconds = (Date.now() - started) / 1000;
      await client.query(`create schema bench`);
      await client.query(`create table bench.meta (key text not null, size jsonb not null, load_seconds real not null, generated_at timestamptz not null default now())`);
      await client.query(`insert into bench.meta (key, size, load_seconds) values ($1, $2, $3)`, [key, JSON.stringify(size), loadSeconds]);
    } finally {
      await client.end();
    }
    generated = true;
  }
  const bytes = await databaseBytes(templateUrl);
  const cloneStarted = Date.now();
  await recreateDatabase(db.url, templateUrl);
  const cloneSeconds = (Date.now() - cloneStarted) / 1000;
  const warmed = await prewarm(db.url);
  const seconds = (Date.now() - started) / 1000;
  log(`dataset: ${generated ? `generated in ${loadSeconds.toFixed(0)} s` : 'reused'}, ${(bytes / 2 ** 30).toFixed(2)} GiB, cloned into ${db.url.replace(/\/\/[^@]*@/, '//')} in ${cloneSeconds.toFixed(1)} s, read once (${warmed}) in ${((Date.now() - cloneStarted) / 1000 - cloneSeconds).toFixed(1)} s`);
  return { generated, seconds, loadSeconds, bytes, size, key };
}

/**
 * Reads every table and index of the fresh clone once, into the operating system's page cache, before
 * anything is measured: a clone has files of its own, and without this the first page of the run to
 * touch a table (at scale 10, 3.8 GiB) measured the disk for whichever implementation came first.
 * pg_prewarm's `read` mode when the server has the extension (created in a schema of its own and
 * dropped again, so no implementation sees it), else a sequential count of each table (heaps only).
 * Returns how it read.
 */
async function prewarm(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const relations = `select c.oid::regclass as name, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'i', 'm', 't') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;
    try {
      await client.query('create schema bench_prewarm');
      await client.query('create extension pg_prewarm schema bench_prewarm');
    } catch {
      await client.query('drop schema if exists bench_prewarm cascade');
      const tables = (await client.query<{ name: string }>(`select name::text from (${relations}) r where relkind = 'r'`)).rows;
      for (const table of tables) await client.query(`select count(*) from ${table.name}`);
      return `counted ${tables.length} tables`;
    }
    try {
      const { rows } = await client.query<{ blocks: string; relations: string }>(
        `select coalesce(sum(bench_prewarm.pg_prewarm(name, 'read')), 0) as blocks, count(*) as relations from (${relations}) r`,
      );
      return `pg_prewarm: ${rows[0].relations} relations, ${rows[0].blocks} blocks`;
    } finally {
      await client.query('drop schema bench_prewarm cascade');
    }
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const config = loadBenchConfig();
  const log = (message: string) => console.log(message);
  resolveBenchDatabase(config.databaseUrl, config.benchDir, log, config.embedded)
    .then(async (db) => {
      try {
        for (const scale of config.scales) {
          const dataset = await ensureDataset({ ...config, scale }, db, log);
          console.log(JSON.stringify({ scale, ...dataset.size, loadSeconds: dataset.loadSeconds, bytes: dataset.bytes }, null, 2));
        }
      } finally {
        await db.stop();
      }
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
