import type { Channel } from '../../common/channel';
import { cutPage, keysetWhere, type KeysetPage } from '../../common/pagination';
import type { Context } from '../../context/context';
import { groupBy, indexBy, jsonKey, makeLoader } from '../../context/loaders';
import { placeholders, query, queryPrepared, textArray } from '../../database/sql';
import type { OrderLineRow, OrderRow } from './order.type';

/** An order row's keys in OrderRow and their columns (`o` the order). */
const ORDER_VALUES: Record<string, string> = {
  id: 'o.id', source: 'o.source', externalId: 'o.external_id', channel: 'o.channel', locationId: 'o.location_id',
  customerId: 'o.customer_id', status: 'o.status', placedAt: 'o.placed_at', currency: 'o.currency',
  subtotalCents: 'o.subtotal_cents', discountCents: 'o.discount_cents', totalCents: 'o.total_cents',
  guestIdentities: 'o.guest_identities', imported: 'o.imported', createdBy: 'o.created_by',
};

/** SQL select lists by shape ('' for every column). */
const orderColumnsSql = new Map<string, string>();

/** Every column of OrderRow. */
export const ORDER_COLUMNS = orderColumns(undefined);

/** Orders by id; also what the orderPlaced subscription resolves an order.placed event with. */
export function OrderByIdLoader(ctx: Context) {
  return makeLoader<string, OrderRow | null>(async (ids) => {
    const rows = await query<OrderRow>(ctx.em, `select ${ORDER_COLUMNS} from "order" o where o.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  }, 5_000);
}

/**
 * Lines of many orders in one statement (a page of 100 customers x 100 orders stays one batch). The
 * currency is the parent order's, which the caller already holds: no join back to "order" (on a page of
 * 1,000 orders that join was half the statement's time).
 */
export function OrderLinesByOrderLoader(ctx: Context) {
  return makeLoader<string, Omit<OrderLineRow, 'currency'>[]>(async (orderIds) => {
    const rows = await query<Omit<OrderLineRow, 'currency'>>(
      ctx.em,
      `select l.id, l.order_id as "orderId", l.line_no as "lineNo", l.product_id as "productId", l.sku, l.quantity,
              l.unit_price_cents as "unitPriceCents", l.discount_cents as "discountCents", l.total_cents as "totalCents",
              l.offer_id as "offerId"
         from order_line l
        where l.order_id in (${placeholders(orderIds.length)}) order by l.order_id, l.line_no`,
      [...orderIds],
    );
    return groupBy(orderIds, rows, (row) => row.orderId);
  }, 10_000);
}

export interface CustomerOrdersKey {
  customerId: string;
  size: number;
  /** Decoded (placedAt, id) cursor, or undefined for the first page. */
  after?: (string | number)[];
  channel: Channel | null;
  /** Look-ahead: the OrderRow keys the selection reads (orderColumnsShape); every column when undefined. */
  columns?: string;
  /** Look-ahead: the selection asks for the lines, so they come with the orders in this shape (embeddedLinesShape). */
  lines?: string;
}


/** What each GraphQL field of Order reads of its row (a field missing here reads the whole row). */
const ORDER_KEYS_OF_FIELD: Record<string, string[]> = {
  __typename: [], id: ['id'], source: ['source'], externalId: ['externalId'], channel: ['channel'], status: ['status'],
  placedAt: ['placedAt'], imported: ['imported'], guestIdentities: ['guestIdentities'], customer: ['customerId'],
  location: ['locationId'], lines: ['id', 'currency'], total: ['totalCents', 'currency'], subtotal: ['subtotalCents', 'currency'],
  discountTotal: ['discountCents', 'currency'],
};

/** What every row of a page needs, whatever the selection: its cursor (placedAt, id) and its customer. */
const ORDER_KEYS_ALWAYS = ['customerId', 'id', 'placedAt'];

/**
 * The order columns a selection of Order fields reads, as one canonical string, part of the page's
 * cache key: a list of 50 customers x 20 orders showing five fields parses 7 columns per row, not 15.
 */
export function orderColumnsShape(orderFields: Set<string>): string {
  return [...new Set([...ORDER_KEYS_ALWAYS, ...keysOf(orderFields, ORDER_KEYS_OF_FIELD, ORDER_VALUES)])].sort().join(',');
}

function orderColumns(shape: string | undefined): string {
  let sql = orderColumnsSql.get(shape ?? '');
  if (!sql) {
    const keys = shape === undefined ? Object.keys(ORDER_VALUES) : shape.split(',');
    sql = keys.map((key) => `${ORDER_VALUES[key]} as "${key}"`).join(', ');
    orderColumnsSql.set(shape ?? '', sql);
  }
  return sql;
}
/** What an embedded line can carry: its key in OrderLineRow and the SQL of its value (`l` line, `x` order row). */
const LINE_VALUES: Record<string, string> = {
  id: 'l.id', orderId: 'l.order_id', lineNo: 'l.line_no', productId: 'l.product_id', sku: 'l.sku', quantity: 'l.quantity',
  unitPriceCents: 'l.unit_price_cents::text', discountCents: 'l.discount_cents::text', totalCents: 'l.total_cents::text',
  offerId: 'l.offer_id', currency: 'x.currency',
};

/** The same for the line's product (`p`), in ProductRow's shape. */
const PRODUCT_VALUES: Record<string, string> = {
  id: 'p.id', sku: 'p.sku', name: 'p.name', category: 'p.category', priceCents: 'p.price_cents::text', currency: 'p.currency',
  active: 'p.active', createdAt: 'p.created_at', updatedAt: 'p.updated_at',
};

/**
 * What each GraphQL field of OrderLine and of Product reads of its row. A selected field missing here
 * (one added later) embeds the whole row, so a new field is never served a partial one;
 * test/order-lines-embedded.test.ts compares every field with the lines loaded on their own.
 */
const LINE_KEYS_OF_FIELD: Record<string, string[]> = {
  __typename: [], sku: ['sku'], quantity: ['quantity'], offer: ['offerId'], product: ['productId'],
  unitPrice: ['unitPriceCents', 'currency'], discount: ['discountCents', 'currency'], total: ['totalCents', 'currency'],
};
const PRODUCT_KEYS_OF_FIELD: Record<string, string[]> = {
  __typename: [], id: ['id'], sku: ['sku'], name: ['name'], category: ['category'], active: ['active'], updatedAt: ['updatedAt'],
  price: ['priceCents', 'currency'], availability: ['id', 'sku'],
};

function keysOf(fields: Iterable<string>, keysOfField: Record<string, string[]>, all: Record<string, string>): string[] {
  const keys = new Set<string>();
  for (const field of fields) {
    const needed = keysOfField[field];
    if (!needed) return Object.keys(all);
    for (const key of needed) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * The shape of embedded lines for the fields a selection asks of OrderLine and of its product: the
 * keys each needs, as one canonical string (`quantity,totalCents,currency|name,sku`), which is also
 * part of the page's cache key. A page of 1,000 lines then carries only what the answer shows: on
 * the list page of the benchmark the full rows were 3x the JSON, and parsing it was a third of Node's time.
 */
export function embeddedLinesShape(lineFields: Set<string>, productFields: Set<string>): string {
  const line = keysOf(lineFields, LINE_KEYS_OF_FIELD, LINE_VALUES);
  const product = line.includes('productId') ? keysOf(productFields, PRODUCT_KEYS_OF_FIELD, PRODUCT_VALUES) : [];
  return `${line.join(',')}|${product.join(',')}`;
}

const embeddedLinesSql = new Map<string, string>();

/**
 * The lines of order `x` (the page's order row), in the given shape, as one JSON array in that row:
 * OrderLineRow's keys (its order's currency included) plus `product` (ProductRow's keys) when the
 * product is asked for, money as text like the bigint columns elsewhere. A page of 1,000 orders then
 * needs no statement and no promise per order.
 */
function embeddedLines(shape: string): string {
  let sql = embeddedLinesSql.get(shape);
  if (!sql) {
    const [line, product] = shape.split('|').map((keys) => (keys ? keys.split(',') : []));
    const pairs = (keys: string[], values: Record<string, string>) => keys.map((key) => `'${key}', ${values[key]}`);
    const fields = pairs(line, LINE_VALUES);
    if (product.length) fields.push(`'product', json_build_object(${pairs(product, PRODUCT_VALUES).join(', ')})`);
    sql = `coalesce((
  select json_agg(json_build_object(${fields.join(', ')}) order by l.line_no)
    from order_line l${product.length ? ' join product p on p.id = l.product_id' : ''}
   where l.order_id = x.id), '[]'::json)`;
    embeddedLinesSql.set(shape, sql);
  }
  return sql;
}

/**
 * A page of orders for each of many customers in ONE statement per distinct page request (size, after,
 * channel, lines or not): each customer's newest size + 1 orders after the cursor.
 */
export function OrdersByCustomerLoader(ctx: Context) {
  return makeLoader<CustomerOrdersKey, KeysetPage<OrderRow>>(async (keys) => {
    const groups = new Map<string, CustomerOrdersKey[]>();
    for (const key of keys) {
      const group = jsonKey([key.size, key.after ?? null, key.channel, key.columns ?? null, key.lines ?? null]);
      groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    const pages = new Map<string, KeysetPage<OrderRow>>();
    for (const group of groups.values()) {
      const { size, after, channel, columns, lines } = group[0];
      const customerIds = [...new Set(group.map((key) => key.customerId))];
      const keyset = keysetWhere(['o.placed_at', 'o.id'], 'desc', after);
      // Per customer, a backward scan of its (customer_id, placed_at, id) index that stops after size + 1
      // rows: a frequent buyer's whole history is never read to show its last 20 orders.
      const rows = await queryPrepared<OrderRow & { k: number }>(
        ctx.em,
        `select x.*${lines !== undefined ? `, ${embeddedLines(lines)} as lines` : ''} from (
           select k.n as k, ${orderColumns(columns)}
             from unnest(?::text[]) with ordinality as k(id, n)
             cross join lateral (
               select * from "order" o
                where o.customer_id = k.id ${channel ? 'and o.channel = ?' : ''} and ${keyset.sql}
                order by o.placed_at desc, o.id desc limit ?
             ) o
         ) x order by x.k, x."placedAt" desc, x.id desc`,
        [textArray(customerIds), ...(channel ? [channel] : []), ...keyset.params, size + 1],
      );
      const byCustomer = groupBy(customerIds, rows, (row) => row.customerId!);
      customerIds.forEach((customerId, index) => {
        const page = cutPage(byCustomer[index].map(({ k: _k, ...row }) => row as OrderRow), size);
        pages.set(jsonKey([customerId, size, after ?? null, channel, columns ?? null, lines ?? null]), page);
      });
    }
    return keys.map((key) => pages.get(jsonKey([key.customerId, key.size, key.after ?? null, key.channel, key.columns ?? null, key.lines ?? null]))!);
  }, 1_000);
}

/** Order counts per customer (optionally per channel): Customer.orders.totalCount for a whole page at once. */
export function OrderCountByCustomerLoader(ctx: Context) {
  return makeLoader<{ customerId: string; channel: Channel | null }, number>(async (keys) => {
    const counts = new Map<string, number>();
    const channels = [...new Set(keys.map((key) => key.channel))];
    for (const channel of channels) {
      const customerIds = [...new Set(keys.filter((key) => key.channel === channel).map((key) => key.customerId))];
      const rows = await query<{ customerId: string; count: string }>(
        ctx.em,
        `select customer_id as "customerId", count(*) as count from "order"
          where customer_id in (${placeholders(customerIds.length)}) ${channel ? 'and channel = ?' : ''} group by customer_id`,
        [...customerIds, ...(channel ? [channel] : [])],
      );
      for (const row of rows) counts.set(jsonKey([row.customerId, channel]), Number(row.count));
    }
    return keys.map((key) => counts.get(jsonKey([key.customerId, key.channel])) ?? 0);
  }, 1_000);
}
