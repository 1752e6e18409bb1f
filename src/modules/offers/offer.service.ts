import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../../common/channel';
import { type Context, writerOf } from '../../context/context';
import { CommonErrorCode, DomainError, InvalidArgumentError } from '../../common/errors';
import { isIdOf, newId } from '../../common/ids';
import { parseMoney } from '../../common/money';
import { inTransaction, query, queryOne, textArray } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { CatalogErrorCode } from '../catalog/catalog.errors';
import { productsBySku } from '../catalog/catalog.service';
import { rejectNul } from '../../common/text';
import { resolveSurvivorId } from '../customers/customer.service';
import { customerFigures } from './customer-figures';
import { decideOffer, type OfferRow } from './offer-decision';
import { OfferErrorCode } from './offer.errors';
import { OfferByIdLoader, OfferDecisionsByCustomerLoader } from './offer.loaders';
import { decisionRows, OFFER_COLUMNS, offersByCodeWithResponses, responseSummaries } from './offer.reads';
import { OfferResponseKind } from './offer.enums';
import { isKnownSegment, SEGMENT_NAMES } from '../analytics/segments';
import type { OfferDecisionRow } from './offer.type';
import type { RespondToOfferParams, UpsertOfferParams } from './offer.model';

const MAX_CODE = 64;
const MAX_TITLE = 200;
const MAX_SKUS = 1_000;


/** `offersFor(customerId, channel)`: every current offer, decided for the customer. */
export async function offersFor(ctx: Context, customerId: string, channel: Channel): Promise<OfferDecisionRow[]> {
  const survivorId = await resolveSurvivorId(ctx.em, customerId);
  if (!survivorId) throw new InvalidArgumentError(`No customer ${customerId}.`, 'customerId');
  return ctx.loaders.get(OfferDecisionsByCustomerLoader).load({ customerId: survivorId, channel });
}

export async function getOfferById(ctx: Context, id: string): Promise<OfferRow | null> {
  return isIdOf('Offer', id) ? ctx.loaders.get(OfferByIdLoader).load(id) : null;
}

function requiredText(value: string, max: number, field: string[], what: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new DomainError(CommonErrorCode.INVALID_VALUE, `${what} must not be empty.`, field);
  if (trimmed.length > max) throw new DomainError(CommonErrorCode.INVALID_VALUE, `${what} has at most ${max} characters.`, field);
  return trimmed;
}

/** `upsertOffer`: validates the terms once, for every channel. */
export async function upsertOffer(ctx: Context, input: UpsertOfferParams): Promise<{ offer: OfferRow; created: boolean }> {
  rejectNul(input, ['input']);
  const code = requiredText(input.code, MAX_CODE, ['input', 'code'], 'code');
  const title = requiredText(input.title, MAX_TITLE, ['input', 'title'], 'title');
  const hasPercent = input.discountPercent !== null && input.discountPercent !== undefined;
  const hasAmount = input.discountAmount !== null && input.discountAmount !== undefined;
  if (hasPercent === hasAmount) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'Give exactly one of discountPercent and discountAmount.', ['input', hasPercent ? 'discountAmount' : 'discountPercent']);
  }
  let basisPoints: number | null = null;
  let amount: { cents: number; currency: string } | null = null;
  if (hasPercent) {
    const percent = input.discountPercent!;
    basisPoints = Math.round(percent * 100);
    if (!(percent > 0 && percent <= 100) || Math.abs(basisPoints - percent * 100) > 1e-6) {
      throw new DomainError(CommonErrorCode.INVALID_VALUE, 'discountPercent must be above 0 and at most 100, with two decimals at most.', ['input', 'discountPercent']);
    }
  } else {
    amount = parseMoney(input.discountAmount!, ['input', 'discountAmount']);
    if (amount.cents <= 0) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'discountAmount must be above zero.', ['input', 'discountAmount', 'amount']);
  }
  const skus = [...new Set((input.skus ?? []).map((sku) => sku.trim()))];
  if (skus.length > MAX_SKUS) throw new DomainError(CommonErrorCode.INVALID_VALUE, `At most ${MAX_SKUS} skus.`, ['input', 'skus']);
  const segment = input.segment?.trim().toLowerCase() || null;
  if (segment && !isKnownSegment(segment)) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `Unknown segment "${segment}"; known segments: ${SEGMENT_NAMES.join(', ')}.`, ['input', 'segment']);
  }
  if (input.validFrom && input.validTo && input.validTo <= input.validFrom) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'validTo must be after validFrom.', ['input', 'validTo']);
  }
  return inTransaction(ctx.em, async (em) => {
    const products = await productsBySku(em, skus);
    (input.skus ?? []).forEach((raw, index) => {
      const product = products.get(raw.trim());
      if (!product) throw new DomainError(CatalogErrorCode.UNKNOWN_PRODUCT, `No product with sku "${raw.trim()}".`, ['input', 'skus', String(index)]);
      if (amount && product.currency !== amount.currency) {
        throw new DomainError(
          CommonErrorCode.INVALID_VALUE,
          `${product.sku} is priced in ${product.currency}; an amount in ${amount.currency} cannot apply to it.`,
          ['input', 'skus', String(index)],
        );
      }
    });
    const row = await queryOne<OfferRow & { created: boolean }>(
      em,
      `insert into offer as f (id, code, title, discount_basis_points, discount_amount_cents, discount_currency, skus, segment,
              valid_from, valid_to, active, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, coalesce(?::boolean, true), now(), now())
       on conflict (code) do update set title = excluded.title, discount_basis_points = excluded.discount_basis_points,
              discount_amount_cents = excluded.discount_amount_cents, discount_currency = excluded.discount_currency,
              skus = excluded.skus, segment = excluded.segment, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
              active = coalesce(?::boolean, f.active), updated_at = now()
       returning ${OFFER_COLUMNS}, (xmax = 0) as created`,
      [
        newId('Offer'), code, title, basisPoints, amount?.cents ?? null, amount?.currency ?? null, textArray(skus), segment,
        input.validFrom ?? null, input.validTo ?? null, input.active ?? null, input.active ?? null,
      ],
    );
    const { created, ...offer } = row!;
    await appendEvents(em, [{
      type: 'offer.upserted',
      payload: { offerId: offer.id, code: offer.code, segment: offer.segment, active: offer.active, created },
    }]);
    return { offer, created };
  });
}

