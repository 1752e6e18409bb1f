import { listColumn, type ListColumn, type RowFinder } from '../../common/finder';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { Channel } from '../../common/channel';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { EARLIEST_RECORD_TIME } from '../../common/scalars';
import { checkExactCents } from '../../common/money';
import { isIdOf, newId } from '../../common/ids';
import { cutPage, decodeCursor, keysetWhere, pageSize, toConnection, type Connection } from '../../common/pagination';
import { inTransaction, query, queryOne, queryPrepared, textArray } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { LocationType } from '../catalog/catalog.enums';
import { CatalogErrorCode } from '../catalog/catalog.errors';
import { LocationByIdLoader, PRODUCT_COLUMNS } from '../catalog/catalog.loaders';
import { idempotencyKey, idempotentRequest, lockIdempotencyKeys, replayOf } from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import type { LocationRow, ProductRow } from '../catalog/catalog.type';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { customerRefInput, resolveCustomerRef, resolveSurvivorId } from '../customers/customer.service';
import type { CustomerRow } from '../customers/customer.type';
import type { IdentityParams } from '../customers/customer.model';
import { identityKey, normalizeIdentity, type NormalizedIdentity } from '../customers/identity-normalization';
import { InventoryErrorCode } from '../inventory/inventory.errors';
import { LOCATION_ORDER } from '../inventory/inventory.loaders';
import { applyStockChanges, reserveStock } from '../inventory/inventory.service';
import { OfferErrorCode } from '../offers/offer.errors';
import { OfferByIdLoader } from '../offers/offer.loaders';
import { eligibleOffersByCode } from '../offers/offer.service';
import { lineDiscountCents, type OfferRow } from '../offers/offer-decision';
import type { GuestIdentity } from './order.entity';
import { OrderErrorCode } from './order.errors';
import { ORDER_COLUMNS, OrderByIdLoader } from './order.loaders';
import { OrderStatus } from './order.enums';
import type { EmbeddedLineRow, OrderRow } from './order.type';
import type { PlaceOrderParams, UpdateOrderStatusParams } from './order.model';

export const MAX_LINES = 100;
export const MAX_QUANTITY = 999;
const MAX_GUEST_IDENTITIES = 20;
/** Clocks of tills and shops drift: a placedAt up to this far ahead is still "now". */
const FUTURE_TOLERANCE_MS = 5 * 60_000;


export function checkQuantity(quantity: number, field: string[]): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `quantity must be between 1 and ${MAX_QUANTITY}, got ${quantity}.`, field);
  }
}

export function checkLineCount(count: number, field: string[]): void {
  if (count === 0) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'An order needs at least one line.', field);
  if (count > MAX_LINES) throw new DomainError(CommonErrorCode.INVALID_VALUE, `An order has at most ${MAX_LINES} lines.`, field);
}

export function checkPlacedAt(placedAt: Date | null | undefined, field: string[]): void {
  if (placedAt && placedAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'placedAt must not be in the future.', field);
  }
  if (placedAt && placedAt < EARLIEST_RECORD_TIME) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `placedAt must not be before ${EARLIEST_RECORD_TIME.toISOString()}.`, field);
  }
}

/** Normalised, de-duplicated, sorted guest identities (stable for hashing and claiming). */
export function normalizeGuestIdentities(ctx: Context, identities: IdentityParams[] | null | undefined, field: string[]): GuestIdentity[] {
  if (!identities?.length) return [];
  if (identities.length > MAX_GUEST_IDENTITIES) throw new DomainError(CommonErrorCode.INVALID_VALUE, `At most ${MAX_GUEST_IDENTITIES} identities.`, field);
  const unique = new Map<string, NormalizedIdentity>();
  identities.forEach((identity, index) => {
    const normalized = normalizeIdentity(identity, ctx.config.defaultRegion, [...field, String(index)]);
    unique.set(identityKey(normalized), normalized);
  });
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, identity]) => ({ type: identity.type, system: identity.system, value: identity.value }));
}

async function loadOrder(em: EntityManager, id: string): Promise<OrderRow> {
  return (await queryOne<OrderRow>(em, `select ${ORDER_COLUMNS} from "order" o where o.id = ?`, [id]))!;
}

interface PricedLine {
  index: number;
  product: ProductRow;
  quantity: number;
  unitCents: number;
  discountCents: number;
  totalCents: number;
  offer: OfferRow | null;
}

