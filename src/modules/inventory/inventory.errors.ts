/**
 * Error codes of the inventory (besides the common NOT_FOUND, INVALID_VALUE, IDEMPOTENCY_CONFLICT and
 * the catalogue's UNKNOWN_PRODUCT).
 */
export const InventoryErrorCode = {
  /**
   * A stock change would leave fewer units than it needs: a reservation beyond what is available, or
   * an adjustment that would take away more than the available (unreserved) units, which also covers
   * "onHand would become negative".
   */
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
} as const;
