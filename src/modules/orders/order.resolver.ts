import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { mutationPayload } from '../../common/errors';
import type { Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedColumn, plannedFinder, withPlannedConnection, withPlannedRow } from '../../read-planner';
import { importOrders } from './order-import.service';
import { ImportOrdersInput, OrdersArgs, PlaceOrderInput, UpdateOrderStatusInput } from './order.inputs';
import { ImportOrdersPayload, PlaceOrderPayload, UpdateOrderStatusPayload } from './order.payloads';
import { getOrder, listOrders, placeOrder, updateOrderStatus } from './order.service';
import { OrderConnection, OrderType, type OrderRow, type PlannedOrderRow } from './order.type';

@Resolver()
export class OrderResolver {
  @Allow(Roles.READ_INTERNAL)
  @Query(() => OrderType, { nullable: true, description: 'An order by id; null when unknown.' })
  async order(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The order id.' }) id: string, @Info() info: GraphQLResolveInfo): Promise<PlannedOrderRow | null> {
    return withPlannedRow(ctx, info, await getOrder(ctx, id, plannedFinder<OrderRow, 'id' | 'placedAt' | 'createdBy'>(ctx, info, 'id')));
  }

  @Allow(Roles.READ_INTERNAL)
  @Query(() => OrderConnection, { description: 'Orders from every channel, newest first; filter by channel and/or customer.' })
  async orders(@Ctx() ctx: Context, @Args(() => OrdersArgs) args: OrdersArgs, @Info() info: GraphQLResolveInfo): Promise<Connection<OrderRow>> {
    return withPlannedConnection(ctx, info, await listOrders(ctx, args, plannedColumn(ctx, info)));
  }

  @Allow(Roles.WRITE_CUSTOMER)
  @Mutation(() => PlaceOrderPayload, {
    description: 'Idempotent on (source, externalId). Prices come from the catalogue and offers, never from the caller; stock is reserved atomically.',
  })
  placeOrder(@Ctx() ctx: Context, @Arg('input', () => PlaceOrderInput, { description: 'The order, keyed by (source, externalId).' }) input: PlaceOrderInput) {
    return mutationPayload(() => placeOrder(ctx, input), { order: null, created: false });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => UpdateOrderStatusPayload, { description: 'PLACED -> FULFILLED | CANCELLED, FULFILLED -> RETURNED, with their stock effects.' })
  updateOrderStatus(@Ctx() ctx: Context, @Arg('input', () => UpdateOrderStatusInput, { description: 'The order and its new status.' }) input: UpdateOrderStatusInput) {
    return mutationPayload(() => updateOrderStatus(ctx, input), { order: null });
  }

  @Allow(Roles.WRITE_CUSTOMER)
  @Mutation(() => ImportOrdersPayload, {
    description: 'Historical orders (store POS, shop exports), up to 1000 per call: recorded prices, dates and statuses, no stock effect; '
      + 'idempotent on (source, externalId); one result per order.',
  })
  importOrders(@Ctx() ctx: Context, @Arg('input', () => ImportOrdersInput, { description: 'Up to 1000 historical orders.' }) input: ImportOrdersInput) {
    return mutationPayload(() => importOrders(ctx, input), { results: [], created: 0, skipped: 0, rejected: 0 });
  }
}