/**
 * Prices every line from the catalogue and the eligible offers: each line gets the single applicable
 * offer with the largest discount (offers do not stack). Every offer must apply to some line.
 */
function priceLines(lines: { product: ProductRow; quantity: number }[], offers: OfferRow[], currency: string): PricedLine[] {
  const used = new Set<string>();
  const priced = lines.map((line, index) => {
    const unitCents = Number(line.product.priceCents);
    let best: { offer: OfferRow; cents: number } | null = null;
    for (const offer of offers) {
      const cents = lineDiscountCents(offer, { sku: line.product.sku, unitCents, quantity: line.quantity, currency });
      if (cents > 0) used.add(offer.id);
      if (cents > 0 && (!best || cents > best.cents)) best = { offer, cents };
    }
    const discountCents = best?.cents ?? 0;
    return { index, product: line.product, quantity: line.quantity, unitCents, discountCents, totalCents: unitCents * line.quantity - discountCents, offer: best?.offer ?? null };
  });
  offers.forEach((offer, index) => {
    if (!used.has(offer.id)) {
      throw new DomainError(OfferErrorCode.OFFER_NOT_ELIGIBLE, `Offer ${offer.code} applies to none of the order's products.`, ['input', 'offerCodes', String(index)]);
    }
  });
  return priced;
}

/** A location as the plan's JSON carries it (LocationRow's keys, the time as PostgreSQL prints it). */
const LOCATION_JSON = `json_build_object('id', l.id, 'code', l.code, 'name', l.name, 'type', l.type, 'createdAt', l.created_at)`;

/**
 * Where an order may ship from, as the plan reads it: the given location (or none when unknown), or
 * by the fulfilment rule when locationId is omitted (non-STORE channels): locations that have enough
 * available stock for EVERY line, warehouses before stores, then by location code. In that order, so
 * that a location emptied by a concurrent order is followed by the next one.
 */
const GIVEN_LOCATION = `(select json_agg(${LOCATION_JSON}) from location l where l.id = ?)`;
const FULFILMENT_CANDIDATES = `(select json_agg(${LOCATION_JSON} order by ${LOCATION_ORDER}) from location l
      where not exists (
        select 1 from (select p.id as product_id, n.qty from unnest(?::text[], ?::int[]) n(sku, qty) join product p on p.sku = n.sku) need
          left join stock_level s on s.product_id = need.product_id and s.location_id = l.id
         where coalesce(s.on_hand - s.reserved, 0) < need.qty))`;

/** What placeOrder reads once its key is locked. */
interface OrderPlan {
  /** The order already under the key (a replay, or a conflict). */
  existing?: { id: string; idempotencyHash: string | null; createdBy: string };
  products: Map<string, ProductRow>;
  /** The given location (empty when unknown), the fulfilment candidates, or null when neither applies. */
  locations: LocationRow[] | null;
}

/**
 * Everything placeOrder reads before it writes, in ONE statement run after the key's lock (so it sees
 * an order committed under the key while the lock was waited for): the order under the key, the
 * products by sku (active or not) and the locations it could ship from.
 */
async function readOrderPlan(
  em: EntityManager,
  key: { source: string; externalId: string },
  lines: { sku: string; quantity: number }[],
  where: { locationId: string } | 'fulfilment' | null,
): Promise<OrderPlan> {
  const skus = [...new Set(lines.map((line) => line.sku))];
  const needs = new Map<string, number>();
  for (const line of lines) needs.set(line.sku, (needs.get(line.sku) ?? 0) + line.quantity);
  const locations = where === null ? 'null::json' : where === 'fulfilment' ? FULFILMENT_CANDIDATES : GIVEN_LOCATION;
  const locationParams = where === null ? [] : where === 'fulfilment' ? [textArray([...needs.keys()]), textArray([...needs.values()])] : [where.locationId];
  const rows = await query<ProductRow & { existingId: string | null; existingHash: string | null; existingCreatedBy: string | null; locations: LocationRow[] | null }>(
    em,
    `select ${PRODUCT_COLUMNS}, x."existingId", x."existingHash", x."existingCreatedBy", x.locations
       from (select e.id as "existingId", e.request_hash as "existingHash", e.created_by as "existingCreatedBy", ${locations} as locations
               from (values (1)) one left join "order" e on e.source = ? and e.external_id = ?) x
       left join product p on p.sku = any(?::text[])`,
    [...locationParams, key.source, key.externalId, textArray(skus)],
  );
  const [first] = rows;
  const products = new Map<string, ProductRow>();
  for (const { existingId: _id, existingHash: _hash, existingCreatedBy: _by, locations: _at, ...product } of rows) {
    if (product.id !== null) products.set(product.sku, product);
  }
  return {
    existing: first.existingId ? { id: first.existingId, idempotencyHash: first.existingHash, createdBy: first.existingCreatedBy! } : undefined,
    products,
    locations: where === null ? null : (first.locations ?? []),
  };
}

