import { query } from '../../database/sql';
import type { OmniModule } from '../module';
import { OfferEntity, OfferResponseEntity } from './offer.entity';
import { CustomerOffersFields, OfferFields } from './offer.fields';
import { decisionInputsJsonSql, primeDecisionInputs } from './offer.reads';
import { OfferResolver } from './offer.resolver';
import { getOfferById } from './offer.service';
import { OFFER_RESPONSE_TIMELINE, TimelineOfferFields } from './offer.timeline';

export const offersModule: OmniModule = {
  name: 'offers',
  entities: [OfferEntity, OfferResponseEntity],
  resolvers: [OfferResolver, OfferFields, CustomerOffersFields, TimelineOfferFields],
  nodeTypes: { Offer: getOfferById },
  reads: [
    {
      // What a customer's offer decisions read, in the planner's statement: the decision inputs, and the
      // customer's stats (the key analytics adds; the decisions read them through its loader).
      type: 'Customer',
      computed: { offerInputs: (customer) => decisionInputsJsonSql(`${customer}.id`) },
      reads: { offers: ['statsParts', 'offerInputs'] },
      prime: primeDecisionInputs,
    },
  ],
  customerData: [
    {
      name: 'offerResponses',
      table: 'offer_response',
      customerColumn: 'customer_id',
      // Responses hold no personal data (offer, channel, kind, time): they move on merge and stay on erasure.
      exportRows: (em, customerId) =>
        query(
          em,
          `select f.code as "offerCode", r.channel, r.response, r.responded_at as "respondedAt"
             from offer_response r join offer f on f.id = r.offer_id where r.customer_id = ? order by r.responded_at, r.id`,
          [customerId],
        ),
    },
  ],
  timelineSources: [OFFER_RESPONSE_TIMELINE],
};
