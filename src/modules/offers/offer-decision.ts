import { pgTimestamp } from '../../common/scalars';
import { evaluateSegment, type CustomerFigures } from '../analytics/segments';
import type { OfferResponseKind } from './offer.enums';

/** An offer row as read paths load it. */
export interface OfferRow {
  id: string;
  code: string;
  title: string;
  discountBasisPoints: number | null;
  discountAmountCents: string | null;
  discountCurrency: string | null;
  skus: string[];
  segment: string | null;
  validFrom: string | Date | null;
  validTo: string | Date | null;
  active: boolean;
}

/** What a customer did with one offer, on any channel. */
export interface ResponseSummary {
  lastResponse: OfferResponseKind;
  lastResponseChannel: string;
  lastDeclinedAt: string | Date | null;
  lastDeclinedChannel: string | null;
}

export interface OfferVerdict {
  eligible: boolean;
  reasons: string[];
}

const DAY_MS = 86_400_000;

/**
 * THE offer decision, the same for every channel: it takes no channel at all, so eligibility, price
 * effect and reasons cannot differ between channels (only contactAllowed does, decided elsewhere from
 * consent). `figures` is null for a guest (no customer).
 */
export function decideOffer(
  offer: OfferRow,
  figures: CustomerFigures | null,
  responses: ResponseSummary | undefined,
  now: Date,
  declineCooldownDays: number,
): OfferVerdict {
  const blockers: string[] = [];
  const grounds: string[] = [];
  if (!offer.active) blockers.push('offer is inactive');
  const from = offer.validFrom ? pgTimestamp(offer.validFrom) : null;
  const to = offer.validTo ? pgTimestamp(offer.validTo) : null;
  if (from && now < from) blockers.push(`offer is valid from ${from.toISOString()}`);
  if (to && now >= to) blockers.push(`offer expired at ${to.toISOString()}`);
  if (offer.segment) {
    if (!figures) {
      blockers.push(`offer is for segment ${offer.segment}: a guest without a customer is in no segment`);
    } else {
      const verdict = evaluateSegment(offer.segment, figures, now);
      (verdict.member ? grounds : blockers).push(verdict.reason);
    }
  } else {
    grounds.push('offer is open to every customer');
  }
  if (responses?.lastDeclinedAt) {
    const declinedAt = pgTimestamp(responses.lastDeclinedAt);
    const until = new Date(declinedAt.getTime() + declineCooldownDays * DAY_MS);
    if (now < until) {
      blockers.push(`declined on ${responses.lastDeclinedChannel} at ${declinedAt.toISOString()}: not offered again on any channel until ${until.toISOString()}`);
    }
  }
  return blockers.length > 0 ? { eligible: false, reasons: blockers } : { eligible: true, reasons: grounds };
}

/**
 * The price effect of an offer on one order line, in cents (0 when it does not apply): percent off the
 * line, or the amount off each unit (never more than the line; only for products in the offer's
 * currency). Percentages round half up to the cent.
 */
export function lineDiscountCents(offer: OfferRow, line: { sku: string; unitCents: number; quantity: number; currency: string }): number {
  if (offer.skus.length > 0 && !offer.skus.includes(line.sku)) return 0;
  const gross = line.unitCents * line.quantity;
  if (offer.discountBasisPoints !== null) return Math.floor((gross * offer.discountBasisPoints + 5_000) / 10_000);
  if (offer.discountAmountCents !== null && offer.discountCurrency === line.currency) {
    return Math.min(gross, Number(offer.discountAmountCents) * line.quantity);
  }
  return 0;
}