/** The order and its lines in ONE statement; the order row as stored (placedAt), the lines as given. */
async function insertOrder(
  em: EntityManager,
  order: { id: string; source: string; externalId: string; hash: string; channel: Channel; locationId: string; customerId: string | null; placedAt: Date | null | undefined;
    currency: string; subtotal: number; discount: number; guestIdentities: GuestIdentity[]; createdBy: string },
  lines: EmbeddedLineRow[],
): Promise<OrderRow> {
  const column = <K extends keyof EmbeddedLineRow>(key: K) => textArray(lines.map((line) => line[key] as string | number | null));
  const row = await queryOne<OrderRow>(
    em,
    `with o as (
       insert into "order" as o (id, source, external_id, request_hash, channel, location_id, customer_id, status, placed_at, currency,
              subtotal_cents, discount_cents, total_cents, guest_identities, reserves_stock, imported, created_by, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, 'PLACED', coalesce(?::timestamptz, now()), ?, ?, ?, ?, ?::jsonb, true, false, ?, now(), now())
       returning ${ORDER_COLUMNS}
     ), lines as (
       insert into order_line (id, order_id, line_no, product_id, sku, quantity, unit_price_cents, discount_cents, total_cents, offer_id)
       select l.id, o.id, l.line_no, l.product_id, l.sku, l.quantity, l.unit_price_cents, l.discount_cents, l.total_cents, l.offer_id
         from o, unnest(?::text[], ?::int[], ?::text[], ?::text[], ?::int[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[])
                 as l(id, line_no, product_id, sku, quantity, unit_price_cents, discount_cents, total_cents, offer_id)
     )
     select * from o`,
    [
      order.id, order.source, order.externalId, order.hash, order.channel, order.locationId, order.customerId, order.placedAt ?? null, order.currency,
      order.subtotal, order.discount, order.subtotal - order.discount, order.guestIdentities.length ? JSON.stringify(order.guestIdentities) : null, order.createdBy,
      column('id'), column('lineNo'), column('productId'), column('sku'), column('quantity'), column('unitPriceCents'), column('discountCents'),
      column('totalCents'), column('offerId'),
    ],
  );
  return { ...row!, lines };
}

/** Where a new order ships from: the given location (a STORE for STORE orders), else by the fulfilment rule. */
function shippingCandidates(input: PlaceOrderParams, plan: OrderPlan): LocationRow[] {
  if (input.locationId) {
    const [location] = plan.locations ?? [];
    if (!location) throw new DomainError(CommonErrorCode.NOT_FOUND, `No location ${input.locationId}.`, ['input', 'locationId']);
    if (input.channel === Channel.STORE && location.type !== LocationType.STORE) {
      throw new DomainError(CommonErrorCode.INVALID_VALUE, `STORE orders need a STORE location; ${location.code} is a ${location.type}.`, ['input', 'locationId']);
    }
    return [location];
  }
  if (input.channel === Channel.STORE) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'STORE orders need locationId: the store where the customer buys.', ['input', 'locationId']);
  }
  if (!plan.locations?.length) {
    throw new DomainError(InventoryErrorCode.INSUFFICIENT_STOCK, 'No location has enough available stock for every line.', ['input', 'lines']);
  }
  return plan.locations;
}

/**
 * `placeOrder`: prices from the catalogue and eligible offers (never from the caller), stock reserved
 * atomically at one location, idempotent on (source, externalId). Everything happens in one
 * transaction: any failure leaves no order, no reservation and no event. A new order of a customer
 * given by id takes 8 statements whatever its number of lines (test/orders-statements.test.ts): the
 * key's lock, one read (readOrderPlan), the customer's lock, one reservation, one insert of the order
 * with its lines, one append of the events, and the transaction's BEGIN and COMMIT; the answer's
 * location, customer, lines and products come from what the write holds.
 */
