import { Field, Int, ObjectType } from 'type-graphql';
import type { Planned } from '../../read-planner/planned';

/** Stock of one product at one location, as read paths and stock.changed events carry it. */
export interface StockLevelRow {
  productId: string;
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
}

@ObjectType('StockLevel', { description: 'Stock of one product at one location.' })
export class StockLevelType {
  productId!: string;
  locationId!: string;

  @Field(() => String, { description: 'The product this level counts (same as the enclosing availability).' })
  sku!: string;

  @Field(() => Int, { description: 'Units physically at the location.' })
  onHand!: number;

  @Field(() => Int, { description: 'Units promised to PLACED orders and not yet fulfilled or cancelled.' })
  reserved!: number;

  @Field(() => Int, { description: 'onHand - reserved: what a new order can take.' })
  available!: number;
}

/** Totals of one product over every location. */
export interface AvailabilityRow {
  sku: string;
  productId: string | null;
  onHand: number;
  reserved: number;
  available: number;
  byLocation: StockLevelRow[];
}

@ObjectType('Availability', { description: 'Stock of one product: totals over every location and the level per location.' })
export class AvailabilityType {
  @Field(() => String, { description: 'The product.' })
  sku!: string;

  @Field(() => Int, { description: 'Sum of available over every location.' })
  available!: number;

  @Field(() => Int, { description: 'Sum of onHand over every location.' })
  onHand!: number;

  @Field(() => Int, { description: 'Sum of reserved over every location.' })
  reserved!: number;

  // Resolved by AvailabilityFields (planned with the product, or the levels read with it).
  byLocation!: StockLevelType[];
}

/** Builds the availability of a product from its levels (already in display order). */
export function toAvailability(sku: string, productId: string | null, levels: StockLevelRow[]): AvailabilityRow {
  const onHand = levels.reduce((sum, level) => sum + level.onHand, 0);
  const reserved = levels.reduce((sum, level) => sum + level.reserved, 0);
  return { sku, productId, onHand, reserved, available: onHand - reserved, byLocation: levels };
}

/**
 * A StockLevel from the payload of a `stock.changed` event: what the stockChanged subscription
 * resolves without reading the table again (the event carries the level as committed).
 */
export function stockLevelFromEvent(payload: Record<string, unknown>): StockLevelRow {
  return {
    productId: String(payload.productId),
    sku: String(payload.sku),
    locationId: String(payload.locationId),
    onHand: Number(payload.onHand),
    reserved: Number(payload.reserved),
    available: Number(payload.available),
  };
}

/** A stock level the read planner read for a selection (StockLevel's `always`). */
export type PlannedStockLevelRow = Planned<StockLevelRow, 'productId' | 'locationId'>;
/** A product's stock totals the read planner computed for a selection. */
export type PlannedAvailabilityRow = Planned<AvailabilityRow>;
