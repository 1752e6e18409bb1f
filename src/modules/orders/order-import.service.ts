import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { Channel } from '../../common/channel';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { isIdOf, newId } from '../../common/ids';
import { checkExactCents, parseMoney } from '../../common/money';
import { inTransaction, placeholders, query } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { LocationType } from '../catalog/catalog.enums';
import { CatalogErrorCode } from '../catalog/catalog.errors';
import { productsBySku } from '../catalog/catalog.service';
import {
  canonicalJson, conflictMessage, decide, idempotencyKey, idempotentRequest, keyName, lockIdempotencyKeys, type IdempotentRequest,
} from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import type { LocationRow } from '../catalog/catalog.type';
import { customerRefInput, resolveCustomerRef } from '../customers/customer.service';
import type { GuestIdentity } from './order.entity';
import { ImportOutcome, OrderStatus } from './order.enums';
import { ORDER_COLUMNS } from './order.loaders';
import {
  checkLineCount, checkPlacedAt, checkQuantity, insertLines, normalizeGuestIdentities, orderEventPayload, type NewLine,
} from './order.service';
import type { ImportOrderResultType, OrderRow } from './order.type';
import type { ImportOrderParams, ImportOrdersParams } from './order.model';

export const MAX_IMPORT_BATCH = 1_000;

interface PreparedLine {
  sku: string;
  quantity: number;
  unitCents: number;
  discountCents: number;
  currency: string;
}

interface PreparedOrder {
  index: number;
  input: ImportOrderParams;
  source: string;
  externalId: string;
  lines: PreparedLine[];
  currency: string;
  guestIdentities: GuestIdentity[];
  status: OrderStatus;
  request: IdempotentRequest;
}

type Result = ImportOrderResultType;

function rejected(index: number, input: ImportOrderParams, code: string, reason: string): Result {
  return { index, source: input.source, externalId: input.externalId, outcome: ImportOutcome.REJECTED, order: null, code, reason };
}

function describe(error: DomainError): string {
  return error.field?.length ? `${error.message} (at ${error.field.join('.')})` : error.message;
}

/** Checks one order without the database: shape, quantities, money, currency, date. */
function prepare(ctx: Context, input: ImportOrderParams, index: number): PreparedOrder {
  const base = ['input', 'orders', String(index)];
  rejectNul(input, base);
  const key = idempotencyKey(input, base);
  const { source, externalId } = key;
  checkLineCount(input.lines.length, [...base, 'lines']);
  checkPlacedAt(input.placedAt, [...base, 'placedAt']);
  const lines = input.lines.map((line, lineIndex) => {
    const field = [...base, 'lines', String(lineIndex)];
    checkQuantity(line.quantity, [...field, 'quantity']);
    const unit = parseMoney(line.unitPrice, [...field, 'unitPrice']);
    const discount = line.discount ? parseMoney(line.discount, [...field, 'discount']) : { cents: 0, currency: unit.currency };
    if (unit.cents < 0) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'unitPrice must not be negative.', [...field, 'unitPrice']);
    checkExactCents(unit.cents * line.quantity, 'A line total', [...field, 'quantity']);
    if (discount.currency !== unit.currency) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'discount must be in the currency of unitPrice.', [...field, 'discount']);
    if (discount.cents < 0 || discount.cents > unit.cents * line.quantity) {
      throw new DomainError(CommonErrorCode.INVALID_VALUE, 'discount must be between 0 and unitPrice x quantity.', [...field, 'discount']);
    }
    return { sku: line.sku.trim(), quantity: line.quantity, unitCents: unit.cents, discountCents: discount.cents, currency: unit.currency };
  });
  checkExactCents(lines.reduce((sum, line) => sum + line.unitCents * line.quantity, 0), 'The order total', [...base, 'lines']);
  const currency = lines[0].currency;
  lines.forEach((line, lineIndex) => {
    if (line.currency !== currency) {
      throw new DomainError(CommonErrorCode.INVALID_VALUE, `All lines of an order share one currency (${currency}).`, [...base, 'lines', String(lineIndex), 'unitPrice']);
    }
  });
  if (input.customer && input.guestIdentities?.length) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'guestIdentities are for guest orders.', [...base, 'guestIdentities']);
  }
  if (input.locationId && input.locationCode) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'Give locationId or locationCode, not both.', [...base, 'locationCode']);
  }
  const guestIdentities = normalizeGuestIdentities(ctx, input.guestIdentities, [...base, 'guestIdentities']);
  const status = input.status ?? OrderStatus.FULFILLED;
  const request = idempotentRequest(ctx, 'order', key, {
    import: true,
    channel: input.channel,
    location: input.locationId ?? input.locationCode?.trim(),
    customer: customerRefInput(ctx, input.customer, [...base, 'customer']),
    guestIdentities,
    lines: lines.map((line) => [line.sku, line.quantity, line.unitCents, line.discountCents, line.currency]),
    placedAt: input.placedAt,
    status,
  });
  return { index, input, source, externalId, lines, currency, guestIdentities, status, request };
}

