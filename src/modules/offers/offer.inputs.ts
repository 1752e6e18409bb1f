import { Field, Float, ID, InputType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { MoneyInput } from '../../common/money';
import { OfferResponseKind } from './offer.enums';
import type { RespondToOfferParams, UpsertOfferParams } from './offer.model';

@InputType({ description: 'Creates the offer with this code, or replaces its terms.' })
export class UpsertOfferInput implements UpsertOfferParams {
  @Field(() => String, { description: 'Unique code (trimmed; at most 64 characters).' })
  code!: string;

  @Field(() => String, { description: 'Display title (at most 200 characters).' })
  title!: string;

  @Field(() => Float, { nullable: true, description: 'Percent off the line, above 0 and at most 100, two decimals at most. Exactly one of discountPercent and discountAmount.' })
  discountPercent?: number | null;

  @Field(() => MoneyInput, { nullable: true, description: 'Amount off each unit (only for products priced in this currency). Exactly one of discountPercent and discountAmount.' })
  discountAmount?: MoneyInput | null;

  @Field(() => [String], { nullable: true, description: 'Skus it applies to (each must exist); omitted or empty means every sku.' })
  skus?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Segment the offer is for: vip, lapsed, omnichannel or new (see docs/offers.md); omitted means every customer.' })
  segment?: string | null;

  @Field(() => Date, { nullable: true, description: 'Start of validity (inclusive).' })
  validFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of validity (exclusive); after validFrom.' })
  validTo?: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true for a new offer; omitted keeps the current value.' })
  active?: boolean | null;
}

@InputType({ description: 'What a customer did with an offer, on which channel.' })
export class RespondToOfferInput implements RespondToOfferParams {
  @Field(() => ID, { description: 'The offer.' })
  offerId!: string;

  @Field(() => ID, { description: 'The customer (an id merged away resolves to the survivor).' })
  customerId!: string;

  @Field(() => Channel, { description: 'Where the customer responded.' })
  channel!: Channel;

  @Field(() => OfferResponseKind, { description: 'PRESENTED and ACCEPTED need an eligible offer; DECLINED is always recorded.' })
  response!: OfferResponseKind;
}
