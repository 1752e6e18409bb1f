import { listColumn, type ListColumn, type RowFinder } from '../../common/finder';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { InvalidArgumentError, CommonErrorCode, DomainError } from '../../common/errors';
import { isIdOf, newId } from '../../common/ids';
import { parseMoney } from '../../common/money';
import { cutPage, decodeCursor, keysetWhere, pageSize, toConnection, type Connection } from '../../common/pagination';
import { inTransaction, placeholders, query, queryOne, queryPrepared } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { LOCATION_COLUMNS, LocationByIdLoader, PRODUCT_COLUMNS, ProductByIdLoader, ProductBySkuLoader } from './catalog.loaders';
import type { LocationRow, ProductRow } from './catalog.type';
import type { UpsertLocationParams, UpsertProductParams } from './catalog.model';
import { isStorableText, rejectNul } from '../../common/text';

const MAX_SKU = 100;
const MAX_CODE = 64;
const MAX_NAME = 200;


function requiredText(value: string, max: number, field: string[], what: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new DomainError(CommonErrorCode.INVALID_VALUE, `${what} must not be empty.`, field);
  if (trimmed.length > max) throw new DomainError(CommonErrorCode.INVALID_VALUE, `${what} has at most ${max} characters.`, field);
  return trimmed;
}

/** `upsertProduct`: one price per product for every channel; the sku is the key. */
export async function upsertProduct(ctx: Context, input: UpsertProductParams): Promise<{ product: ProductRow; created: boolean }> {
  rejectNul(input, ['input']);
  const sku = requiredText(input.sku, MAX_SKU, ['input', 'sku'], 'sku');
  const name = requiredText(input.name, MAX_NAME, ['input', 'name'], 'name');
  const category = input.category?.trim() || null;
  if (category && category.length > MAX_NAME) throw new DomainError(CommonErrorCode.INVALID_VALUE, `category has at most ${MAX_NAME} characters.`, ['input', 'category']);
  const price = parseMoney(input.price, ['input', 'price']);
  if (price.cents < 0) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'price must not be negative.', ['input', 'price', 'amount']);
  return inTransaction(ctx.em, async (em) => {
    const row = await queryOne<ProductRow & { created: boolean }>(
      em,
      `insert into product as p (id, sku, name, category, price_cents, currency, active, search_text, created_by, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, coalesce(?::boolean, true), lower(? || ' ' || ?), ?, now(), now())
       on conflict (sku) do update set name = excluded.name, category = excluded.category, price_cents = excluded.price_cents,
              currency = excluded.currency, active = coalesce(?::boolean, p.active), search_text = excluded.search_text, updated_at = now()
       returning ${PRODUCT_COLUMNS}, (xmax = 0) as created`,
      [newId('Product'), sku, name, category, price.cents, price.currency, input.active ?? null, sku, name, writerOf(ctx), input.active ?? null],
    );
    const { created, ...product } = row!;
    await appendEvents(em, [{
      type: 'product.upserted',
      payload: { productId: product.id, sku: product.sku, priceCents: Number(product.priceCents), currency: product.currency, active: product.active, created },
    }]);
    return { product, created };
  });
}

/** `product(sku)`: inactive products too (they appear in order history). */
export async function getProductBySku<R = ProductRow>(ctx: Context, sku: string, find?: RowFinder<R>): Promise<R | ProductRow | null> {
  if (!isStorableText(sku)) return null;
  return find ? find(sku.trim()) : ctx.loaders.get(ProductBySkuLoader).load(sku.trim());
}

