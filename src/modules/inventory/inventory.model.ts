// What the inventory services take: plain shapes, free of GraphQL. The input types of the schema
// (inventory.inputs.ts) implement them.

/** adjustStock: a stock movement reported by a warehouse or store system, idempotent on (source, externalId). */
export interface AdjustStockParams {
  source: string;
  externalId: string;
  sku: string;
  locationId: string;
  delta: number;
  reason?: string | null;
}
