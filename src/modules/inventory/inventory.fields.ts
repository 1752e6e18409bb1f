import type { GraphQLResolveInfo } from 'graphql';
import { Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context/context';
import { plannedKeys, plannedList, plannedOne } from '../../read-planner';
import { LocationByIdLoader, ProductByIdLoader } from '../catalog/catalog.loaders';
import { LocationObjectType, ProductType, type LocationRow, type PlannedLocationRow, type PlannedProductRow, type ProductRow } from '../catalog/catalog.type';
import { StockLevelsByProductLoader } from './inventory.loaders';
import {
  AvailabilityType,
  StockLevelType,
  toAvailability,
  type AvailabilityRow,
  type PlannedAvailabilityRow,
  type PlannedStockLevelRow,
  type StockLevelRow,
} from './inventory.type';

@Resolver(() => ProductType)
export class ProductAvailabilityFields {
  @FieldResolver(() => AvailabilityType, { description: 'Stock of this product: totals and per location.' })
  async availability(@Root() product: PlannedProductRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedAvailabilityRow> {
    const planned = plannedOne<AvailabilityRow>(product, info);
    if (planned) return planned;
    // Not planned: a product a service or a loader read whole (a planned product has its availability planned with it).
    const { id, sku } = plannedKeys(product, 'id', 'sku');
    return toAvailability(sku, id, await ctx.loaders.get(StockLevelsByProductLoader).load(id));
  }
}

@Resolver(() => AvailabilityType)
export class AvailabilityFields {
  @FieldResolver(() => [StockLevelType], { description: 'One level per location that ever held the product: warehouses first, then by location code.' })
  byLocation(@Root() availability: PlannedAvailabilityRow, @Info() info: GraphQLResolveInfo): PlannedStockLevelRow[] {
    // Planned, or the levels toAvailability put on the totals it made.
    return plannedList<StockLevelRow, 'productId' | 'locationId'>(availability, info) ?? plannedKeys(availability, 'byLocation').byLocation;
  }
}

@Resolver(() => StockLevelType)
export class StockLevelFields {
  @FieldResolver(() => LocationObjectType, { description: 'Where the stock is.' })
  async location(@Root() level: PlannedStockLevelRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedLocationRow> {
    return plannedOne<LocationRow, 'id'>(level, info) ?? (await ctx.loaders.get(LocationByIdLoader).load(level.locationId))!;
  }

  @FieldResolver(() => ProductType, { description: 'The product counted.' })
  async product(@Root() level: PlannedStockLevelRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedProductRow> {
    return plannedOne<ProductRow>(level, info) ?? (await ctx.loaders.get(ProductByIdLoader).load(level.productId))!;
  }
}
