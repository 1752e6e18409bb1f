import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { Channel } from '../../common/channel';
import { MoneyInput } from '../../common/money';
import { PageArgs } from '../../common/pagination';
import { CustomerRefInput, IdentityInput } from '../customers/customer.inputs';
import type { ImportOrderLineParams, ImportOrderParams, ImportOrdersParams, OrderLineParams, PlaceOrderParams, UpdateOrderStatusParams } from './order.model';
import { OrderStatus } from './order.enums';

@InputType({ description: 'One line of an order: the price comes from the catalogue, never from the caller.' })
export class OrderLineInput implements OrderLineParams {
  @Field(() => String, { description: 'An active product\'s sku; unknown or inactive is UNKNOWN_PRODUCT.' })
  sku!: string;

  @Field(() => Int, { description: '1..999.' })
  quantity!: number;
}

@InputType({ description: 'An order from any channel; idempotent on (source, externalId).' })
export class PlaceOrderInput implements PlaceOrderParams {
  @Field(() => String, { description: 'The sending system, e.g. web-shop or pos-krk-1.' })
  source!: string;

  @Field(() => String, { description: 'The order id in that system: the same input again returns the same order (created: false).' })
  externalId!: string;

  @Field(() => Channel, { description: 'Where the customer buys.' })
  channel!: Channel;

  @Field(() => ID, {
    nullable: true,
    description: 'STORE orders: the store (required, a STORE location). Other channels: the fulfilment location; when omitted, '
      + 'the first location that has enough available stock for EVERY line, warehouses before stores, then by location code '
      + '(none: INSUFFICIENT_STOCK). Stock is reserved there.',
  })
  locationId?: string | null;

  @Field(() => CustomerRefInput, {
    nullable: true,
    description: 'The customer by id or identities (resolved, or created, like identifyCustomer). Omitted: a guest order.',
  })
  customer?: CustomerRefInput | null;

  @Field(() => [OrderLineInput], { description: 'At least one line, at most 100.' })
  lines!: OrderLineInput[];

  @Field(() => [String], { nullable: true, description: 'Offer codes to apply; each must be eligible for the customer (else OFFER_NOT_ELIGIBLE). A line gets the best applicable one.' })
  offerCodes?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'When the customer placed it; default now; not in the future.' })
  placedAt?: Date | null;

  @Field(() => [IdentityInput], {
    nullable: true,
    description: 'Guest orders only (customer omitted): the e-mail, phone, ... the guest gave. A later identifyCustomer (or any customer '
      + 'resolution) with one of them claims the order for that customer. Personal data: masked, exported and erased.',
  })
  guestIdentities?: IdentityInput[] | null;
}

@InputType({ description: 'A status change of an order.' })
export class UpdateOrderStatusInput implements UpdateOrderStatusParams {
  @Field(() => ID, { description: 'The order.' })
  orderId!: string;

  @Field(() => OrderStatus, { description: 'PLACED -> FULFILLED (consumes the reservation) | CANCELLED (releases it); FULFILLED -> RETURNED (restocks).' })
  status!: OrderStatus;
}

@InputType({ description: 'One line of a historical order, with the price recorded at the time.' })
export class ImportOrderLineInput implements ImportOrderLineParams {
  @Field(() => String, { description: 'A known sku (inactive products are fine for history).' })
  sku!: string;

  @Field(() => Int, { description: '1..999.' })
  quantity!: number;

  @Field(() => MoneyInput, { description: 'Unit price as charged then; every line of an order in one currency.' })
  unitPrice!: MoneyInput;

  @Field(() => MoneyInput, { nullable: true, description: 'Discount on the whole line as charged then (default 0; at most unitPrice x quantity).' })
  discount?: MoneyInput | null;
}

@InputType({ description: 'A historical order from a store POS or a shop export: recorded prices, date and status; no stock effect.' })
export class ImportOrderInput implements ImportOrderParams {
  @Field(() => String, { description: 'The sending system.' })
  source!: string;

  @Field(() => String, { description: 'The order id in that system; an order already there under (source, externalId) is SKIPPED.' })
  externalId!: string;

  @Field(() => Channel, { description: 'Where the customer bought.' })
  channel!: Channel;

  @Field(() => ID, { nullable: true, description: 'The store or warehouse by id (or give locationCode).' })
  locationId?: string | null;

  @Field(() => String, { nullable: true, description: 'The store or warehouse by code, as POS exports name it.' })
  locationCode?: string | null;

  @Field(() => CustomerRefInput, { nullable: true, description: 'The customer by id or identities (resolved or created); omitted: a guest order.' })
  customer?: CustomerRefInput | null;

  @Field(() => [IdentityInput], { nullable: true, description: 'Guest orders only: identities that let a later identification claim the order.' })
  guestIdentities?: IdentityInput[] | null;

  @Field(() => Date, { description: 'When it was placed; not in the future.' })
  placedAt!: Date;

  @Field(() => OrderStatus, { nullable: true, description: 'Status as recorded; default FULFILLED.' })
  status?: OrderStatus | null;

  @Field(() => [ImportOrderLineInput], { description: 'At least one line, at most 100.' })
  lines!: ImportOrderLineInput[];
}

@InputType({ description: 'A batch of historical orders (1..1000).' })
export class ImportOrdersInput implements ImportOrdersParams {
  @Field(() => [ImportOrderInput], { description: 'At most 1000 orders; each is created, skipped or rejected on its own.' })
  orders!: ImportOrderInput[];
}

@ArgsType()
export class OrdersArgs extends PageArgs {
  @Field(() => Channel, { nullable: true, description: 'Only orders of this channel.' })
  channel?: Channel | null;

  @Field(() => ID, { nullable: true, description: 'Only orders of this customer (an id merged away resolves to the survivor).' })
  customerId?: string | null;
}

@ArgsType()
export class CustomerOrdersArgs extends PageArgs {
  @Field(() => Channel, { nullable: true, description: 'Only orders of this channel.' })
  channel?: Channel | null;
}