export async function placeOrder(ctx: Context, input: PlaceOrderParams): Promise<{ order: OrderRow; created: boolean }> {
  rejectNul(input, ['input']);
  const key = idempotencyKey(input);
  const { source, externalId } = key;
  checkLineCount(input.lines.length, ['input', 'lines']);
  const lines = input.lines.map((line, index) => {
    const sku = line.sku.trim();
    if (sku === '') throw new DomainError(CatalogErrorCode.UNKNOWN_PRODUCT, 'sku must not be empty.', ['input', 'lines', String(index), 'sku']);
    checkQuantity(line.quantity, ['input', 'lines', String(index), 'quantity']);
    return { sku, quantity: line.quantity };
  });
  checkPlacedAt(input.placedAt, ['input', 'placedAt']);
  const offerCodes = [...new Set((input.offerCodes ?? []).map((code) => code.trim()).filter(Boolean))];
  if (input.customer && input.guestIdentities?.length) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'guestIdentities are for guest orders; give the identities in customer.identities instead.', ['input', 'guestIdentities']);
  }
  const guestIdentities = normalizeGuestIdentities(ctx, input.guestIdentities, ['input', 'guestIdentities']);
  const request = idempotentRequest(ctx, 'order', key, {
    channel: input.channel,
    locationId: input.locationId,
    customer: customerRefInput(ctx, input.customer, ['input', 'customer']),
    guestIdentities,
    lines: lines.map((line) => [line.sku, line.quantity]),
    offerCodes: [...offerCodes].sort(),
    placedAt: input.placedAt,
  });
  const where = input.locationId ? { locationId: input.locationId } : input.channel === Channel.STORE ? null : 'fulfilment';

  const placed = await inTransaction(ctx.em, async (em): Promise<{ order: OrderRow; created: boolean; answer?: OrderAnswer }> => {
    // Replays of one key queue on its lock, so concurrent replays create one order.
    await lockIdempotencyKeys(em, [request]);
    const plan = await readOrderPlan(em, key, lines, where);
    const existing = replayOf(plan.existing, request);
    if (existing) return { order: await loadOrder(em, existing.id), created: false };

    const customer = input.customer ? (await resolveCustomerRef(ctx, em, input.customer, input.channel, ['input', 'customer'])).customer : null;
    const resolved = lines.map((line, index) => {
      const product = plan.products.get(line.sku);
      if (!product || !product.active) {
        throw new DomainError(CatalogErrorCode.UNKNOWN_PRODUCT, product ? `${line.sku} is not sold any more.` : `No product with sku "${line.sku}".`, ['input', 'lines', String(index), 'sku']);
      }
      return { product, quantity: line.quantity };
    });
    const currency = resolved[0].product.currency;
    resolved.forEach((line, index) => {
      if (line.product.currency !== currency) {
        throw new DomainError(CommonErrorCode.INVALID_VALUE, `All lines of an order share one currency: ${line.product.sku} is in ${line.product.currency}, not ${currency}.`, ['input', 'lines', String(index), 'sku']);
      }
    });
    const candidates = shippingCandidates(input, plan);

    const offers = await eligibleOffersByCode(ctx, em, customer?.id ?? null, offerCodes, ['input', 'offerCodes']);
    const priced = priceLines(resolved, offers, currency);
    for (const line of priced) checkExactCents(line.unitCents * line.quantity, 'A line total', ['input', 'lines', String(line.index), 'quantity']);
    const subtotal = checkExactCents(priced.reduce((sum, line) => sum + line.unitCents * line.quantity, 0), 'The order total', ['input', 'lines']);
    const discount = priced.reduce((sum, line) => sum + line.discountCents, 0);

    const orderId = newId('Order');
    const reservation = await reserveStock(
      em,
      priced.map((line) => ({ productId: line.product.id, sku: line.product.sku, locationId: '', deltaOnHand: 0, deltaReserved: line.quantity, field: ['input', 'lines', String(line.index)] })),
      candidates,
      { orderId, createdBy: writerOf(ctx) },
    );
    const order = await insertOrder(
      em,
      { id: orderId, source, externalId, hash: request.hash, channel: input.channel, locationId: reservation.location.id, customerId: customer?.id ?? null,
        placedAt: input.placedAt, currency, subtotal, discount, guestIdentities, createdBy: writerOf(ctx) },
      priced.map((line) => ({
        id: newId('OrderLine'), orderId, lineNo: line.index + 1, productId: line.product.id, sku: line.product.sku, quantity: line.quantity,
        unitPriceCents: String(line.unitCents), discountCents: String(line.discountCents), totalCents: String(line.totalCents),
        offerId: line.offer?.id ?? null, currency, product: line.product,
      })),
    );
    await appendEvents(em, [...reservation.events, { type: 'order.placed', customerId: order.customerId, payload: orderEventPayload(order, priced.length) }]);
    return { order, created: true, answer: { location: reservation.location, customer, offers } };
  });
  if (placed.answer) primeOrderAnswer(ctx, placed.answer);
  return { order: placed.order, created: placed.created };
}

