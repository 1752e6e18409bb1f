import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { LocationObjectType, ProductType } from './catalog.type';

@ObjectType({ description: 'Result of upsertProduct.' })
export class UpsertProductPayload {
  @Field(() => ProductType, { nullable: true, description: 'The product as stored.' })
  product?: ProductType | null;

  @Field(() => Boolean, { description: 'True when the sku was new.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures, e.g. INVALID_VALUE for a bad price.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of upsertLocation.' })
export class UpsertLocationPayload {
  @Field(() => LocationObjectType, { nullable: true, description: 'The location as stored.' })
  location?: LocationObjectType | null;

  @Field(() => Boolean, { description: 'True when the code was new.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures, e.g. INVALID_VALUE for an empty code.' })
  userErrors!: UserError[];
}
