import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { Allow, identityPiiKind, Pii, Roles } from '../../common/auth';
import { Money, money } from '../../common/money';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedOne, relationList, relationPage } from '../../read-planner';
import { LocationByIdLoader, ProductByIdLoader } from '../catalog/catalog.loaders';
import { LocationObjectType, ProductType, type LocationRow, type ProductRow } from '../catalog/catalog.type';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { CustomerType, type CustomerRow } from '../customers/customer.type';
import { OfferByIdLoader } from '../offers/offer.loaders';
import { OfferType } from '../offers/offer.type';
import type { OfferRow } from '../offers/offer-decision';
import { CustomerOrdersArgs } from './order.inputs';
import { OrderCountByCustomerLoader } from './order.loaders';
import { orderCursor } from './order.service';
import { OrderConnection, OrderGuestIdentityType, OrderLineType, OrderType, type OrderLineRow, type OrderRow } from './order.type';
import type { GuestIdentity } from './order.entity';

@Resolver(() => OrderType)
export class OrderFields {
  @FieldResolver(() => LocationObjectType, { nullable: true, description: 'The store (STORE orders) or the fulfilment location; null for imported history without one.' })
  async location(@Root() order: OrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<LocationRow | null> {
    const planned = plannedOne<LocationRow>(order, info, order.locationId);
    if (planned !== undefined) return planned;
    return order.locationId ? ctx.loaders.get(LocationByIdLoader).load(order.locationId) : null;
  }

  @FieldResolver(() => CustomerType, { nullable: true, description: 'The customer (following merges); null for a guest order not claimed yet.' })
  async customer(@Root() order: OrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<CustomerRow | null> {
    const planned = plannedOne<CustomerRow>(order, info, order.customerId);
    if (planned !== undefined) return planned;
    return order.customerId ? ctx.loaders.get(CustomerByIdLoader).load(order.customerId) : null;
  }

  @FieldResolver(() => [OrderLineType], { description: 'Lines in the order they were given.' })
  lines(@Root() order: OrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): OrderLineRow[] | Promise<OrderLineRow[]> {
    // placeOrder's answer: the write holds the lines (and their products) already.
    return order.lines ?? relationList<OrderLineRow>(ctx, order, info);
  }

  @FieldResolver(() => Money, { description: 'Sum of the line totals.' })
  total(@Root() order: OrderRow): Money {
    return money(order.totalCents, order.currency);
  }

  @FieldResolver(() => Money, { description: 'Sum of unit price x quantity before discounts.' })
  subtotal(@Root() order: OrderRow): Money {
    return money(order.subtotalCents, order.currency);
  }

  @FieldResolver(() => Money, { description: 'Sum of the line discounts.' })
  discountTotal(@Root() order: OrderRow): Money {
    return money(order.discountCents, order.currency);
  }

  @FieldResolver(() => [OrderGuestIdentityType], { description: 'Identities a guest gave with the order (empty otherwise). Masked for ANALYST and PARTNER.' })
  guestIdentities(@Root() order: OrderRow): GuestIdentity[] {
    return order.guestIdentities ?? [];
  }
}

@Resolver(() => OrderGuestIdentityType)
export class OrderGuestIdentityFields {
  @Pii('identity', identityPiiKind)
  @FieldResolver(() => String, { description: 'Normalised value (phone in E.164). Masked for ANALYST and PARTNER.' })
  value(@Root() identity: GuestIdentity): string {
    return identity.value;
  }

  @FieldResolver(() => String, { nullable: true, description: 'For SOCIAL and EXTERNAL identities.' })
  system(@Root() identity: GuestIdentity): string | null {
    return identity.system || null;
  }
}

@Resolver(() => OrderLineType)
export class OrderLineFields {
  @FieldResolver(() => ProductType, { description: 'The product ordered.' })
  product(@Root() line: OrderLineRow & { product?: ProductRow }, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): ProductRow | Promise<ProductRow> {
    return line.product ?? plannedOne<ProductRow>(line, info, line.productId) ?? ctx.loaders.get(ProductByIdLoader).load(line.productId).then((product) => product!);
  }

  @FieldResolver(() => Money, { description: 'Catalogue price per unit when the order was placed (recorded price for imported history).' })
  unitPrice(@Root() line: OrderLineRow): Money {
    return money(line.unitPriceCents, line.currency);
  }

  @FieldResolver(() => Money, { description: 'Discount on the whole line from the offer applied (0 without one).' })
  discount(@Root() line: OrderLineRow): Money {
    return money(line.discountCents, line.currency);
  }

  @FieldResolver(() => Money, { description: 'unitPrice x quantity - discount.' })
  total(@Root() line: OrderLineRow): Money {
    return money(line.totalCents, line.currency);
  }

  @FieldResolver(() => OfferType, { nullable: true, description: 'The offer that set the discount, if any.' })
  async offer(@Root() line: OrderLineRow, @Ctx() ctx: Context): Promise<OfferRow | null> {
    return line.offerId ? ctx.loaders.get(OfferByIdLoader).load(line.offerId) : null;
  }
}

@Resolver(() => CustomerType)
export class CustomerOrdersFields {
  @Allow(Roles.READ_INTERNAL)
  @FieldResolver(() => OrderConnection, { description: 'Every order of the customer from every channel, newest first: one history.' })
  async orders(
    @Root() customer: CustomerRow, @Ctx() ctx: Context, @Args(() => CustomerOrdersArgs) args: CustomerOrdersArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderRow>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : undefined;
    const { page, total } = await relationPage<OrderRow>(ctx, customer, info, size);
    return toConnection(page, Boolean(after), orderCursor, (row) => row, () =>
      total ?? ctx.loaders.get(OrderCountByCustomerLoader).load({ customerId: customer.id, channel: args.channel ?? null }));
  }
}