export async function getProductById(ctx: Context, id: string): Promise<ProductRow | null> {
  return isIdOf('Product', id) ? ctx.loaders.get(ProductByIdLoader).load(id) : null;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** `products(first, after, search)`: by sku; search matches sku or name fragments. */
export async function listProducts(
  ctx: Context,
  args: { first?: number; after?: string; search?: string | null },
  column?: ListColumn,
): Promise<Connection<ProductRow>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after, 1, ['string']) : undefined;
  const fragment = args.search?.trim().toLowerCase() ?? '';
  if (!isStorableText(fragment)) throw new InvalidArgumentError('search must not contain NUL characters', 'search');
  const filter = fragment ? `p.search_text like ? escape '\\'` : 'true';
  const filterParams = fragment ? [`%${escapeLike(fragment)}%`] : [];
  const extra = listColumn(column, 'p');
  // A search's page comes from product_search_page(), which plans the pattern on each call, as
  // customers(search) does; the statement around it stays prepared.
  const rows = fragment
    ? await queryPrepared<ProductRow>(
        ctx.em,
        `select ${PRODUCT_COLUMNS}${extra.select} from product_search_page(?, ?, ?) s(id) join product p on p.id = s.id order by p.sku`,
        [...extra.params, ...filterParams, after?.[0] ?? null, size + extra.lookahead],
      )
    : await queryPrepared<ProductRow>(
        ctx.em,
        `select ${PRODUCT_COLUMNS}${extra.select} from product p where ${keysetWhere(['p.sku'], 'asc', after).sql} order by p.sku limit ?`,
        [...extra.params, ...(after ?? []), size + extra.lookahead],
      );
  const loader = ctx.loaders.get(ProductByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(cutPage(rows, size), Boolean(after), (row) => [row.sku], (row) => row, async () => {
    const count = await queryOne<{ count: string }>(ctx.em, `select count(*) from product p where ${filter}`, filterParams);
    return Number(count?.count ?? 0);
  });
}

/** `upsertLocation`: the code is the key. */
export async function upsertLocation(ctx: Context, input: UpsertLocationParams): Promise<{ location: LocationRow; created: boolean }> {
  rejectNul(input, ['input']);
  const code = requiredText(input.code, MAX_CODE, ['input', 'code'], 'code');
  const name = requiredText(input.name, MAX_NAME, ['input', 'name'], 'name');
  return inTransaction(ctx.em, async (em) => {
    const row = await queryOne<LocationRow & { created: boolean }>(
      em,
      `insert into location as l (id, code, name, type, created_at, updated_at) values (?, ?, ?, ?, now(), now())
       on conflict (code) do update set name = excluded.name, type = excluded.type, updated_at = now()
       returning ${LOCATION_COLUMNS}, (xmax = 0) as created`,
      [newId('Location'), code, name, input.type],
    );
    const { created, ...location } = row!;
    await appendEvents(em, [{ type: 'location.upserted', payload: { locationId: location.id, code: location.code, type: location.type, created } }]);
    return { location, created };
  });
}

/** `locations`: every location, by code. */
export async function listLocations(ctx: Context): Promise<LocationRow[]> {
  const rows = await query<LocationRow>(ctx.em, `select ${LOCATION_COLUMNS} from location l order by l.code`);
  const loader = ctx.loaders.get(LocationByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return rows;
}

export async function getLocationById(ctx: Context, id: string): Promise<LocationRow | null> {
  return isIdOf('Location', id) ? ctx.loaders.get(LocationByIdLoader).load(id) : null;
}

/** For writers in other modules: a location inside their transaction, or NOT_FOUND at `field`. */
export async function requireLocation(em: EntityManager, id: string, field: string[]): Promise<LocationRow> {
  const row = isIdOf('Location', id) ? await queryOne<LocationRow>(em, `select ${LOCATION_COLUMNS} from location l where l.id = ?`, [id]) : undefined;
  if (!row) throw new DomainError(CommonErrorCode.NOT_FOUND, `No location ${id}.`, field);
  return row;
}

/** For writers in other modules: products by sku (active or not), one statement. */
export async function productsBySku(em: EntityManager, skus: string[]): Promise<Map<string, ProductRow>> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) return new Map();
  const rows = await query<ProductRow>(em, `select ${PRODUCT_COLUMNS} from product p where p.sku in (${placeholders(unique.length)})`, unique);
  return new Map(rows.map((row) => [row.sku, row]));
}

