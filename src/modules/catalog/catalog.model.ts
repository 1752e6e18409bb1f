import type { MoneyParams } from '../../common/money';
import type { LocationType } from './catalog.enums';

// What the catalog services take: plain shapes, free of GraphQL. The input types of the schema
// (catalog.inputs.ts) implement them.

/** upsertProduct: the product with this sku, created or replaced. */
export interface UpsertProductParams {
  sku: string;
  name: string;
  category?: string | null;
  price: MoneyParams;
  active?: boolean | null;
}

/** upsertLocation: the location with this code, created or renamed / retyped. */
export interface UpsertLocationParams {
  code: string;
  name: string;
  type: LocationType;
}
