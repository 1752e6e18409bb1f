import { registerEnumType } from 'type-graphql';

/**
 * Lifecycle of an order. PLACED reserves stock; FULFILLED consumes the reservation; CANCELLED releases
 * it; RETURNED (from FULFILLED) puts the units back on hand.
 */
export enum OrderStatus {
  PLACED = 'PLACED',
  FULFILLED = 'FULFILLED',
  CANCELLED = 'CANCELLED',
  RETURNED = 'RETURNED',
}

/** What the historical import did with one order. */
export enum ImportOutcome {
  CREATED = 'CREATED',
  SKIPPED = 'SKIPPED',
  REJECTED = 'REJECTED',
}

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'PLACED -> FULFILLED -> RETURNED, or PLACED -> CANCELLED; nothing else.',
});
registerEnumType(ImportOutcome, {
  name: 'ImportOutcome',
  description: 'CREATED (new order), SKIPPED (already there under the same source and externalId), REJECTED (see code and reason).',
});
