import { formatCents } from '../../common/money';
import type { CustomerStatsRow } from './analytics.type';

/**
 * Segments are named rules over per-customer figures. The rule set is a FIXED set of predicates (no
 * rule language): adding a segment means adding an entry to SEGMENTS below and to docs/offers.md.
 *
 * | segment       | a customer is in it when                                                       |
 * |---------------|--------------------------------------------------------------------------------|
 * | `vip`         | lifetime value >= 1000.00 in some currency (thresholds are in currency units)   |
 * | `lapsed`      | has ordered before, and the last order is more than 180 days old               |
 * | `omnichannel` | used two channels or more (orders and, where recorded, interactions)           |
 * | `new`         | has no order yet                                                               |
 *
 * Lifetime value = totals of PLACED and FULFILLED orders (cancelled and returned ones count nothing),
 * per currency. Cancelled orders do not count as "an order" for `lapsed` and `new` either; every
 * order counts for the channels used.
 *
 * This is the ONE place segment membership is decided. It only takes figures, and the figures come
 * from Customer.stats (`figuresFromStats` over the analytics module's stats read), so offers and
 * Customer.segments can never disagree with the stats a customer page shows.
 */
export interface CustomerFigures {
  /** Lifetime value per currency, in cents. */
  lifetimeValue: { currency: string; cents: bigint }[];
  /** Orders that were not cancelled. */
  orderCount: number;
  /** Newest placedAt of an order that was not cancelled. */
  lastOrderAt: Date | null;
  /** Every channel of an order or an interaction, in Channel enum order. */
  channelsUsed: string[];
}

/** The figures segment rules read, taken from a customer's stats (the one source of both). */
export function figuresFromStats(stats: CustomerStatsRow): CustomerFigures {
  return {
    lifetimeValue: stats.lifetimeValueByCurrency,
    orderCount: stats.orderCount,
    lastOrderAt: stats.lastOrderAt,
    channelsUsed: stats.channelsUsed,
  };
}

export const VIP_LIFETIME_VALUE_CENTS = 100_000;
export const LAPSED_AFTER_DAYS = 180;
export const OMNICHANNEL_MIN_CHANNELS = 2;

const DAY_MS = 86_400_000;

export interface SegmentVerdict {
  member: boolean;
  /** Readable and deterministic for the same figures: it never mentions the asking channel or "now". */
  reason: string;
}

type Predicate = (figures: CustomerFigures, now: Date) => SegmentVerdict;

const SEGMENTS: Record<string, { description: string; test: Predicate }> = {
  vip: {
    description: `lifetime value of at least ${formatCents(VIP_LIFETIME_VALUE_CENTS)} in some currency`,
    test: (figures) => {
      const best = [...figures.lifetimeValue].sort((a, b) => (a.cents === b.cents ? 0 : a.cents < b.cents ? 1 : -1))[0];
      const value = best ? `${formatCents(best.cents)} ${best.currency}` : '0.00';
      return best && best.cents >= BigInt(VIP_LIFETIME_VALUE_CENTS)
        ? { member: true, reason: `in segment vip: lifetime value ${value} is at least ${formatCents(VIP_LIFETIME_VALUE_CENTS)}` }
        : { member: false, reason: `not in segment vip: lifetime value ${value} is below ${formatCents(VIP_LIFETIME_VALUE_CENTS)}` };
    },
  },
  lapsed: {
    description: `ordered before, but not in the last ${LAPSED_AFTER_DAYS} days`,
    test: (figures, now) => {
      if (!figures.lastOrderAt) return { member: false, reason: 'not in segment lapsed: no order yet' };
      const last = figures.lastOrderAt.toISOString();
      return now.getTime() - figures.lastOrderAt.getTime() > LAPSED_AFTER_DAYS * DAY_MS
        ? { member: true, reason: `in segment lapsed: last order at ${last}, more than ${LAPSED_AFTER_DAYS} days ago` }
        : { member: false, reason: `not in segment lapsed: last order at ${last}, within ${LAPSED_AFTER_DAYS} days` };
    },
  },
  omnichannel: {
    description: `used ${OMNICHANNEL_MIN_CHANNELS} channels or more`,
    test: (figures) => {
      const used = figures.channelsUsed.length ? figures.channelsUsed.join(', ') : 'none';
      return figures.channelsUsed.length >= OMNICHANNEL_MIN_CHANNELS
        ? { member: true, reason: `in segment omnichannel: channels used ${used}` }
        : { member: false, reason: `not in segment omnichannel: channels used ${used}` };
    },
  },
  new: {
    description: 'no order yet',
    test: (figures) =>
      figures.orderCount === 0
        ? { member: true, reason: 'in segment new: no order yet' }
        : { member: false, reason: `not in segment new: ${figures.orderCount} order(s) already` },
  },
};

/** Names of every segment, for validation messages. */
export const SEGMENT_NAMES = Object.keys(SEGMENTS);

export function isKnownSegment(name: string): boolean {
  return Object.hasOwn(SEGMENTS, name);
}

/** THE segment rule: is a customer with these figures in `segment`, and why. */
export function evaluateSegment(segment: string, figures: CustomerFigures, now: Date): SegmentVerdict {
  const definition = SEGMENTS[segment];
  if (!definition) return { member: false, reason: `unknown segment ${segment}` };
  return definition.test(figures, now);
}

/** Every segment the figures belong to, in the order of SEGMENT_NAMES (Customer.segments). */
export function segmentsOf(figures: CustomerFigures, now: Date): string[] {
  return SEGMENT_NAMES.filter((name) => evaluateSegment(name, figures, now).member);
}
