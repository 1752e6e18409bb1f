import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { Allow, identityPiiKind, Pii, Roles } from '../../common/auth';
import { Money, money } from '../../common/money';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedKeys, plannedOne, relationList, relationPage } from '../../read-planner';
import { LocationByIdLoader, ProductByIdLoader } from '../catalog/catalog.loaders';
import { LocationObjectType, ProductType, type LocationRow, type PlannedLocationRow, type PlannedProductRow, type ProductRow } from '../catalog/catalog.type';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { CustomerType, type CustomerRow, type PlannedCustomerRow } from '../customers/customer.type';
import { OfferByIdLoader } from '../offers/offer.loaders';
import { OfferType } from '../offers/offer.type';
import type { OfferRow } from '../offers/offer-decision';
import { CustomerOrdersArgs } from './order.inputs';
import { OrderCountByCustomerLoader } from './order.loaders';
import { orderCursor } from './order.service';
import {
  OrderConnection, OrderGuestIdentityType, OrderLineType, OrderType, type EmbeddedLineRow, type OrderLineRow, type OrderRow, type PlannedOrderLineRow,
  type PlannedOrderRow,
} from './order.type';
import type { GuestIdentity } from './order.entity';

@Resolver(() => OrderType)
export class OrderFields {
  @FieldResolver(() => LocationObjectType, { nullable: true, description: 'The store (STORE orders) or the fulfilment location; null for imported history without one.' })
  async location(@Root() order: PlannedOrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedLocationRow | null> {
    const planned = plannedOne<LocationRow, 'id'>(order, info);
    if (planned !== undefined) return planned;
    const { locationId } = plannedKeys(order, 'locationId');
    return locationId ? ctx.loaders.get(LocationByIdLoader).load(locationId) : null;
  }

  @FieldResolver(() => CustomerType, { nullable: true, description: 'The customer (following merges); null for a guest order not claimed yet.' })
  async customer(@Root() order: PlannedOrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedCustomerRow | null> {
    // Read whenever this field is asked for (the relation's onlyWhen): a guest order's is null.
    const { customerId } = plannedKeys(order, 'customerId');
    const planned = plannedOne<CustomerRow, 'id' | 'createdBy'>(order, info, customerId);
    if (planned !== undefined) return planned;
    return customerId ? ctx.loaders.get(CustomerByIdLoader).load(customerId) : null;
  }

  @FieldResolver(() => [OrderLineType], { description: 'Lines in the order they were given.' })
  lines(@Root() order: PlannedOrderRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): EmbeddedLineRow[] | Promise<PlannedOrderLineRow[]> {
    // placeOrder's answer: the write holds the lines (and their products) already.
    return order.lines ?? relationList<OrderLineRow>(ctx, order, info);
  }

  @FieldResolver(() => Money, { description: 'Sum of the line totals.' })
  total(@Root() order: PlannedOrderRow): Money {
    const { totalCents, currency } = plannedKeys(order, 'totalCents', 'currency');
    return money(totalCents, currency);
  }

  @FieldResolver(() => Money, { description: 'Sum of unit price x quantity before discounts.' })
  subtotal(@Root() order: PlannedOrderRow): Money {
    const { subtotalCents, currency } = plannedKeys(order, 'subtotalCents', 'currency');
    return money(subtotalCents, currency);
  }

  @FieldResolver(() => Money, { description: 'Sum of the line discounts.' })
  discountTotal(@Root() order: PlannedOrderRow): Money {
    const { discountCents, currency } = plannedKeys(order, 'discountCents', 'currency');
    return money(discountCents, currency);
  }

  @FieldResolver(() => [OrderGuestIdentityType], { description: 'Identities a guest gave with the order (empty otherwise). Masked for ANALYST and PARTNER.' })
  guestIdentities(@Root() order: PlannedOrderRow): GuestIdentity[] {
    return plannedKeys(order, 'guestIdentities').guestIdentities ?? [];
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
  product(
    @Root() line: PlannedOrderLineRow & { product?: ProductRow }, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo,
  ): PlannedProductRow | Promise<ProductRow> {
    const planned = line.product ?? plannedOne<ProductRow>(line, info);
    if (planned) return planned;
    return ctx.loaders.get(ProductByIdLoader).load(plannedKeys(line, 'productId').productId).then((product) => product!);
  }

  @FieldResolver(() => Money, { description: 'Catalogue price per unit when the order was placed (recorded price for imported history).' })
  unitPrice(@Root() line: PlannedOrderLineRow): Money {
    const { unitPriceCents, currency } = plannedKeys(line, 'unitPriceCents', 'currency');
    return money(unitPriceCents, currency);
  }

  @FieldResolver(() => Money, { description: 'Discount on the whole line from the offer applied (0 without one).' })
  discount(@Root() line: PlannedOrderLineRow): Money {
    const { discountCents, currency } = plannedKeys(line, 'discountCents', 'currency');
    return money(discountCents, currency);
  }

  @FieldResolver(() => Money, { description: 'unitPrice x quantity - discount.' })
  total(@Root() line: PlannedOrderLineRow): Money {
    const { totalCents, currency } = plannedKeys(line, 'totalCents', 'currency');
    return money(totalCents, currency);
  }

  @FieldResolver(() => OfferType, { nullable: true, description: 'The offer that set the discount, if any.' })
  async offer(@Root() line: PlannedOrderLineRow, @Ctx() ctx: Context): Promise<OfferRow | null> {
    const { offerId } = plannedKeys(line, 'offerId');
    return offerId ? ctx.loaders.get(OfferByIdLoader).load(offerId) : null;
  }
}

@Resolver(() => CustomerType)
export class CustomerOrdersFields {
  @Allow(Roles.READ_INTERNAL)
  @FieldResolver(() => OrderConnection, { description: 'Every order of the customer from every channel, newest first: one history.' })
  async orders(
    @Root() customer: PlannedCustomerRow, @Ctx() ctx: Context, @Args(() => CustomerOrdersArgs) args: CustomerOrdersArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<PlannedOrderRow>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : undefined;
    const { page, total } = await relationPage<OrderRow, 'id' | 'placedAt' | 'createdBy'>(ctx, customer, info, size);
    return toConnection(page, Boolean(after), orderCursor, (row) => row, () =>
      total ?? ctx.loaders.get(OrderCountByCustomerLoader).load({ customerId: customer.id, channel: args.channel ?? null }));
  }
}
