/** Read paths shared by the decision loader and the offers service: current offers, responses, decisions. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../../common/channel';
import type { Context } from '../../context/context';
import { groupBy } from '../../context/loaders';
import { placeholders, query, queryPrepared, textArray } from '../../database/sql';
import { StatsByCustomerLoader } from '../analytics/analytics.loaders';
import { CONSENT_SQL, ConsentsByCustomerLoader } from '../customers/customer.loaders';
import type { ConsentType } from '../customers/customer.type';
import { decideOffer, type OfferRow, type ResponseSummary } from './offer-decision';
import { figuresFromStats } from './segments';
import type { OfferDecisionRow } from './offers.type';

export const OFFER_COLUMNS = `f.id, f.code, f.title, f.discount_basis_points as "discountBasisPoints",
  f.discount_amount_cents as "discountAmountCents", f.discount_currency as "discountCurrency", f.skus, f.segment,
  f.valid_from as "validFrom", f.valid_to as "validTo", f.active`;

/** Offers that can still be decided on: active and not expired. */
const ACTIVE_OFFERS = `from offer f where f.active and (f.valid_to is null or f.valid_to > now())`;

/** Latest response and latest decline per (customer, offer) of the customers bound as `customerIds`. */
function responseSummarySql(customerIds: string): string {
  return `select customer_id as "customerId", offer_id as "offerId",
            (array_agg(response order by responded_at desc, id desc))[1] as "lastResponse",
            (array_agg(channel order by responded_at desc, id desc))[1] as "lastResponseChannel",
            max(responded_at) filter (where response = 'DECLINED') as "lastDeclinedAt",
            (array_agg(channel order by responded_at desc, id desc) filter (where response = 'DECLINED'))[1] as "lastDeclinedChannel"
       from offer_response where customer_id in (${customerIds})
      group by customer_id, offer_id`;
}

type SummaryRow = ResponseSummary & { customerId: string; offerId: string };

function summariesByCustomer(rows: SummaryRow[]): Map<string, Map<string, ResponseSummary>> {
  const byCustomer = new Map<string, Map<string, ResponseSummary>>();
  for (const row of rows) {
    const offers = byCustomer.get(row.customerId) ?? new Map<string, ResponseSummary>();
    offers.set(row.offerId, row);
    byCustomer.set(row.customerId, offers);
  }
  return byCustomer;
}

/** Latest response and latest decline per (customer, offer), for many customers in one statement. */
export async function responseSummaries(em: EntityManager, customerIds: string[]): Promise<Map<string, Map<string, ResponseSummary>>> {
  if (customerIds.length === 0) return new Map();
  return summariesByCustomer(await query<SummaryRow>(em, responseSummarySql(placeholders(customerIds.length)), customerIds));
}

/**
 * Everything a decision needs besides the stats, in ONE statement: the current offers (unless the
 * caller decides on given ones), the customers' response summaries and their current consents (which
 * also prime ConsentsByCustomerLoader). Each part is a JSON array; bigints travel as text and times as
 * ISO text, which the readers of these rows accept as they accept PostgreSQL's own forms.
 */
async function decisionInputs(ctx: Context, customerIds: string[], given: OfferRow[] | undefined) {
  const ids = 'select unnest(?::text[])';
  const [row] = await queryPrepared<{ offers: OfferRow[] | null; responses: SummaryRow[]; consents: ConsentType[] }>(
    ctx.em,
    `select ${given ? 'null' : `(select coalesce(json_agg(f order by f.code), '[]'::json) from (
              select f.id, f.code, f.title, f.discount_basis_points as "discountBasisPoints",
                     f.discount_amount_cents::text as "discountAmountCents", f.discount_currency as "discountCurrency", f.skus,
                     f.segment, f.valid_from as "validFrom", f.valid_to as "validTo", f.active
                ${ACTIVE_OFFERS}) f)`} as offers,
            (select coalesce(json_agg(r), '[]'::json) from (${responseSummarySql(ids)}) r) as responses,
            (select coalesce(json_agg(c), '[]'::json) from (${CONSENT_SQL(ids)}) c) as consents`,
    [textArray(customerIds), textArray(customerIds)],
  );
  const consents = groupBy(customerIds, row.consents, (consent) => consent.customerId);
  const consentLoader = ctx.loaders.get(ConsentsByCustomerLoader);
  customerIds.forEach((id, index) => consentLoader.prime(id, consents[index]));
  return { offers: given ?? row.offers!, responses: summariesByCustomer(row.responses), consents };
}

/**
 * Decisions on the current offers (or the `given` ones) for each (customer, channel) key: the verdict never depends on the channel;
 * contactAllowed is the customer's current MARKETING consent on that channel.
 */
export async function decisionRows(
  ctx: Context,
  keys: readonly { customerId: string; channel: Channel | null }[],
  given?: OfferRow[],
): Promise<OfferDecisionRow[][]> {
  const customerIds = [...new Set(keys.map((key) => key.customerId))];
  const now = new Date();
  // Figures through the stats loader: a page asking for stats and offers reads them once.
  const [stats, { offers, responses, consents }] = await Promise.all([
    ctx.loaders.get(StatsByCustomerLoader).loadMany(customerIds),
    decisionInputs(ctx, customerIds, given),
  ]);
  const figures = new Map(customerIds.map((id, index) => {
    const row = stats[index];
    if (row instanceof Error) throw row;
    return [id, figuresFromStats(row)];
  }));
  const consentsOf = new Map(customerIds.map((id, index) => [id, consents[index]]));
  return keys.map((key) => {
    const customerConsents = consentsOf.get(key.customerId);
    const marketing = Array.isArray(customerConsents) ? customerConsents.filter((consent) => consent.purpose === 'MARKETING') : [];
    const contactAllowed = key.channel
      ? marketing.some((consent) => consent.channel === key.channel && consent.granted)
      : marketing.some((consent) => consent.granted);
    return offers.map((offer) => {
      const summary = responses.get(key.customerId)?.get(offer.id);
      const verdict = decideOffer(offer, figures.get(key.customerId) ?? null, summary, now, ctx.config.declineCooldownDays);
      return {
        offer,
        ...verdict,
        contactAllowed,
        lastResponse: summary?.lastResponse ?? null,
        lastResponseChannel: (summary?.lastResponseChannel as Channel | undefined) ?? null,
      };
    });
  });
}