/**
 * Offers of placeOrder's offerCodes, each checked with the same decision as offersFor (inside the
 * order's transaction); any code that is not eligible is OFFER_NOT_ELIGIBLE at its index.
 */
export async function eligibleOffersByCode(
  ctx: Context,
  em: EntityManager,
  customerId: string | null,
  codes: string[],
  field: string[],
): Promise<OfferRow[]> {
  if (codes.length === 0) return [];
  const { offers: rows, responses } = await offersByCodeWithResponses(em, codes, customerId);
  const byCode = new Map(rows.map((row) => [row.code, row]));
  const figures = customerId ? (await customerFigures(em, [customerId])).get(customerId)! : null;
  const now = new Date();
  return codes.map((code, index) => {
    const offer = byCode.get(code);
    if (!offer) throw new DomainError(OfferErrorCode.OFFER_NOT_ELIGIBLE, `No offer with code "${code}".`, [...field, String(index)]);
    const verdict = decideOffer(offer, figures, responses?.get(offer.id), now, ctx.config.declineCooldownDays);
    if (!verdict.eligible) {
      throw new DomainError(OfferErrorCode.OFFER_NOT_ELIGIBLE, `Offer ${code} is not eligible: ${verdict.reasons.join('; ')}.`, [...field, String(index)]);
    }
    return offer;
  });
}

/**
 * `respondToOffer`: appends PRESENTED / ACCEPTED / DECLINED with the channel. PRESENTED and ACCEPTED
 * need an eligible offer; a DECLINED response is always recorded and blocks the offer for the customer
 * on every channel for the configured cool-down (OMNI360_OFFER_DECLINE_COOLDOWN_DAYS, default 30).
 */
export async function respondToOffer(ctx: Context, input: RespondToOfferParams): Promise<{ offer: OfferRow; decision: OfferDecisionRow }> {
  const { offer, customerId } = await inTransaction(ctx.em, async (em) => {
    const offerRow = isIdOf('Offer', input.offerId)
      ? await queryOne<OfferRow>(em, `select ${OFFER_COLUMNS} from offer f where f.id = ?`, [input.offerId])
      : undefined;
    if (!offerRow) throw new DomainError(CommonErrorCode.NOT_FOUND, `No offer ${input.offerId}.`, ['input', 'offerId']);
    const survivorId = await resolveSurvivorId(em, input.customerId);
    const customer = survivorId
      ? await queryOne<{ id: string; status: string }>(em, `select id, status from customer where id = ? for share`, [survivorId])
      : undefined;
    if (!customer) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${input.customerId}.`, ['input', 'customerId']);
    if (customer.status === 'ERASED') throw new DomainError(CommonErrorCode.CUSTOMER_ERASED, `Customer ${input.customerId} was erased.`, ['input', 'customerId']);
    if (input.response !== OfferResponseKind.DECLINED) {
      const figures = (await customerFigures(em, [customer.id])).get(customer.id)!;
      const responses = (await responseSummaries(em, [customer.id])).get(customer.id);
      const verdict = decideOffer(offerRow, figures, responses?.get(offerRow.id), new Date(), ctx.config.declineCooldownDays);
      if (!verdict.eligible) {
        throw new DomainError(OfferErrorCode.OFFER_NOT_ELIGIBLE, `Offer ${offerRow.code} is not eligible: ${verdict.reasons.join('; ')}.`, ['input', 'offerId']);
      }
    }
    await query(
      em,
      `insert into offer_response (id, offer_id, customer_id, channel, response, responded_by, responded_at) values (?, ?, ?, ?, ?, ?, now())`,
      [newId('OfferResponse'), offerRow.id, customer.id, input.channel, input.response, writerOf(ctx)],
    );
    await appendEvents(em, [{
      type: 'offer.responded',
      customerId: customer.id,
      payload: { offerId: offerRow.id, code: offerRow.code, customerId: customer.id, channel: input.channel, response: input.response },
    }]);
    return { offer: offerRow, customerId: customer.id };
  });
  ctx.loaders.clearAll();
  const [decisions] = await decisionRows(ctx, [{ customerId, channel: input.channel }], [offer]);
  return { offer, decision: decisions[0] };
}
