import { Field, Int, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { ImportOrderResultType, OrderType } from './order.type';

@ObjectType({ description: 'Result of placeOrder.' })
export class PlaceOrderPayload {
  @Field(() => OrderType, { nullable: true, description: 'The order (the existing one for a replay).' })
  order?: OrderType | null;

  @Field(() => Boolean, { description: 'False when (source, externalId) was placed before with the same input.' })
  created!: boolean;

  @Field(() => [UserError], {
    description: 'Expected failures: UNKNOWN_PRODUCT, INSUFFICIENT_STOCK, OFFER_NOT_ELIGIBLE, IDEMPOTENCY_CONFLICT, INVALID_VALUE, NOT_FOUND, CONFLICT, CUSTOMER_ERASED.',
  })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of updateOrderStatus.' })
export class UpdateOrderStatusPayload {
  @Field(() => OrderType, { nullable: true, description: 'The order after the change.' })
  order?: OrderType | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, INVALID_TRANSITION.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of importOrders: one result per order sent, in input order.' })
export class ImportOrdersPayload {
  @Field(() => [ImportOrderResultType], { description: 'One per input order, same order.' })
  results!: ImportOrderResultType[];

  @Field(() => Int, { description: 'Orders created.' })
  created!: number;

  @Field(() => Int, { description: 'Orders already there (same source and externalId).' })
  skipped!: number;

  @Field(() => Int, { description: 'Orders rejected (see each result\'s code and reason).' })
  rejected!: number;

  @Field(() => [UserError], { description: 'Failures of the whole batch, e.g. INVALID_VALUE for more than 1000 orders.' })
  userErrors!: UserError[];
}
