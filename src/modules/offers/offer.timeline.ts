import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { TimelineEntryType, type TimelineEntryRow, type TimelineSource } from '../../common/timeline';
import type { Context } from '../../context/context';
import { plannedKeys, type Planned } from '../../read-planner';
import { OfferByIdLoader } from './offer.loaders';
import { OfferType } from './offer.type';
import type { OfferRow } from './offer-decision';

/** Offer responses in Customer.timeline: "Offer SPRING10 declined"; the parent is the offer. */
export const OFFER_RESPONSE_TIMELINE: TimelineSource = {
  kind: 'OFFER_RESPONSE',
  select: (customerId) =>
    `select r.id, r.responded_at, r.channel, 'Offer ' || f.code || ' ' || lower(r.response), r.offer_id
       from offer_response r join offer f on f.id = r.offer_id where r.customer_id = ${customerId}`,
  reveals: 'Offer',
};

@Resolver(() => TimelineEntryType)
export class TimelineOfferFields {
  @FieldResolver(() => OfferType, { nullable: true, description: 'The offer responded to, for OFFER_RESPONSE entries; null for other kinds.' })
  async offer(@Root() entry: Planned<TimelineEntryRow, 'kind' | 'id'>, @Ctx() ctx: Context): Promise<OfferRow | null> {
    const { kind, parentId } = plannedKeys(entry, 'kind', 'parentId');
    return kind === OFFER_RESPONSE_TIMELINE.kind && parentId ? ctx.loaders.get(OfferByIdLoader).load(parentId) : null;
  }
}
