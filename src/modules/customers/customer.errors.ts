/** Error codes of the customers module (besides the common NOT_FOUND, CONFLICT, INVALID_VALUE, CUSTOMER_ERASED). */
export const CustomerErrorCode = {
  /** survivorId and mergedId are the same customer. */
  SAME_CUSTOMER: 'SAME_CUSTOMER',
  /**
   * One side of a merge is already merged into another customer; or undoMerge of a merge whose survivor
   * was merged away since (undo the later merge first).
   */
  ALREADY_MERGED: 'ALREADY_MERGED',
  /** undoMerge of a merge that was undone before. */
  ALREADY_UNDONE: 'ALREADY_UNDONE',
} as const;