/** What the answer to a new order reads beside the order row: held by the write, primed after COMMIT. */
interface OrderAnswer {
  location: LocationRow;
  customer: CustomerRow | null;
  offers: OfferRow[];
}

/** The loaders the answer to a new order reads, primed from what the write holds: no statement after COMMIT. */
function primeOrderAnswer(ctx: Context, placed: OrderAnswer): void {
  ctx.loaders.get(LocationByIdLoader).prime(placed.location.id, placed.location);
  if (placed.customer) ctx.loaders.get(CustomerByIdLoader).prime(placed.customer.id, placed.customer);
  const offers = ctx.loaders.get(OfferByIdLoader);
  for (const offer of placed.offers) offers.prime(offer.id, offer);
}

/** What order events carry: ids and figures, never personal data. */
export function orderEventPayload(order: OrderRow, lineCount: number): Record<string, unknown> {
  return {
    orderId: order.id, source: order.source, externalId: order.externalId, channel: order.channel, locationId: order.locationId,
    customerId: order.customerId, status: order.status, placedAt: order.placedAt, currency: order.currency,
    totalCents: Number(order.totalCents), lineCount,
  };
}

export interface NewLine {
  orderId: string;
  productId: string;
  sku: string;
  quantity: number;
  unitCents: number;
  discountCents: number;
  totalCents: number;
  offerId: string | null;
}