async function locationsFor(em: EntityManager, orders: PreparedOrder[]): Promise<{ byId: Map<string, LocationRow>; byCode: Map<string, LocationRow> }> {
  const ids = [...new Set(orders.map((order) => order.input.locationId).filter((id): id is string => Boolean(id) && isIdOf('Location', id!)))];
  const codes = [...new Set(orders.map((order) => order.input.locationCode?.trim()).filter((code): code is string => Boolean(code)))];
  const rows = ids.length + codes.length === 0
    ? []
    : await query<LocationRow>(
      em,
      `select l.id, l.code, l.name, l.type from location l where l.id in (${ids.length ? placeholders(ids.length) : 'null'}) or l.code in (${codes.length ? placeholders(codes.length) : 'null'})`,
      [...ids, ...codes],
    );
  return { byId: new Map(rows.map((row) => [row.id, row])), byCode: new Map(rows.map((row) => [row.code, row])) };
}

/**
 * `importOrders`: historical orders with their recorded prices, dates and statuses, no stock effect.
 * Idempotent on (source, externalId): an order already there is SKIPPED (a different imported order
 * under the same key is REJECTED with IDEMPOTENCY_CONFLICT); a bad order is REJECTED with a code and
 * reason, and never stops the rest of the batch. One transaction per batch; customer references are
 * resolved inside savepoints so that one failing reference rolls back only its own order.
 */
