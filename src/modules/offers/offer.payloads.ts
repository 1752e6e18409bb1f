import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { OfferDecisionType, OfferType } from './offer.type';

@ObjectType({ description: 'Result of upsertOffer.' })
export class UpsertOfferPayload {
  @Field(() => OfferType, { nullable: true, description: 'The offer as stored.' })
  offer?: OfferType | null;

  @Field(() => Boolean, { description: 'True when the code was new.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures: INVALID_VALUE, UNKNOWN_PRODUCT.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of respondToOffer.' })
export class RespondToOfferPayload {
  @Field(() => OfferType, { nullable: true, description: 'The offer responded to.' })
  offer?: OfferType | null;

  @Field(() => OfferDecisionType, { nullable: true, description: 'The decision for this customer on the responding channel, after the response.' })
  decision?: OfferDecisionType | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, CUSTOMER_ERASED, OFFER_NOT_ELIGIBLE.' })
  userErrors!: UserError[];
}