/** Multi-row inserts, chunked under PostgreSQL's parameter limit. */
export async function insertLines(em: EntityManager, lines: NewLine[]): Promise<void> {
  const lineNo = new Map<string, number>();
  for (let start = 0; start < lines.length; start += 4_000) {
    const chunk = lines.slice(start, start + 4_000);
    await query(
      em,
      `insert into order_line (id, order_id, line_no, product_id, sku, quantity, unit_price_cents, discount_cents, total_cents, offer_id)
       values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((line) => {
        const no = (lineNo.get(line.orderId) ?? 0) + 1;
        lineNo.set(line.orderId, no);
        return [newId('OrderLine'), line.orderId, no, line.productId, line.sku, line.quantity, line.unitCents, line.discountCents, line.totalCents, line.offerId];
      }),
    );
  }
}

const TRANSITIONS: Record<OrderStatus, OrderStatus[]> = {
  [OrderStatus.PLACED]: [OrderStatus.FULFILLED, OrderStatus.CANCELLED],
  [OrderStatus.FULFILLED]: [OrderStatus.RETURNED],
  [OrderStatus.CANCELLED]: [],
  [OrderStatus.RETURNED]: [],
};

/**
 * `updateOrderStatus`: PLACED -> FULFILLED consumes the reservation (onHand and reserved both drop),
 * PLACED -> CANCELLED releases it, FULFILLED -> RETURNED restocks; anything else is
 * INVALID_TRANSITION. Imported history changes status without touching stock.
 */
export async function updateOrderStatus(ctx: Context, input: UpdateOrderStatusParams): Promise<{ order: OrderRow }> {
  return inTransaction(ctx.em, async (em) => {
    const order = isIdOf('Order', input.orderId)
      ? await queryOne<OrderRow & { reservesStock: boolean }>(em, `select ${ORDER_COLUMNS}, o.reserves_stock as "reservesStock" from "order" o where o.id = ? for update`, [input.orderId])
      : undefined;
    if (!order) throw new DomainError(CommonErrorCode.NOT_FOUND, `No order ${input.orderId}.`, ['input', 'orderId']);
    if (!TRANSITIONS[order.status].includes(input.status)) {
      const allowed = TRANSITIONS[order.status];
      throw new DomainError(
        OrderErrorCode.INVALID_TRANSITION,
        `An order cannot go from ${order.status} to ${input.status}; from ${order.status} it can go to ${allowed.length ? allowed.join(' or ') : 'nothing'}.`,
        ['input', 'status'],
      );
    }
    if (order.reservesStock && order.locationId) {
      const lines = await query<{ productId: string; sku: string; quantity: number }>(
        em,
        `select product_id as "productId", min(sku) as sku, sum(quantity)::int as quantity from order_line where order_id = ? group by product_id`,
        [order.id],
      );
      const delta = {
        [OrderStatus.FULFILLED]: { onHand: -1, reserved: -1, kind: 'FULFIL' as const },
        [OrderStatus.CANCELLED]: { onHand: 0, reserved: -1, kind: 'RELEASE' as const },
        [OrderStatus.RETURNED]: { onHand: 1, reserved: 0, kind: 'RESTOCK' as const },
        [OrderStatus.PLACED]: { onHand: 0, reserved: 0, kind: 'RESERVE' as const },
      }[input.status];
      await applyStockChanges(
        em,
        lines.map((line) => ({
          productId: line.productId, sku: line.sku, locationId: order.locationId!, deltaOnHand: delta.onHand * line.quantity,
          deltaReserved: delta.reserved * line.quantity, field: ['input', 'status'],
        })),
        { kind: delta.kind, orderId: order.id, createdBy: writerOf(ctx) },
      );
    }
    await query(em, `update "order" set status = ?, updated_at = now() where id = ?`, [input.status, order.id]);
    await appendEvents(em, [{
      type: 'order.status_changed',
      customerId: order.customerId,
      payload: { orderId: order.id, customerId: order.customerId, channel: order.channel, locationId: order.locationId, from: order.status, to: input.status },
    }]);
    const { reservesStock: _reserves, ...row } = order;
    return { order: { ...row, status: input.status } };
  });
}

/** `order(id)`: null when unknown. */
export async function getOrder<R = OrderRow>(ctx: Context, id: string, find?: RowFinder<R>): Promise<R | OrderRow | null> {
  if (!isIdOf('Order', id)) return null;
  return find ? find(id) : ctx.loaders.get(OrderByIdLoader).load(id);
}

/** `orders(first, after, channel, customerId)`: newest first over every channel. */
export async function listOrders(
  ctx: Context,
  args: { first?: number; after?: string; channel?: Channel | null; customerId?: string | null },
  column?: ListColumn,
): Promise<Connection<OrderRow>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : undefined;
  const filters: string[] = [];
  const params: unknown[] = [];
  if (args.channel) {
    filters.push('o.channel = ?');
    params.push(args.channel);
  }
  if (args.customerId) {
    filters.push('o.customer_id = ?');
    // An id that names no customer matches nothing (customer_id = null is never true).
    params.push((await resolveSurvivorId(ctx.em, args.customerId)) ?? null);
  }
  const where = filters.length ? filters.join(' and ') : 'true';
  const keyset = keysetWhere(['o.placed_at', 'o.id'], 'desc', after);
  // Prepared: a handful of texts (which filters are set), each planned once per connection.
  const extra = listColumn(column, 'o');
  const rows = await queryPrepared<OrderRow>(
    ctx.em,
    `select ${ORDER_COLUMNS}${extra.select} from "order" o where ${where} and ${keyset.sql} order by o.placed_at desc, o.id desc limit ?`,
    [...extra.params, ...params, ...keyset.params, size + extra.lookahead],
  );
  const loader = ctx.loaders.get(OrderByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(cutPage(rows, size), Boolean(after), orderCursor, (row) => row, async () => {
    const count = await queryOne<{ count: string }>(ctx.em, `select count(*) from "order" o where ${where}`, params);
    return Number(count?.count ?? 0);
  });
}

/** Cursor of an order in every order list: (placedAt as PostgreSQL prints it, id). */
export function orderCursor(row: Pick<OrderRow, 'placedAt' | 'id'>): (string | number)[] {
  return [String(row.placedAt instanceof Date ? row.placedAt.toISOString() : row.placedAt), row.id];
}

/**
 * The guest-order claim (the orders module's customerIdentifiedHooks): guest orders that carry one of the
 * identities just resolved to `customerId` become that customer's orders.
 */
export async function claimGuestOrders(em: EntityManager, customerId: string, identities: GuestIdentity[]): Promise<void> {
  if (identities.length === 0) return;
  const claimed = await query<{ id: string; channel: string }>(
    em,
    `update "order" set customer_id = ?, updated_at = now()
      where customer_id is null and (${identities.map(() => 'guest_identities @> ?::jsonb').join(' or ')})
      returning id, channel`,
    [customerId, ...identities.map((identity) => JSON.stringify([{ type: identity.type, system: identity.system, value: identity.value }]))],
  );
  await appendEvents(em, claimed.map((order) => ({
    type: 'order.claimed',
    customerId,
    payload: { orderId: order.id, customerId, channel: order.channel },
  })));
}
