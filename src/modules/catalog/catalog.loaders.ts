import type { Context } from '../../context/context';
import { indexBy, makeLoader } from '../../context/loaders';
import { placeholders, query } from '../../database/sql';
import type { LocationRow, ProductRow } from './catalog.type';

export const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.category, p.price_cents as "priceCents", p.currency, p.active,
  p.created_at as "createdAt", p.updated_at as "updatedAt"`;

export const LOCATION_COLUMNS = `l.id, l.code, l.name, l.type, l.created_at as "createdAt"`;

/** Products by id (order lines, stock levels). Large batches: one page of orders may name many products. */
export function ProductByIdLoader(ctx: Context) {
  return makeLoader<string, ProductRow | null>(async (ids) => {
    const rows = await query<ProductRow>(ctx.em, `select ${PRODUCT_COLUMNS} from product p where p.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  }, 5_000);
}

/** Products by exact sku. */
export function ProductBySkuLoader(ctx: Context) {
  return makeLoader<string, ProductRow | null>(async (skus) => {
    const rows = await query<ProductRow>(ctx.em, `select ${PRODUCT_COLUMNS} from product p where p.sku in (${placeholders(skus.length)})`, [...skus]);
    return indexBy(skus, rows, (row) => row.sku);
  }, 5_000);
}

export function LocationByIdLoader(ctx: Context) {
  return makeLoader<string, LocationRow | null>(async (ids) => {
    const rows = await query<LocationRow>(ctx.em, `select ${LOCATION_COLUMNS} from location l where l.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  });
}
