import type { Channel } from '../../common/channel';
import type { MoneyParams } from '../../common/money';
import type { CustomerRefParams, IdentityParams } from '../customers/customer.model';
import type { OrderStatus } from './order.enums';

// What the order services take: plain shapes, free of GraphQL. The input types of the schema
// (order.inputs.ts) implement them.

/** One line of a new order: the price comes from the catalogue. */
export interface OrderLineParams {
  sku: string;
  quantity: number;
}

/** placeOrder: an order from any channel, idempotent on (source, externalId). */
export interface PlaceOrderParams {
  source: string;
  externalId: string;
  channel: Channel;
  locationId?: string | null;
  customer?: CustomerRefParams | null;
  lines: OrderLineParams[];
  offerCodes?: string[] | null;
  placedAt?: Date | null;
  guestIdentities?: IdentityParams[] | null;
}

/** updateOrderStatus: a status change of an order. */
export interface UpdateOrderStatusParams {
  orderId: string;
  status: OrderStatus;
}

/** One line of a historical order, with the price recorded at the time. */
export interface ImportOrderLineParams {
  sku: string;
  quantity: number;
  unitPrice: MoneyParams;
  discount?: MoneyParams | null;
}

/** A historical order: recorded prices, date and status; no stock effect. */
export interface ImportOrderParams {
  source: string;
  externalId: string;
  channel: Channel;
  locationId?: string | null;
  locationCode?: string | null;
  customer?: CustomerRefParams | null;
  guestIdentities?: IdentityParams[] | null;
  placedAt: Date;
  status?: OrderStatus | null;
  lines: ImportOrderLineParams[];
}

/** importOrders: a batch of historical orders. */
export interface ImportOrdersParams {
  orders: ImportOrderParams[];
}