export async function importOrders(ctx: Context, input: ImportOrdersParams): Promise<{ results: Result[]; created: number; skipped: number; rejected: number }> {
  if (input.orders.length > MAX_IMPORT_BATCH) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `At most ${MAX_IMPORT_BATCH} orders per call; got ${input.orders.length}.`, ['input', 'orders']);
  }
  const results: (Result | undefined)[] = new Array(input.orders.length);
  const prepared: PreparedOrder[] = [];
  input.orders.forEach((order, index) => {
    try {
      prepared.push(prepare(ctx, order, index));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results[index] = rejected(index, order, error.code, describe(error));
    }
  });

  await inTransaction(ctx.em, async (em) => {
    // The same keys and locks as placeOrder: an import and a live order of one key queue.
    await lockIdempotencyKeys(em, prepared.map((order) => order.request));
    const existing = prepared.length === 0 ? [] : await query<OrderRow & { idempotencyHash: string }>(
      em,
      `select ${ORDER_COLUMNS}, o.request_hash as "idempotencyHash" from "order" o
        where (o.source, o.external_id) in (${prepared.map(() => '(?, ?)').join(', ')})`,
      prepared.flatMap((order) => [order.source, order.externalId]),
    );
    const existingByKey = new Map(existing.map((row) => [keyName({ scope: 'order', source: row.source, externalId: row.externalId }), row]));
    const products = await productsBySku(em, prepared.flatMap((order) => order.lines.map((line) => line.sku)));
    const locations = await locationsFor(em, prepared);
    const customerCache = new Map<string, string>();
    const inBatch = new Map<string, PreparedOrder>();
    const twins: { index: number; of: PreparedOrder }[] = [];
    const newOrders: { order: PreparedOrder; id: string; customerId: string | null; location: LocationRow | null }[] = [];

    for (const order of prepared) {
      const key = keyName(order.request);
      const base = ['input', 'orders', String(order.index)];
      const previous = existingByKey.get(key);
      if (previous) {
        // A live order of the key is what the history records: skipped whatever the imported input.
        results[order.index] = decide(previous, order.request, { anyInput: !previous.imported }) === 'replay'
          ? { index: order.index, source: order.source, externalId: order.externalId, outcome: ImportOutcome.SKIPPED, order: previous, code: null,
            reason: `already there as ${previous.id}` }
          : rejected(order.index, order.input, CommonErrorCode.IDEMPOTENCY_CONFLICT, conflictMessage(order.request));
        continue;
      }
      const twin = inBatch.get(key);
      if (twin) {
        if (decide({ idempotencyHash: twin.request.hash, createdBy: twin.request.writer }, order.request) === 'replay') {
          results[order.index] = { index: order.index, source: order.source, externalId: order.externalId, outcome: ImportOutcome.SKIPPED, order: null, code: null,
            reason: `same order as index ${twin.index} of this batch` };
          twins.push({ index: order.index, of: twin });
        } else {
          results[order.index] = rejected(order.index, order.input, CommonErrorCode.IDEMPOTENCY_CONFLICT, `${conflictMessage(order.request)} (index ${twin.index} of this batch)`);
        }
        continue;
      }
      const unknown = order.lines.findIndex((line) => !products.has(line.sku));
      if (unknown >= 0) {
        results[order.index] = rejected(order.index, order.input, CatalogErrorCode.UNKNOWN_PRODUCT,
          `No product with sku "${order.lines[unknown].sku}" (at ${[...base, 'lines', String(unknown), 'sku'].join('.')})`);
        continue;
      }
      let location: LocationRow | null = null;
      if (order.input.locationId || order.input.locationCode) {
        location = (order.input.locationId ? locations.byId.get(order.input.locationId) : locations.byCode.get(order.input.locationCode!.trim())) ?? null;
        if (!location) {
          results[order.index] = rejected(order.index, order.input, CommonErrorCode.NOT_FOUND, `No location ${order.input.locationId ?? order.input.locationCode}.`);
          continue;
        }
        if (order.input.channel === Channel.STORE && location.type !== LocationType.STORE) {
          results[order.index] = rejected(order.index, order.input, CommonErrorCode.INVALID_VALUE, `STORE orders need a STORE location; ${location.code} is a ${location.type}.`);
          continue;
        }
      }
      let customerId: string | null = null;
      if (order.input.customer) {
        const cacheKey = canonicalJson(customerRefInput(ctx, order.input.customer, [...base, 'customer']));
        customerId = customerCache.get(cacheKey) ?? null;
        if (!customerId) {
          await query(em, 'savepoint import_customer');
          try {
            customerId = (await resolveCustomerRef(ctx, em, order.input.customer, order.input.channel, [...base, 'customer'])).customer.id;
            await query(em, 'release savepoint import_customer');
            customerCache.set(cacheKey, customerId);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            await query(em, 'rollback to savepoint import_customer');
            await query(em, 'release savepoint import_customer');
            results[order.index] = rejected(order.index, order.input, error.code, describe(error));
            continue;
          }
        }
      }
      inBatch.set(key, order);
      newOrders.push({ order, id: newId('Order'), customerId, location });
    }

    if (newOrders.length === 0) return;
    const createdBy = writerOf(ctx);
    const orderRows: OrderRow[] = [];
    const lines: NewLine[] = [];
    for (const { order, id, customerId, location } of newOrders) {
      const subtotal = order.lines.reduce((sum, line) => sum + line.unitCents * line.quantity, 0);
      const discount = order.lines.reduce((sum, line) => sum + line.discountCents, 0);
      orderRows.push({
        id, source: order.source, externalId: order.externalId, channel: order.input.channel, locationId: location?.id ?? null, customerId,
        status: order.status, placedAt: order.input.placedAt, currency: order.currency, subtotalCents: String(subtotal),
        discountCents: String(discount), totalCents: String(subtotal - discount), guestIdentities: order.guestIdentities.length ? order.guestIdentities : null,
        imported: true, createdBy,
      });
      for (const line of order.lines) {
        const product = products.get(line.sku)!;
        lines.push({
          orderId: id, productId: product.id, sku: product.sku, quantity: line.quantity, unitCents: line.unitCents,
          discountCents: line.discountCents, totalCents: line.unitCents * line.quantity - line.discountCents, offerId: null,
        });
      }
    }
    const hashes = new Map(newOrders.map(({ order, id }) => [id, order.request.hash]));
    for (let start = 0; start < orderRows.length; start += 2_000) {
      const chunk = orderRows.slice(start, start + 2_000);
      await query(
        em,
        `insert into "order" (id, source, external_id, request_hash, channel, location_id, customer_id, status, placed_at, currency,
                subtotal_cents, discount_cents, total_cents, guest_identities, reserves_stock, imported, created_by, created_at, updated_at)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, false, true, ?, now(), now())').join(', ')}`,
        chunk.flatMap((row) => [
          row.id, row.source, row.externalId, hashes.get(row.id), row.channel, row.locationId, row.customerId, row.status, row.placedAt,
          row.currency, row.subtotalCents, row.discountCents, row.totalCents, row.guestIdentities ? JSON.stringify(row.guestIdentities) : null, createdBy,
        ]),
      );
    }
    await insertLines(em, lines);
    const lineCounts = new Map<string, number>();
    for (const line of lines) lineCounts.set(line.orderId, (lineCounts.get(line.orderId) ?? 0) + 1);
    // History is announced as order.imported, not order.placed: live orderPlaced subscribers are not flooded.
    await appendEvents(em, orderRows.map((row) => ({ type: 'order.imported', customerId: row.customerId, payload: orderEventPayload(row, lineCounts.get(row.id) ?? 0) })));
    newOrders.forEach(({ order }, position) => {
      results[order.index] = { index: order.index, source: order.source, externalId: order.externalId, outcome: ImportOutcome.CREATED, order: orderRows[position], code: null, reason: null };
    });
    for (const twin of twins) results[twin.index]!.order = results[twin.of.index]!.order;
  });

  const final = results.map((result, index) => result ?? rejected(index, input.orders[index], CommonErrorCode.INVALID_VALUE, 'not processed'));
  return {
    results: final,
    created: final.filter((result) => result.outcome === ImportOutcome.CREATED).length,
    skipped: final.filter((result) => result.outcome === ImportOutcome.SKIPPED).length,
    rejected: final.filter((result) => result.outcome === ImportOutcome.REJECTED).length,
  };
}
