import type { Channel } from '../../common/channel';
import type { Context } from '../../context/context';
import { indexBy, jsonKey, makeLoader } from '../../context/loaders';
import { placeholders, query } from '../../database/sql';
import type { OrderRow } from './order.type';

/** An order row's keys in OrderRow and their columns (`o` the order). */
const ORDER_VALUES: Record<string, string> = {
  id: 'o.id', source: 'o.source', externalId: 'o.external_id', channel: 'o.channel', locationId: 'o.location_id',
  customerId: 'o.customer_id', status: 'o.status', placedAt: 'o.placed_at', currency: 'o.currency',
  subtotalCents: 'o.subtotal_cents', discountCents: 'o.discount_cents', totalCents: 'o.total_cents',
  guestIdentities: 'o.guest_identities', imported: 'o.imported', createdBy: 'o.created_by',
};

/** Every column of OrderRow. */
export const ORDER_COLUMNS = Object.entries(ORDER_VALUES).map(([key, value]) => `${value} as "${key}"`).join(', ');

/** Orders by id; also what the orderPlaced subscription resolves an order.placed event with. */
export function OrderByIdLoader(ctx: Context) {
  return makeLoader<string, OrderRow | null>(async (ids) => {
    const rows = await query<OrderRow>(ctx.em, `select ${ORDER_COLUMNS} from "order" o where o.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  }, 5_000);
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
