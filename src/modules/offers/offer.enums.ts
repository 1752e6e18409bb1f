import { registerEnumType } from 'type-graphql';

/** What a customer did with an offer. */
export enum OfferResponseKind {
  PRESENTED = 'PRESENTED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
}

registerEnumType(OfferResponseKind, {
  name: 'OfferResponseKind',
  description: 'PRESENTED (shown), ACCEPTED or DECLINED; a DECLINED offer is not offered again on any channel for a while.',
});
