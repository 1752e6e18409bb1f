/**
 * Error codes of the catalogue (besides the common NOT_FOUND and INVALID_VALUE). Orders, stock and
 * offers use UNKNOWN_PRODUCT too: a sku is a catalogue concept.
 */
export const CatalogErrorCode = {
  /** The sku is not in the catalogue, or (where a sellable product is needed) the product is inactive. */
  UNKNOWN_PRODUCT: 'UNKNOWN_PRODUCT',
} as const;
