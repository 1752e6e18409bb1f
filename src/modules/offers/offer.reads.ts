/** Read paths shared by the decision loader and the offers service: current offers, responses, decisions. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../../common/channel';
import type { Context } from '../../context/context';
import type { PlannedValues } from '../../read-planner';
import { groupBy, makeLoader } from '../../context/loaders';
import { placeholders, query, queryPrepared, textArray } from '../../database/sql';
import { StatsByCustomerLoader } from '../analytics/analytics.loaders';
import { CONSENT_SQL, ConsentsByCustomerLoader } from '../customers/customer.loaders';
import type { ConsentType } from '../customers/customer.type';
import { decideOffer, type OfferRow, type ResponseSummary } from './offer-decision';
import { figuresFromStats } from '../analytics/segments';
import type { OfferDecisionRow } from './offer.type';

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
 * The offers of `codes` and, when a customer is given, that customer's response summaries (per offer
 * id), in ONE statement: what an order's offer codes are decided on besides the customer's figures.
 */
export async function offersByCodeWithResponses(
  em: EntityManager,
  codes: string[],
  customerId: string | null,
): Promise<{ offers: OfferRow[]; responses: Map<string, ResponseSummary> | undefined }> {
  const responses = customerId ? `(select coalesce(json_agg(r), '[]'::json) from (${responseSummarySql('?')}) r)` : 'null::json';
  const rows = await query<OfferRow & { responses: SummaryRow[] | null }>(
    em,
    `select ${OFFER_COLUMNS}, ${responses} as responses from offer f where f.code = any(?::text[])`,
    [...(customerId ? [customerId] : []), textArray(codes)],
  );
  const summaries = customerId && rows.length ? (summariesByCustomer(rows[0].responses ?? []).get(customerId) ?? new Map<string, ResponseSummary>()) : undefined;
  return { offers: rows.map(({ responses: _responses, ...offer }) => offer), responses: summaries };
}

/** What a decision reads of one customer besides the stats: the current offers, its responses, its consents. */
export interface DecisionInputs {
  offers: OfferRow[];
  /** Latest response and decline per offer id. */
  responses: Map<string, ResponseSummary>;
  consents: ConsentType[];
}

/** The current offers as JSON, as decisions read them: bigints as text, times as ISO text. */
const ACTIVE_OFFERS_JSON = `(select coalesce(json_agg(f order by f.code), '[]'::json) from (
  select f.id, f.code, f.title, f.discount_basis_points as "discountBasisPoints",
         f.discount_amount_cents::text as "discountAmountCents", f.discount_currency as "discountCurrency", f.skus,
         f.segment, f.valid_from as "validFrom", f.valid_to as "validTo", f.active
    ${ACTIVE_OFFERS}) f)`;

/**
 * The decision inputs of the customer `customer` (an SQL expression over a customer row, e.g. `c.id`)
 * as one JSON object: what the read planner reads with a customer when the selection asks for offers.
 */
export function decisionInputsJsonSql(customer: string): string {
  return `json_build_object('offers', ${ACTIVE_OFFERS_JSON},
    'responses', (select coalesce(json_agg(r), '[]'::json) from (${responseSummarySql(customer)}) r),
    'consents', (select coalesce(json_agg(cs), '[]'::json) from (${CONSENT_SQL(customer)}) cs))`;
}

/**
 * Primes DecisionInputsByCustomerLoader (and ConsentsByCustomerLoader, like the loader does) from a
 * planned customer row that carries decisionInputsJsonSql's value as `offerInputs`.
 */
export function primeDecisionInputs(ctx: Context, row: PlannedValues): void {
  if (typeof row.id !== 'string' || row.offerInputs === undefined) return;
  const customerId = row.id;
  const json = row.offerInputs as { offers: OfferRow[]; responses: SummaryRow[]; consents: ConsentType[] };
  ctx.loaders.get(ConsentsByCustomerLoader).prime(customerId, json.consents);
  ctx.loaders.get(DecisionInputsByCustomerLoader).prime(customerId, {
    offers: json.offers,
    responses: summariesByCustomer(json.responses).get(customerId) ?? new Map(),
    consents: json.consents,
  });
}

/**
 * Everything a decision needs besides the stats, in ONE statement: the current offers (unless the
 * caller decides on given ones), the customers' response summaries and their current consents (which
 * also prime ConsentsByCustomerLoader). Each part is a JSON array; bigints travel as text and times as
 * ISO text, which the readers of these rows accept as they accept PostgreSQL's own forms.
 */
async function decisionInputs(ctx: Context, customerIds: readonly string[], given: OfferRow[] | undefined): Promise<DecisionInputs[]> {
  const ids = 'select unnest(?::text[])';
  const [row] = await queryPrepared<{ offers: OfferRow[] | null; responses: SummaryRow[]; consents: ConsentType[] }>(
    ctx.em,
    `select ${given ? 'null' : ACTIVE_OFFERS_JSON} as offers,
            (select coalesce(json_agg(r), '[]'::json) from (${responseSummarySql(ids)}) r) as responses,
            (select coalesce(json_agg(c), '[]'::json) from (${CONSENT_SQL(ids)}) c) as consents`,
    [textArray(customerIds), textArray(customerIds)],
  );
  const consents = groupBy(customerIds, row.consents, (consent) => consent.customerId);
  const responses = summariesByCustomer(row.responses);
  const consentLoader = ctx.loaders.get(ConsentsByCustomerLoader);
  return customerIds.map((id, index) => {
    consentLoader.prime(id, consents[index]);
    return { offers: given ?? row.offers!, responses: responses.get(id) ?? new Map(), consents: consents[index] };
  });
}

/** Decision inputs on the current offers, for every customer of a page in one statement (or embedded, see above). */
export function DecisionInputsByCustomerLoader(ctx: Context) {
  return makeLoader<string, DecisionInputs>((customerIds) => decisionInputs(ctx, customerIds, undefined));
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
  const [stats, inputs] = await Promise.all([
    ctx.loaders.get(StatsByCustomerLoader).loadMany(customerIds),
    given ? decisionInputs(ctx, customerIds, given) : ctx.loaders.get(DecisionInputsByCustomerLoader).loadMany(customerIds),
  ]);
  const byCustomer = new Map(customerIds.map((id, index) => {
    const [row, input] = [stats[index], inputs[index]];
    if (row instanceof Error) throw row;
    if (input instanceof Error) throw input;
    return [id, { figures: figuresFromStats(row), ...input }];
  }));
  return keys.map((key) => {
    const { figures, offers, responses, consents } = byCustomer.get(key.customerId)!;
    const marketing = consents.filter((consent) => consent.purpose === 'MARKETING');
    const contactAllowed = key.channel
      ? marketing.some((consent) => consent.channel === key.channel && consent.granted)
      : marketing.some((consent) => consent.granted);
    return offers.map((offer) => {
      const summary = responses.get(offer.id);
      const verdict = decideOffer(offer, figures, summary, now, ctx.config.declineCooldownDays);
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

