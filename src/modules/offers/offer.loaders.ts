import type { Channel } from '../../common/channel';
import type { Context } from '../../context/context';
import { indexBy, makeLoader } from '../../context/loaders';
import { placeholders, query } from '../../database/sql';
import { decisionRows, OFFER_COLUMNS } from './offer.reads';
import type { OfferRow } from './offer-decision';
import type { OfferDecisionRow } from './offer.type';

export function OfferByIdLoader(ctx: Context) {
  return makeLoader<string, OfferRow | null>(async (ids) => {
    const rows = await query<OfferRow>(ctx.em, `select ${OFFER_COLUMNS} from offer f where f.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  }, 5_000);
}

/**
 * Decisions on every current offer for each (customer, channel): a page of customers costs the same two
 * statements (figures; offers, responses and consents together) whatever its size.
 */
export function OfferDecisionsByCustomerLoader(ctx: Context) {
  return makeLoader<{ customerId: string; channel: Channel | null }, OfferDecisionRow[]>(async (keys) => {
    return decisionRows(ctx, keys);
  }, 5_000);
}
