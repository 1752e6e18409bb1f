import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { CustomerMergeType, CustomerType, ErasedRecordsType } from './customer.type';

@ObjectType()
export class IdentifyCustomerPayload {
  @Field(() => CustomerType, { nullable: true })
  customer?: CustomerType | null;

  @Field({ description: 'True when no identity matched and a customer was created.' })
  created!: boolean;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class AddIdentityPayload {
  @Field(() => CustomerType, { nullable: true })
  customer?: CustomerType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class MergeCustomersPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The survivor.' })
  customer?: CustomerType | null;

  @Field(() => CustomerMergeType, { nullable: true })
  merge?: CustomerMergeType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class UndoMergePayload {
  @Field(() => CustomerType, { nullable: true, description: 'The restored customer.' })
  customer?: CustomerType | null;

  @Field(() => CustomerMergeType, { nullable: true })
  merge?: CustomerMergeType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class RecordConsentPayload {
  @Field(() => CustomerType, { nullable: true })
  customer?: CustomerType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class EraseCustomerPayload {
  @Field(() => CustomerType, { nullable: true })
  customer?: CustomerType | null;

  @Field(() => [ErasedRecordsType], { description: 'What was anonymised or removed, per kind of record.' })
  erased!: ErasedRecordsType[];

  @Field(() => [UserError])
  userErrors!: UserError[];
}
