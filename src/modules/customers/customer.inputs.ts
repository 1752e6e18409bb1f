import { Field, ID, InputType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { ConsentPurpose, IdentityType } from './customer.enums';
import type { CustomerProfileParams, CustomerRefParams, IdentityParams } from './customer.model';

@InputType({ description: 'An identity as a channel knows it; normalised before matching.' })
export class IdentityInput implements IdentityParams {
  @Field(() => IdentityType, { description: 'What kind of identity the value is.' })
  type!: IdentityType;

  @Field({ description: 'E-mail, phone (any format; stored E.164), card number, handle or key.' })
  value!: string;

  @Field(() => String, { nullable: true, description: 'Required for SOCIAL (facebook, instagram, ...) and EXTERNAL (the system name).' })
  system?: string | null;
}

@InputType({ description: 'Profile fields; on an existing customer only empty fields are filled.' })
export class CustomerProfileInput implements CustomerProfileParams {
  @Field(() => String, { nullable: true, description: 'Given name, at most 200 characters.' })
  firstName?: string | null;

  @Field(() => String, { nullable: true, description: 'Family name, at most 200 characters.' })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'BCP-47 locale, e.g. pl-PL.' })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'City of residence (helps duplicate detection).' })
  city?: string | null;
}

@InputType({ description: 'A customer by id, or identities to resolve (a customer is created when none matches).' })
export class CustomerRefInput implements CustomerRefParams {
  @Field(() => ID, { nullable: true, description: 'A known customer id (a merged-away id resolves to its survivor).' })
  id?: string | null;

  @Field(() => [IdentityInput], { nullable: true, description: 'Identities to resolve the customer from; a customer is created when none matches.' })
  identities?: IdentityInput[] | null;

  @Field(() => CustomerProfileInput, { nullable: true, description: 'Profile for a new customer; fills only empty fields of an existing one.' })
  profile?: CustomerProfileInput | null;
}

@InputType({ description: 'Identities a channel knows the customer by, to resolve or create the customer.' })
export class IdentifyCustomerInput {
  @Field(() => [IdentityInput], { description: 'One or more identities; at most 20.' })
  identities!: IdentityInput[];

  @Field(() => CustomerProfileInput, { nullable: true, description: 'Profile for a new customer; fills only empty fields of an existing one.' })
  profile?: CustomerProfileInput | null;

  @Field(() => Channel, { nullable: true, description: 'Where the customer is being identified; remembered as firstSeenChannel of new identities.' })
  channel?: Channel | null;
}

@InputType({ description: 'An identity to attach to a customer.' })
export class AddIdentityInput {
  @Field(() => ID, { description: 'The customer (a merged-away id resolves to its survivor).' })
  customerId!: string;

  @Field(() => IdentityInput, { description: 'The identity; normalised before it is matched and stored.' })
  identity!: IdentityInput;

  @Field(() => Channel, { nullable: true, description: 'Where the identity was seen first.' })
  channel?: Channel | null;
}

@InputType({ description: 'Two customers that are one person.' })
export class MergeCustomersInput {
  @Field(() => ID, { description: 'The customer that stays.' })
  survivorId!: string;

  @Field(() => ID, { description: 'The customer merged away; its id then resolves to the survivor.' })
  mergedId!: string;

  @Field(() => String, { nullable: true, description: 'Why, for the lineage (free text: personal data, masked and erased).' })
  reason?: string | null;
}

@InputType({ description: 'A merge to undo.' })
export class UndoMergeInput {
  @Field(() => ID, { description: 'The merge id (CustomerMerge.id).' })
  mergeId!: string;
}

@InputType({ description: 'A consent given or withdrawn, appended to the history.' })
export class RecordConsentInput {
  @Field(() => ID, { description: 'The customer (a merged-away id resolves to its survivor).' })
  customerId!: string;

  @Field(() => ConsentPurpose, { description: 'What the consent is for.' })
  purpose!: ConsentPurpose;

  @Field(() => Channel, { description: 'The channel the consent is about.' })
  channel!: Channel;

  @Field(() => Boolean, { description: 'True to give, false to refuse or withdraw.' })
  granted!: boolean;

  @Field(() => Channel, { nullable: true, description: 'Channel through which the customer said so.' })
  source?: Channel | null;
}

@InputType({ description: 'A GDPR erasure request.' })
export class EraseCustomerInput {
  @Field(() => ID, { description: 'The customer; customers merged into it are erased with it.' })
  customerId!: string;

  @Field(() => String, { nullable: true, description: 'Why (e.g. the request reference); for the caller, not stored.' })
  reason?: string | null;
}
