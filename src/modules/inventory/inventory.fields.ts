import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context/context';
import { LocationByIdLoader, ProductByIdLoader } from '../catalog/catalog.loaders';
import { LocationObjectType, ProductType, type LocationRow, type ProductRow } from '../catalog/catalog.type';
import { StockLevelsByProductLoader } from './inventory.loaders';
import { AvailabilityType, StockLevelType, toAvailability, type AvailabilityRow, type StockLevelRow } from './inventory.type';

@Resolver(() => ProductType)
export class ProductAvailabilityFields {
  @FieldResolver(() => AvailabilityType, { description: 'Stock of this product: totals and per location.' })
  async availability(@Root() product: ProductRow, @Ctx() ctx: Context): Promise<AvailabilityRow> {
    return toAvailability(product.sku, product.id, await ctx.loaders.get(StockLevelsByProductLoader).load(product.id));
  }
}

@Resolver(() => StockLevelType)
export class StockLevelFields {
  @FieldResolver(() => LocationObjectType, { description: 'Where the stock is.' })
  async location(@Root() level: StockLevelRow, @Ctx() ctx: Context): Promise<LocationRow> {
    return (await ctx.loaders.get(LocationByIdLoader).load(level.locationId))!;
  }

  @FieldResolver(() => ProductType, { description: 'The product counted.' })
  async product(@Root() level: StockLevelRow, @Ctx() ctx: Context): Promise<ProductRow> {
    return (await ctx.loaders.get(ProductByIdLoader).load(level.productId))!;
  }
}
