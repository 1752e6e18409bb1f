import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { newId } from '../../common/ids';
import { inTransaction, query, queryOne, textArray } from '../../database/sql';
import { appendEvents, type NewEvent } from '../events/event-log';
import { CatalogErrorCode } from '../catalog/catalog.errors';
import { getProductBySku, productsBySku, requireLocation } from '../catalog/catalog.service';
import { claimIdempotencyKey, idempotencyKey, idempotentRequest } from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import { InventoryErrorCode } from './inventory.errors';
import { LOCATION_ORDER, STOCK_LEVEL_COLUMNS, StockLevelsByProductLoader } from './inventory.loaders';
import { toAvailability, type AvailabilityRow, type StockLevelRow } from './inventory.type';
import type { LocationRow } from '../catalog/catalog.type';
import type { AdjustStockParams } from './inventory.model';

const MAX_DELTA = 1_000_000;
const MAX_KEY = 200;

/** Why a ledger row exists. */
export type StockMovementKind = 'ADJUSTMENT' | 'RESERVE' | 'RELEASE' | 'FULFIL' | 'RESTOCK';

/** One change of one stock level, as the caller computed it. */
export interface StockChange {
  productId: string;
  sku: string;
  locationId: string;
  deltaOnHand: number;
  deltaReserved: number;
  /** Where the change comes from in the caller's input: the field of an INSUFFICIENT_STOCK error. */
  field: string[];
}

/** What every ledger row of one call shares. */
export interface StockChangeMeta {
  kind: StockMovementKind;
  createdBy: string;
  reason?: string | null;
  orderId?: string | null;
  source?: string | null;
  externalId?: string | null;
  requestHash?: string | null;
}


/** Same (product, location) twice in one call becomes one change, so each row is updated once. */
function combine(changes: StockChange[]): StockChange[] {
  const byKey = new Map<string, StockChange>();
  for (const change of changes) {
    const key = `${change.productId}/${change.locationId}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.deltaOnHand += change.deltaOnHand;
      seen.deltaReserved += change.deltaReserved;
    } else {
      byKey.set(key, { ...change });
    }
  }
  // A fixed order (product id, location id): two writers touching the same rows never deadlock.
  return [...byKey.values()].sort((a, b) => (a.productId === b.productId ? cmp(a.locationId, b.locationId) : cmp(a.productId, b.productId)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function shortage(em: EntityManager, change: StockChange): Promise<DomainError> {
  const level = await queryOne<{ onHand: number; reserved: number; code: string }>(
    em,
    `select s.on_hand as "onHand", s.reserved, l.code from stock_level s join location l on l.id = s.location_id
      where s.product_id = ? and s.location_id = ?`,
    [change.productId, change.locationId],
  );
  const available = level ? level.onHand - level.reserved : 0;
  const needed = change.deltaReserved > 0 ? change.deltaReserved : -change.deltaOnHand;
  const where = level?.code ?? change.locationId;
  return new DomainError(
    InventoryErrorCode.INSUFFICIENT_STOCK,
    `Not enough ${change.sku} at ${where}: ${available} available, ${needed} needed.`,
    change.field,
  );
}

/**
 * The one way stock changes. Each level is changed by ONE atomic conditional statement (never
 * read-then-write) in (product id, location id) order; the guard keeps on_hand >= reserved >= 0, so a
 * reservation beyond what is available, or a removal of reserved units, changes nothing and fails with
 * INSUFFICIENT_STOCK (the caller's transaction then rolls back as a whole). Every change writes its
 * ledger row and a `stock.changed` event in the same transaction.
 */
export async function applyStockChanges(em: EntityManager, changes: StockChange[], meta: StockChangeMeta): Promise<StockLevelRow[]> {
  const levels: StockLevelRow[] = [];
  const applied = combine(changes).filter((change) => change.deltaOnHand !== 0 || change.deltaReserved !== 0);
  for (const change of applied) {
    let row: { onHand: number; reserved: number } | undefined;
    if (change.deltaReserved === 0 && change.deltaOnHand > 0) {
      // Receipts and restocks may create the level; nothing can be short.
      row = await queryOne(
        em,
        `insert into stock_level as s (product_id, location_id, on_hand, reserved, updated_at) values (?, ?, ?, 0, now())
         on conflict (product_id, location_id) do update set on_hand = s.on_hand + excluded.on_hand, updated_at = now()
         returning s.on_hand as "onHand", s.reserved`,
        [change.productId, change.locationId, change.deltaOnHand],
      );
    } else {
      row = await queryOne(
        em,
        `update stock_level set on_hand = on_hand + ?, reserved = reserved + ?, updated_at = now()
          where product_id = ? and location_id = ? and on_hand + ? >= reserved + ? and reserved + ? >= 0
          returning on_hand as "onHand", reserved`,
        [change.deltaOnHand, change.deltaReserved, change.productId, change.locationId, change.deltaOnHand, change.deltaReserved, change.deltaReserved],
      );
    }
    if (!row) throw await shortage(em, change);
    levels.push({
      productId: change.productId, sku: change.sku, locationId: change.locationId,
      onHand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved,
    });
  }
  if (applied.length === 0) return levels;
  await query(
    em,
    `insert into stock_movement (id, source, external_id, request_hash, product_id, location_id, delta_on_hand, delta_reserved,
            kind, reason, order_id, created_by, created_at)
     values ${applied.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())').join(', ')}`,
    applied.flatMap((change) => [
      newId('StockMovement'), meta.source ?? null, meta.externalId ?? null, meta.requestHash ?? null, change.productId, change.locationId,
      change.deltaOnHand, change.deltaReserved, meta.kind, meta.reason ?? null, meta.orderId ?? null, meta.createdBy,
    ]),
  );
  await appendEvents(em, stockChangedEvents(levels, applied, meta));
  return levels;
}

