import type { Channel } from '../../common/channel';
import type { MoneyParams } from '../../common/money';
import type { OfferResponseKind } from './offer.enums';

// What the offer services take: plain shapes, free of GraphQL. The input types of the schema
// (offer.inputs.ts) implement them.

/** upsertOffer: the offer with this code, created or its terms replaced. */
export interface UpsertOfferParams {
  code: string;
  title: string;
  discountPercent?: number | null;
  discountAmount?: MoneyParams | null;
  skus?: string[] | null;
  segment?: string | null;
  validFrom?: Date | null;
  validTo?: Date | null;
  active?: boolean | null;
}

/** respondToOffer: a customer's response to an offer in a channel. */
export interface RespondToOfferParams {
  offerId: string;
  customerId: string;
  channel: Channel;
  response: OfferResponseKind;
}
