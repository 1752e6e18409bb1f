import type { GraphQLResolveInfo } from 'graphql';
import { Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context/context';
import { plannedList, plannedOne } from '../../read-planner';
import { LocationByIdLoader, ProductByIdLoader } from '../catalog/catalog.loaders';
import { LocationObjectType, ProductType, type LocationRow, type ProductRow } from '../catalog/catalog.type';
import { StockLevelsByProductLoader } from './inventory.loaders';
import { AvailabilityType, StockLevelType, toAvailability, type AvailabilityRow, type StockLevelRow } from './inventory.type';

@Resolver(() => ProductType)
export class ProductAvailabilityFields {
  @FieldResolver(() => AvailabilityType, { description: 'Stock of this product: totals and per location.' })
  async availability(@Root() product: ProductRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<AvailabilityRow> {
    const planned = plannedOne<AvailabilityRow>(product, info, product.id);
    if (planned) return planned;
    return toAvailability(product.sku, product.id, await ctx.loaders.get(StockLevelsByProductLoader).load(product.id));
  }
}

@Resolver(() => AvailabilityType)
export class AvailabilityFields {
  @FieldResolver(() => [StockLevelType], { description: 'One level per location that ever held the product: warehouses first, then by location code.' })
  byLocation(@Root() availability: AvailabilityRow, @Info() info: GraphQLResolveInfo): StockLevelRow[] {
    return plannedList<StockLevelRow>(availability, info) ?? availability.byLocation;
  }
}

@Resolver(() => StockLevelType)
export class StockLevelFields {
  @FieldResolver(() => LocationObjectType, { description: 'Where the stock is.' })
  async location(@Root() level: StockLevelRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<LocationRow> {
    return plannedOne<LocationRow>(level, info, level.locationId) ?? (await ctx.loaders.get(LocationByIdLoader).load(level.locationId))!;
  }

  @FieldResolver(() => ProductType, { description: 'The product counted.' })
  async product(@Root() level: StockLevelRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<ProductRow> {
    return plannedOne<ProductRow>(level, info, level.productId) ?? (await ctx.loaders.get(ProductByIdLoader).load(level.productId))!;
  }
}