/** The `stock.changed` event of each level changed, `applied[i]` being the change of `levels[i]`. */
function stockChangedEvents(levels: StockLevelRow[], applied: StockChange[], meta: StockChangeMeta): NewEvent[] {
  return levels.map((level, index) => ({
    type: 'stock.changed',
    payload: {
      ...level,
      deltaOnHand: applied[index].deltaOnHand,
      deltaReserved: applied[index].deltaReserved,
      kind: meta.kind,
      orderId: meta.orderId ?? null,
    },
  }));
}

/** What reserveStock did: where, the levels after it, and the events the caller appends with its own. */
export interface Reservation {
  location: LocationRow;
  levels: StockLevelRow[];
  events: NewEvent[];
}

/**
 * Reserves every level of `needs` at one location in ONE statement, all or nothing: the levels are
 * locked in product id order (as applyStockChanges locks them: no deadlock between the two), checked
 * under the lock, and only when every one has enough available are they all raised and their ledger
 * rows written, in the same statement. The statement answers each level as it is after it (or as it
 * was, when it could not reserve), so a shortage needs no second read.
 */
const RESERVE_AT_LOCATION = `with need(product_id, qty, movement_id) as materialized (
       select * from unnest(?::text[], ?::int[], ?::text[])
     ),
     locked as materialized (
       select s.product_id, s.on_hand, s.reserved from stock_level s
        where s.location_id = ? and s.product_id in (select product_id from need)
        order by s.product_id collate "C" for update
     ),
     enough as (
       select count(*) = (select count(*) from need) as ok from need n join locked l on l.product_id = n.product_id
        where l.on_hand >= l.reserved + n.qty
     ),
     raised as (
       update stock_level s set reserved = s.reserved + n.qty, updated_at = now()
         from need n
        where (select ok from enough) and s.location_id = ? and s.product_id = n.product_id and s.on_hand >= s.reserved + n.qty
       returning s.product_id, s.on_hand, s.reserved
     ),
     ledger as (
       insert into stock_movement (id, product_id, location_id, delta_on_hand, delta_reserved, kind, order_id, created_by, created_at)
       select n.movement_id, r.product_id, ?, 0, n.qty, 'RESERVE', ?, ?, now() from raised r join need n on n.product_id = r.product_id
     )
     select n.product_id as "productId", coalesce(r.on_hand, l.on_hand, 0) as "onHand", coalesce(r.reserved, l.reserved, 0) as reserved,
            r.product_id is not null as raised
       from need n left join locked l on l.product_id = n.product_id left join raised r on r.product_id = n.product_id`;

/**
 * placeOrder's reservation: `needs` (deltaReserved > 0, deltaOnHand 0) at the first of `locations`
 * (the fulfilment order) that has all of them, one statement per location tried and no savepoint (a
 * location that cannot supply every line changes nothing). INSUFFICIENT_STOCK from the last location
 * names the first level short there. The ledger rows are written; the `stock.changed` events are
 * returned for the caller to append with its own, in one statement.
 */
