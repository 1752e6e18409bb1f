import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { AvailabilityType, StockLevelType } from './inventory.type';

@ObjectType({ description: 'Result of adjustStock.' })
export class AdjustStockPayload {
  @Field(() => StockLevelType, { nullable: true, description: 'The level at the location after the movement (now, for a replay).' })
  stockLevel?: StockLevelType | null;

  @Field(() => AvailabilityType, { nullable: true, description: 'The product over every location after the movement.' })
  availability?: AvailabilityType | null;

  @Field(() => Boolean, { description: 'False when (source, externalId) was applied before and this call changed nothing.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures: INSUFFICIENT_STOCK, UNKNOWN_PRODUCT, NOT_FOUND, IDEMPOTENCY_CONFLICT, INVALID_VALUE.' })
  userErrors!: UserError[];
}
