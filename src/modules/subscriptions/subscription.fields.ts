import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context/context';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { CustomerType, type CustomerRow } from '../customers/customer.type';
import { InteractionByIdLoader } from '../interactions/interaction.loaders';
import { InteractionType, type InteractionRow } from '../interactions/interaction.type';
import { OrderByIdLoader } from '../orders/order.loaders';
import { OrderType, type OrderRow } from '../orders/order.type';
import { stockLevelFromEvent, StockLevelType, type StockLevelRow } from '../inventory/inventory.type';
import { CustomerEventType, InteractionEventType, OrderEventType, StockEventType } from './subscription.type';

@Resolver(() => InteractionEventType)
export class InteractionEventFields {
  @FieldResolver(() => InteractionType, { description: 'The interaction as it is now.' })
  async interaction(@Root() event: InteractionEventType, @Ctx() ctx: Context): Promise<InteractionRow> {
    return (await ctx.loaders.get(InteractionByIdLoader).load(event.interactionId))!;
  }
}

@Resolver(() => CustomerEventType)
export class CustomerEventFields {
  @FieldResolver(() => CustomerType, { description: 'The customer as it is now (after merges, the survivor).' })
  async customer(@Root() event: CustomerEventType, @Ctx() ctx: Context): Promise<CustomerRow> {
    return (await ctx.loaders.get(CustomerByIdLoader).load(event.customerId))!;
  }
}

@Resolver(() => OrderEventType)
export class OrderEventFields {
  @FieldResolver(() => OrderType, { description: 'The order as it is now.' })
  async order(@Root() event: OrderEventType, @Ctx() ctx: Context): Promise<OrderRow> {
    return (await ctx.loaders.get(OrderByIdLoader).load(event.orderId))!;
  }
}

@Resolver(() => StockEventType)
export class StockEventFields {
  @FieldResolver(() => StockLevelType, { description: 'The level right after the change (as committed with it, not as it is now).' })
  level(@Root() event: StockEventType): StockLevelRow {
    return stockLevelFromEvent(event.payload);
  }
}