export async function reserveStock(
  em: EntityManager,
  needs: StockChange[],
  locations: LocationRow[],
  meta: { orderId: string; createdBy: string },
): Promise<Reservation> {
  const combined = combine(needs);
  for (const [attempt, location] of locations.entries()) {
    const answered = await query<{ productId: string; onHand: number; reserved: number; raised: boolean }>(em, RESERVE_AT_LOCATION, [
      textArray(combined.map((need) => need.productId)), textArray(combined.map((need) => need.deltaReserved)),
      textArray(combined.map(() => newId('StockMovement'))), location.id, location.id, location.id, meta.orderId, meta.createdBy,
    ]);
    const byProduct = new Map(answered.map((row) => [row.productId, row]));
    const rows = combined.map((need) => byProduct.get(need.productId)!);
    const raised = rows.filter((row) => row.raised).length;
    if (raised === combined.length) {
      const applied = combined.map((need) => ({ ...need, locationId: location.id }));
      const levels = rows.map((row, index) => ({
        productId: row.productId, sku: applied[index].sku, locationId: location.id, onHand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved,
      }));
      return { location, levels, events: stockChangedEvents(levels, applied, { kind: 'RESERVE', ...meta }) };
    }
    // Locked and checked in one statement: either every level was raised or none was.
    if (raised > 0) throw new Error(`reserveStock raised ${raised} of ${combined.length} levels at ${location.id}`);
    if (attempt === locations.length - 1) {
      const index = rows.findIndex((row, at) => row.onHand - row.reserved < combined[at].deltaReserved);
      const need = combined[index];
      const available = rows[index].onHand - rows[index].reserved;
      throw new DomainError(
        InventoryErrorCode.INSUFFICIENT_STOCK,
        `Not enough ${need.sku} at ${location.code}: ${available} available, ${need.deltaReserved} needed.`,
        need.field,
      );
    }
  }
  throw new DomainError(InventoryErrorCode.INSUFFICIENT_STOCK, 'No location has enough available stock for every line.', ['input', 'lines']);
}

/** Levels of one product inside the caller's transaction, in display order. */
async function levelsOfProduct(em: EntityManager, productId: string): Promise<StockLevelRow[]> {
  return query<StockLevelRow>(
    em,
    `select ${STOCK_LEVEL_COLUMNS} from stock_level s join product p on p.id = s.product_id join location l on l.id = s.location_id
      where s.product_id = ? order by ${LOCATION_ORDER}`,
    [productId],
  );
}

/**
 * `adjustStock`: receipts, counts and shrinkage, idempotent on (source, externalId): a replay of the
 * same movement changes nothing and answers `created: false`; different content under the same key is
 * IDEMPOTENCY_CONFLICT.
 */
export async function adjustStock(
  ctx: Context,
  input: AdjustStockParams,
): Promise<{ stockLevel: StockLevelRow; availability: AvailabilityRow; created: boolean }> {
  rejectNul(input, ['input']);
  const key = idempotencyKey(input);
  const { source, externalId } = key;
  const sku = input.sku.trim();
  if (!Number.isInteger(input.delta) || input.delta === 0 || Math.abs(input.delta) > MAX_DELTA) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `delta must be a non-zero integer between -${MAX_DELTA} and ${MAX_DELTA}.`, ['input', 'delta']);
  }
  const reason = input.reason?.trim() || null;
  if (reason && reason.length > MAX_KEY) throw new DomainError(CommonErrorCode.INVALID_VALUE, `reason has at most ${MAX_KEY} characters.`, ['input', 'reason']);
  const request = idempotentRequest(ctx, 'stock-movement', key, { sku, locationId: input.locationId, delta: input.delta, reason });

  return inTransaction(ctx.em, async (em) => {
    // Concurrent replays of one key queue on its lock; the second one then finds the first one's movement.
    const previous = await claimIdempotencyKey(em, request, () => queryOne<{ idempotencyHash: string | null; createdBy: string; productId: string; locationId: string }>(
      em,
      `select request_hash as "idempotencyHash", created_by as "createdBy", product_id as "productId", location_id as "locationId"
         from stock_movement where source = ? and external_id = ?`,
      [source, externalId],
    ));
    if (previous) {
      const levels = await levelsOfProduct(em, previous.productId);
      const level = levels.find((candidate) => candidate.locationId === previous.locationId)!;
      return { stockLevel: level, availability: toAvailability(level.sku, previous.productId, levels), created: false };
    }
    const product = (await productsBySku(em, [sku])).get(sku);
    if (!product) throw new DomainError(CatalogErrorCode.UNKNOWN_PRODUCT, `No product with sku "${sku}".`, ['input', 'sku']);
    const location = await requireLocation(em, input.locationId, ['input', 'locationId']);
    const [stockLevel] = await applyStockChanges(
      em,
      [{ productId: product.id, sku: product.sku, locationId: location.id, deltaOnHand: input.delta, deltaReserved: 0, field: ['input', 'delta'] }],
      { kind: 'ADJUSTMENT', reason, source, externalId, requestHash: request.hash, createdBy: writerOf(ctx) },
    );
    const levels = await levelsOfProduct(em, product.id);
    return { stockLevel, availability: toAvailability(product.sku, product.id, levels), created: true };
  });
}

/** `availability(sku)`: totals and per location; an unknown sku has nothing anywhere (all zero). */
export async function getAvailability(ctx: Context, sku: string): Promise<AvailabilityRow> {
  const product = await getProductBySku(ctx, sku);
  if (!product) return toAvailability(sku.trim(), null, []);
  return toAvailability(product.sku, product.id, await ctx.loaders.get(StockLevelsByProductLoader).load(product.id));
}
