import { Field, ID, InputType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { ConsentPurpose, IdentityType } from './customer.enums';

@InputType({ description: 'An identity as a channel knows it; normalised before matching.' })
export class IdentityInput {
  @Field(() => IdentityType)
  type!: IdentityType;

  @Field({ description: 'E-mail, phone (any format; stored E.164), card number, handle or key.' })
  value!: string;

  @Field(() => String, { nullable: true, description: 'Required for SOCIAL (facebook, instagram, ...) and EXTERNAL (the system name).' })
  system?: string | null;
}

@InputType({ description: 'Profile fields; on an existing customer only empty fields are filled.' })
export class CustomerProfileInput {
  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'BCP-47 locale, e.g. pl-PL.' })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'City of residence (helps duplicate detection).' })
  city?: string | null;
}

@InputType({ description: 'A customer by id, or identities to resolve (a customer is created when none matches).' })
export class CustomerRefInput {
  @Field(() => ID, { nullable: true })
  id?: string | null;

  @Field(() => [IdentityInput], { nullable: true })
  identities?: IdentityInput[] | null;

  @Field(() => CustomerProfileInput, { nullable: true })
  profile?: CustomerProfileInput | null;
}

@InputType()
export class IdentifyCustomerInput {
  @Field(() => [IdentityInput], { description: 'One or more identities; at most 20.' })
  identities!: IdentityInput[];

  @Field(() => CustomerProfileInput, { nullable: true })
  profile?: CustomerProfileInput | null;

  @Field(() => Channel, { nullable: true, description: 'Where the customer is being identified; remembered as firstSeenChannel of new identities.' })
  channel?: Channel | null;
}

@InputType()
export class AddIdentityInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => IdentityInput)
  identity!: IdentityInput;

  @Field(() => Channel, { nullable: true, description: 'Where the identity was seen first.' })
  channel?: Channel | null;
}

@InputType()
export class MergeCustomersInput {
  @Field(() => ID, { description: 'The customer that stays.' })
  survivorId!: string;

  @Field(() => ID, { description: 'The customer merged away; its id then resolves to the survivor.' })
  mergedId!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;
}

@InputType()
export class UndoMergeInput {
  @Field(() => ID)
  mergeId!: string;
}

@InputType()
export class RecordConsentInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ConsentPurpose)
  purpose!: ConsentPurpose;

  @Field(() => Channel)
  channel!: Channel;

  @Field()
  granted!: boolean;

  @Field(() => Channel, { nullable: true, description: 'Channel through which the customer said so.' })
  source?: Channel | null;
}

@InputType()
export class EraseCustomerInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;
}
