import { Arg, Ctx, FieldResolver, Float, Resolver, Root } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { Channel } from '../../common/channel';
import { Money, money } from '../../common/money';
import type { Context } from '../../context/context';
import { CustomerType, type PlannedCustomerRow } from '../customers/customer.type';
import { OfferDecisionsByCustomerLoader } from './offer.loaders';
import { OfferDecisionType, OfferType, type OfferDecisionRow } from './offer.type';
import type { OfferRow } from './offer-decision';

@Resolver(() => OfferType)
export class OfferFields {
  @FieldResolver(() => Float, { nullable: true, description: 'Percent off each line the offer applies to (null for an amount discount).' })
  discountPercent(@Root() offer: OfferRow): number | null {
    return offer.discountBasisPoints === null ? null : offer.discountBasisPoints / 100;
  }

  @FieldResolver(() => Money, { nullable: true, description: 'Amount off each unit (null for a percent discount).' })
  discountAmount(@Root() offer: OfferRow): Money | null {
    return offer.discountAmountCents === null ? null : money(offer.discountAmountCents, offer.discountCurrency!);
  }
}

@Resolver(() => CustomerType)
export class CustomerOffersFields {
  @Allow(Roles.READ_INTERNAL)
  @FieldResolver(() => [OfferDecisionType], {
    description: 'Every current offer decided for this customer: the same decisions on every channel; the channel only sets contactAllowed.',
  })
  offers(
    @Root() customer: PlannedCustomerRow,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel, { nullable: true, description: 'Where the brand would reach out; decides contactAllowed only.' }) channel?: Channel | null,
  ): Promise<OfferDecisionRow[]> {
    return ctx.loaders.get(OfferDecisionsByCustomerLoader).load({ customerId: customer.id, channel: channel ?? null });
  }
}
