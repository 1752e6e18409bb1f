import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { Channel } from '../../common/channel';
import { mutationPayload } from '../../common/errors';
import type { Context } from '../../context/context';
import { RespondToOfferInput, UpsertOfferInput } from './offer.inputs';
import { RespondToOfferPayload, UpsertOfferPayload } from './offer.payloads';
import { offersFor, respondToOffer, upsertOffer } from './offer.service';
import { OfferDecisionType, type OfferDecisionRow } from './offer.type';

@Resolver()
export class OfferResolver {
  @Allow(Roles.READ_INTERNAL)
  @Query(() => [OfferDecisionType], {
    description: 'Every current offer decided for a customer. Identical on every channel except contactAllowed (MARKETING consent there).',
  })
  offersFor(
    @Ctx() ctx: Context,
    @Arg('customerId', () => ID, { description: 'The customer (an id merged away resolves to the survivor).' }) customerId: string,
    @Arg('channel', () => Channel, { description: 'Where the brand would reach out.' }) channel: Channel,
  ): Promise<OfferDecisionRow[]> {
    return offersFor(ctx, customerId, channel);
  }

  @Allow(Roles.ADMIN)
  @Mutation(() => UpsertOfferPayload, { description: 'Creates or updates an offer by code; the terms hold for every channel.' })
  upsertOffer(@Ctx() ctx: Context, @Arg('input', () => UpsertOfferInput, { description: 'The offer, keyed by code.' }) input: UpsertOfferInput) {
    return mutationPayload(() => upsertOffer(ctx, input), { offer: null, created: false });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => RespondToOfferPayload, { description: 'Records PRESENTED / ACCEPTED / DECLINED; a DECLINED offer is not offered again on any channel for the cool-down period.' })
  respondToOffer(@Ctx() ctx: Context, @Arg('input', () => RespondToOfferInput, { description: 'Who responded to which offer, how and where.' }) input: RespondToOfferInput) {
    return mutationPayload(() => respondToOffer(ctx, input), { offer: null, decision: null });
  }
}
