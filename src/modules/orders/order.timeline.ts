import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { TimelineEntryType, type TimelineEntryRow, type TimelineSource } from '../../common/timeline';
import type { Context } from '../../context/context';
import type { Planned } from '../../read-planner/planned';
import { OrderByIdLoader } from './order.loaders';
import { OrderType, type OrderRow } from './order.type';

/**
 * Orders in Customer.timeline: "Order placed, 288.48 PLN" (figures only, no personal data). The amount
 * is `cents * 0.01`: exact for any bigint (a division rounds large totals, and a numeric(16, 2) cast
 * overflowed and failed every page of the customer's timeline).
 */
export const ORDER_TIMELINE: TimelineSource = {
  kind: 'ORDER',
  select: (customerId) =>
    `select o.id, o.placed_at, o.channel,
            'Order ' || lower(o.status) || ', ' || (o.total_cents::numeric * 0.01)::text || ' ' || o.currency, null::text
       from "order" o where o.customer_id = ${customerId}`,
  reveals: 'Order',
};

@Resolver(() => TimelineEntryType)
export class TimelineOrderFields {
  @FieldResolver(() => OrderType, { nullable: true, description: 'The order, for ORDER entries; null for other kinds.' })
  async order(@Root() entry: Planned<TimelineEntryRow, 'kind' | 'id'>, @Ctx() ctx: Context): Promise<OrderRow | null> {
    return entry.kind === ORDER_TIMELINE.kind ? ctx.loaders.get(OrderByIdLoader).load(entry.id) : null;
  }
}

