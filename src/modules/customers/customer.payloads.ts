import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { ConsentType, CustomerMergeType, CustomerType, ErasedRecordsType, IdentityType_ } from './customer.type';

const USER_ERRORS = 'Expected failures (codes NOT_FOUND, INVALID_VALUE, CONFLICT, CUSTOMER_ERASED, ...); empty on success.';

@ObjectType({ description: 'The result of identifyCustomer.' })
export class IdentifyCustomerPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The customer the identities belong to (found or created); null on error.' })
  customer?: CustomerType | null;

  @Field({ description: 'True when no identity matched and a customer was created.' })
  created!: boolean;

  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of addIdentity.' })
export class AddIdentityPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The customer with the identity attached; null on error.' })
  customer?: CustomerType | null;

  @Field(() => IdentityType_, { nullable: true, description: 'The identity as stored (normalised); null on error.' })
  identity?: IdentityType_ | null;

  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of mergeCustomers.' })
export class MergeCustomersPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The survivor.' })
  customer?: CustomerType | null;

  @Field(() => CustomerMergeType, { nullable: true, description: 'The merge, as the survivor\'s lineage records it; its id undoes it.' })
  merge?: CustomerMergeType | null;

  @Field(() => [UserError], { description: `${USER_ERRORS} Also SAME_CUSTOMER and ALREADY_MERGED.` })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of undoMerge.' })
export class UndoMergePayload {
  @Field(() => CustomerType, { nullable: true, description: 'The restored customer.' })
  customer?: CustomerType | null;

  @Field(() => CustomerMergeType, { nullable: true, description: 'The merge, now with undoneAt set.' })
  merge?: CustomerMergeType | null;

  @Field(() => [UserError], { description: `${USER_ERRORS} Also ALREADY_UNDONE, and ALREADY_MERGED while the survivor is merged into another customer.` })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of recordConsent.' })
export class RecordConsentPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The customer with its current consents; null on error.' })
  customer?: CustomerType | null;

  @Field(() => ConsentType, { nullable: true, description: 'The consent just recorded: now the current state for its purpose and channel.' })
  consent?: ConsentType | null;

  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of eraseCustomer.' })
export class EraseCustomerPayload {
  @Field(() => CustomerType, { nullable: true, description: 'The erased customer (status ERASED, no personal data); null on error.' })
  customer?: CustomerType | null;

  @Field(() => [ErasedRecordsType], { description: 'What was anonymised or removed, per kind of record.' })
  erased!: ErasedRecordsType[];

  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];
}
