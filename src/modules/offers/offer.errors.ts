/**
 * Error codes of the offers (besides the common NOT_FOUND, INVALID_VALUE, CUSTOMER_ERASED and the
 * catalogue's UNKNOWN_PRODUCT for unknown skus of an offer).
 */
export const OfferErrorCode = {
  /**
   * The offer cannot be used for this customer now: unknown code, inactive, outside its validity
   * window, customer not in its segment, declined within the cool-down period, or (in placeOrder) it
   * applies to none of the order's products. The message carries the reasons.
   */
  OFFER_NOT_ELIGIBLE: 'OFFER_NOT_ELIGIBLE',
} as const;
