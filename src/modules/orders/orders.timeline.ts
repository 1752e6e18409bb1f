import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { TimelineEntryType, type TimelineEntryRow, type TimelineSource } from '../../common/timeline';
import type { Context } from '../../context/context';
import { OrderByIdLoader } from './orders.loaders';
import { OrderType, type OrderRow } from './orders.type';

/** Orders in Customer.timeline: "Order placed, 288.48 PLN" (figures only, no personal data). */
export const ORDER_TIMELINE: TimelineSource = {
  kind: 'ORDER',
  select: (customerId) =>
    `select o.id, o.placed_at, o.channel,
            'Order ' || lower(o.status) || ', ' || (o.total_cents::numeric / 100)::numeric(16, 2)::text || ' ' || o.currency, null::text
       from "order" o where o.customer_id = ${customerId}`,
  reveals: 'Order',
};

@Resolver(() => TimelineEntryType)
export class TimelineOrderFields {
  @FieldResolver(() => OrderType, { nullable: true, description: 'The order, for ORDER entries; null for other kinds.' })
  async order(@Root() entry: TimelineEntryRow, @Ctx() ctx: Context): Promise<OrderRow | null> {
    return entry.kind === ORDER_TIMELINE.kind ? ctx.loaders.get(OrderByIdLoader).load(entry.id) : null;
  }
}

