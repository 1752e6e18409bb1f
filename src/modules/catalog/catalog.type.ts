import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../../common/node';
import { ConnectionType } from '../../common/pagination';
import { LocationType } from './catalog.enums';
import type { Planned } from '../../read-planner/planned';

/** A product row as read paths load it (plain SQL, no hydration); amounts in cents. */
export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  category: string | null;
  /** bigint comes back from PostgreSQL as a string. */
  priceCents: string;
  currency: string;
  active: boolean;
  createdAt: Date | string;
  updatedAt: Date | string;
}

@ObjectType('Product', { implements: Node, description: 'A sellable item with one price for every channel.' })
export class ProductType {
  @Field(() => ID, { description: 'Global id (prefix prd_).' })
  id!: string;

  @Field(() => String, { description: 'Stock keeping unit: unique, the key every channel uses.' })
  sku!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Free category label, e.g. "shoes".' })
  category!: string | null;

  @Field(() => Boolean, { description: 'Inactive products stay in order history but cannot be ordered.' })
  active!: boolean;

  @Field(() => Date, { description: 'When the product was last created or changed.' })
  updatedAt!: Date;
}

/** A location row as read paths load it. */
export interface LocationRow {
  id: string;
  code: string;
  name: string;
  type: LocationType;
  createdAt: Date | string;
}

@ObjectType('Location', { implements: Node, description: 'A place holding stock: a warehouse or a store.' })
export class LocationObjectType {
  @Field(() => ID, { description: 'Global id (prefix loc_).' })
  id!: string;

  @Field(() => String, { description: 'Unique short code, e.g. WH-CENTRAL or STORE-KRK-1.' })
  code!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => LocationType, { description: 'WAREHOUSE or STORE.' })
  type!: LocationType;
}

export const ProductConnection = ConnectionType(ProductType, 'Product');

/** A product row the read planner read for a selection. */
export type PlannedProductRow = Planned<ProductRow>;
/** A location row the read planner read for a selection. */
export type PlannedLocationRow = Planned<LocationRow, 'id'>;
