import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { newId } from '../../common/ids';
import { inTransaction, query, queryOne } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { CatalogErrorCode } from '../catalog/catalog.errors';
import { getProductBySku, productsBySku, requireLocation } from '../catalog/catalog.service';
import { claimIdempotencyKey, idempotencyKey, idempotentRequest } from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import { InventoryErrorCode } from './inventory.errors';
import { LOCATION_ORDER, STOCK_LEVEL_COLUMNS, StockLevelsByProductLoader } from './inventory.loaders';
import { toAvailability, type AvailabilityRow, type StockLevelRow } from './inventory.type';
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
  await appendEvents(em, levels.map((level, index) => ({
    type: 'stock.changed',
    payload: {
      ...level,
      deltaOnHand: applied[index].deltaOnHand,
      deltaReserved: applied[index].deltaReserved,
      kind: meta.kind,
      orderId: meta.orderId ?? null,
    },
  })));
  return levels;
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
