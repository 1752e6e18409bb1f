import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../common/channel';
import type { ProductRow } from '../catalog/catalog.type';
import { Node } from '../../common/node';
import { ConnectionType } from '../../common/pagination';
import { IdentityType } from '../customers/customer.enums';
import { ImportOutcome, OrderStatus } from './order.enums';
import type { GuestIdentity } from './order.entity';
import type { Planned } from '../../read-planner/planned';

/** An order row as read paths load it; amounts in cents (bigint as string). */
export interface OrderRow {
  id: string;
  source: string;
  externalId: string;
  channel: Channel;
  locationId: string | null;
  customerId: string | null;
  status: OrderStatus;
  placedAt: string | Date;
  currency: string;
  subtotalCents: string;
  discountCents: string;
  totalCents: string;
  guestIdentities: GuestIdentity[] | null;
  imported: boolean;
  createdBy: string;
  /** The lines, when the write that made the order holds them already (placeOrder's answer); else planned. */
  lines?: EmbeddedLineRow[];
}

/** An order line with its order's currency and its product, as a write holds it. */
export type EmbeddedLineRow = OrderLineRow & { product: ProductRow };

@ObjectType('Order', { implements: Node, description: 'One order from any channel, online or offline: one history for all of them.' })
export class OrderType {
  @Field(() => ID, { description: 'Global id (prefix ord_).' })
  id!: string;

  @Field(() => String, { description: 'The system that sent the order, e.g. web-shop, pos-krk-1.' })
  source!: string;

  @Field(() => String, { description: 'The order id in that system; (source, externalId) is unique.' })
  externalId!: string;

  @Field(() => Channel, { description: 'Where the customer bought.' })
  channel!: Channel;

  @Field(() => OrderStatus, { description: 'PLACED, FULFILLED, CANCELLED or RETURNED.' })
  status!: OrderStatus;

  @Field(() => Date, { description: 'When the customer placed it (recorded time for imported history).' })
  placedAt!: Date;

  @Field(() => Boolean, { description: 'True for historical orders brought in by importOrders (their status never touches stock).' })
  imported!: boolean;
}

@ObjectType('OrderGuestIdentity', { description: 'An identity a guest gave with an order; masked for ANALYST and PARTNER.' })
export class OrderGuestIdentityType {
  @Field(() => IdentityType, { description: 'EMAIL, PHONE, ...' })
  type!: IdentityType;

  /** Resolved in field resolvers: '' is stored for "no system", and masking depends on the type. */
  system!: string;
  value!: string;
}

/** An order line row; `currency` comes from its order. */
export interface OrderLineRow {
  id: string;
  orderId: string;
  lineNo: number;
  productId: string;
  sku: string;
  quantity: number;
  unitPriceCents: string;
  discountCents: string;
  totalCents: string;
  offerId: string | null;
  currency: string;
}

@ObjectType('OrderLine', { description: 'One product of an order, priced from the catalogue and the offers that applied.' })
export class OrderLineType {
  @Field(() => String, { description: 'The sku as ordered.' })
  sku!: string;

  @Field(() => Int, { description: '1..999 units.' })
  quantity!: number;
}

@ObjectType('ImportOrderResult', { description: 'What importOrders did with one order of the batch.' })
export class ImportOrderResultType {
  @Field(() => Int, { description: 'Position of the order in input.orders (0-based).' })
  index!: number;

  @Field(() => String, { description: 'source of the order as sent.' })
  source!: string;

  @Field(() => String, { description: 'externalId of the order as sent.' })
  externalId!: string;

  @Field(() => ImportOutcome, { description: 'CREATED, SKIPPED or REJECTED.' })
  outcome!: ImportOutcome;

  @Field(() => OrderType, { nullable: true, description: 'The created order, or the existing one for SKIPPED.' })
  order!: OrderRow | null;

  @Field(() => String, { nullable: true, description: 'For REJECTED: a stable code (UNKNOWN_PRODUCT, INVALID_VALUE, IDEMPOTENCY_CONFLICT, NOT_FOUND, CONFLICT, ...).' })
  code!: string | null;

  @Field(() => String, { nullable: true, description: 'For REJECTED and SKIPPED: why, readable.' })
  reason!: string | null;
}

export const OrderConnection = ConnectionType(OrderType, 'Order');

/** An order row the read planner read for a selection (Order's `always`). */
export type PlannedOrderRow = Planned<OrderRow, 'id' | 'placedAt' | 'createdBy'>;
/** An order line the read planner read for a selection. */
export type PlannedOrderLineRow = Planned<OrderLineRow>;
