import { Field, ID, ObjectType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { Node } from '../../common/node';
import { OfferResponseKind } from './offer.enums';
import type { OfferRow } from './offer-decision';

@ObjectType('Offer', { implements: Node, description: 'A discount decided once for every channel.' })
export class OfferType {
  @Field(() => ID, { description: 'Global id (prefix ofr_).' })
  id!: string;

  @Field(() => String, { description: 'Unique code, as customers and placeOrder.offerCodes name it.' })
  code!: string;

  @Field(() => String, { description: 'Display title.' })
  title!: string;

  @Field(() => [String], { description: 'Skus the offer applies to; empty means every sku.' })
  skus!: string[];

  @Field(() => String, { nullable: true, description: 'Segment the offer is for (vip, lapsed, omnichannel, new); null means every customer.' })
  segment!: string | null;

  @Field(() => Date, { nullable: true, description: 'Start of the validity window (inclusive); null means always.' })
  validFrom!: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of the validity window (exclusive); null means open-ended.' })
  validTo!: Date | null;

  @Field(() => Boolean, { description: 'Inactive offers are never eligible.' })
  active!: boolean;
}

/** A decision as read paths build it. */
export interface OfferDecisionRow {
  offer: OfferRow;
  eligible: boolean;
  reasons: string[];
  contactAllowed: boolean;
  lastResponse: OfferResponseKind | null;
  lastResponseChannel: Channel | null;
}

@ObjectType('OfferDecision', {
  description: 'Whether an offer applies to a customer, and why. Identical on every channel except contactAllowed.',
})
export class OfferDecisionType {
  @Field(() => OfferType, { description: 'The offer decided on.' })
  offer!: OfferType;

  @Field(() => Boolean, { description: 'True when placeOrder would apply the offer for this customer now.' })
  eligible!: boolean;

  @Field(() => [String], { description: 'Why (not): segment verdict, validity window, a recent decline, ... The same on every channel.' })
  reasons!: string[];

  @Field(() => Boolean, {
    description: 'Whether the brand may reach out with the offer on the asked channel: the customer\'s current MARKETING consent there '
      + '(without a channel: on at least one channel).',
  })
  contactAllowed!: boolean;

  @Field(() => OfferResponseKind, { nullable: true, description: 'The customer\'s latest response to the offer, on any channel.' })
  lastResponse!: OfferResponseKind | null;

  @Field(() => Channel, { nullable: true, description: 'The channel of that latest response.' })
  lastResponseChannel!: Channel | null;
}

