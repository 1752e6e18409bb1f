/**
 * Error codes of orders. Besides these, placeOrder and importOrders answer with:
 * - UNKNOWN_PRODUCT (catalogue): unknown sku, or an inactive one for placeOrder; field points at the line's sku.
 * - INSUFFICIENT_STOCK (inventory): a line cannot be reserved at the location, or no location can supply
 *   every line when locationId is omitted.
 * - OFFER_NOT_ELIGIBLE (offers): an offerCode that is unknown, not eligible for the customer, or applies
 *   to none of the order's products.
 * - IDEMPOTENCY_CONFLICT (common): a different order under the same (source, externalId).
 * - INVALID_VALUE (common): quantity outside 1..999, no lines, lines in different currencies, bad money,
 *   a STORE order without a STORE location, placedAt in the future, more than 1000 orders per import.
 * - NOT_FOUND (common): unknown order or location. CONFLICT / CUSTOMER_ERASED: from the customer reference.
 */
export const OrderErrorCode = {
  /** updateOrderStatus outside PLACED -> FULFILLED | CANCELLED and FULFILLED -> RETURNED. */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
} as const;
