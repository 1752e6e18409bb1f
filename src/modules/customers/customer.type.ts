import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { Pii } from '../../common/auth';
import { Node } from '../../common/node';
import { ConnectionType } from '../../common/pagination';
import { ConsentPurpose, CustomerStatus, IdentityType } from './customer.enums';
import type { Planned } from '../../read-planner/planned';

/** A customer row as the read paths load it: no entity hydration on the hot path. */
export interface CustomerRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  city: string | null;
  status: CustomerStatus;
  createdAt: Date;
  createdBy: string;
  /** The primary e-mail and phone (the earliest added), when the read planner read them with the row. */
  primaryEmail?: string | null;
  primaryPhone?: string | null;
  /** The primary e-mail of a customer without a name (null for one with a name), when the read planner read it for displayName. */
  unnamedEmail?: string | null;
}

@ObjectType('Customer', { implements: Node, description: 'One person, recognised in every channel.' })
export class CustomerType implements CustomerRow {
  @Field(() => ID, { description: 'Globally unique id (cus_...). An id merged away resolves to its survivor.' })
  id!: string;

  @Pii('name')
  @Field(() => String, { nullable: true, description: 'Masked for ANALYST and PARTNER.' })
  firstName!: string | null;

  @Pii('name')
  @Field(() => String, { nullable: true, description: 'Masked for ANALYST and PARTNER.' })
  lastName!: string | null;

  @Field(() => String, { nullable: true, description: 'Preferred locale, e.g. pl-PL.' })
  locale!: string | null;

  @Pii('name')
  @Field(() => String, { nullable: true, description: 'City of residence, used for duplicate detection. Masked for ANALYST and PARTNER.' })
  city!: string | null;

  @Field(() => CustomerStatus, { description: 'ACTIVE, or ERASED once personal data was erased (GDPR).' })
  status!: CustomerStatus;

  @Field(() => Date, { description: 'When omni360 first identified the customer.' })
  createdAt!: Date;

  createdBy!: string;
}

@ObjectType('Identity', { description: 'How a channel knows the customer. (type, system, value) belongs to one customer at most.' })
export class IdentityType_ {
  id!: string;
  customerId!: string;

  @Field(() => IdentityType, { description: 'What kind of identity: e-mail, phone, loyalty card, social handle or external key.' })
  type!: IdentityType;

  /** Resolved in the field resolver: masking depends on the type. */
  value!: string;

  @Field(() => String, { nullable: true, description: 'For SOCIAL and EXTERNAL identities: facebook, instagram, the other system, ...' })
  system!: string | null;

  @Field(() => Boolean, { description: 'Whether the customer proved to own it (e.g. clicked a link); false for everything omni360 only heard of.' })
  verified!: boolean;

  @Field(() => Channel, { nullable: true, description: 'The channel in which omni360 first saw this identity.' })
  firstSeenChannel!: Channel | null;

  @Field(() => Date, { description: 'When the identity was attached to the customer.' })
  addedAt!: Date;
}

@ObjectType('Consent', { description: 'Current consent for one purpose in one channel.' })
export class ConsentType {
  customerId!: string;

  @Field(() => ConsentPurpose, { description: 'What the consent is for.' })
  purpose!: ConsentPurpose;

  @Field(() => Channel, { description: 'The channel the brand may (or may not) use for this purpose.' })
  channel!: Channel;

  @Field(() => Boolean, { description: 'True when given, false when refused or withdrawn.' })
  granted!: boolean;

  @Field(() => Channel, { nullable: true, description: 'Channel through which the customer gave or withdrew it.' })
  source!: Channel | null;

  @Field({ description: 'When this state was recorded.' })
  updatedAt!: Date;
}

@ObjectType('CustomerMerge', { implements: Node, description: 'A merge of one customer into another, with its lineage; refetch it with `node(id)`.' })
export class CustomerMergeType {
  @Field(() => ID, { description: 'Id of the merge (mrg_...): what undoMerge takes.' })
  id!: string;

  survivorId!: string;

  @Field(() => ID, { description: 'The id that was merged away; it now resolves to the survivor (until undone).' })
  mergedCustomerId!: string;

  @Field(() => Date, { description: 'When the merge happened.' })
  mergedAt!: Date;

  @Pii('text')
  @Field(() => String, { nullable: true, description: 'Why the customers were merged, as the agent wrote it (free text: masked for ANALYST and PARTNER, removed on erasure).' })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Set when undoMerge restored the merged customer.' })
  undoneAt!: Date | null;
}

@ObjectType('DuplicateCandidate', { description: 'A customer that may be the same person, with explained reasons.' })
export class DuplicateCandidateType {
  customerId!: string;

  @Field(() => Float, { description: '0..1; above 0.8 is very likely the same person.' })
  score!: number;

  @Field(() => [String], { description: 'Readable reasons, e.g. "same normalised phone".' })
  reasons!: string[];
}

@ObjectType('ErasedRecords', { description: 'What eraseCustomer anonymised or removed in one place.' })
export class ErasedRecordsType {
  @Field({ description: 'Which records, e.g. customer, identities, orders, interactions, events.' })
  name!: string;

  @Field(() => Int, { description: 'Rows anonymised or removed.' })
  rows!: number;
}

export const CustomerConnection = ConnectionType(CustomerType, 'Customer');

/** A customer row the read planner read for a selection (Customer's `always`: id, createdBy). */
export type PlannedCustomerRow = Planned<CustomerRow, 'id' | 'createdBy'>;
