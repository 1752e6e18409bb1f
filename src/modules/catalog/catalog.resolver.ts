import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { mutationPayload } from '../../common/errors';
import type { Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedColumn, plannedFinder, withPlannedConnection, withPlannedRow } from '../../read-planner';
import { ProductsArgs, UpsertLocationInput, UpsertProductInput } from './catalog.inputs';
import { UpsertLocationPayload, UpsertProductPayload } from './catalog.payloads';
import { getProductBySku, listLocations, listProducts, upsertLocation, upsertProduct } from './catalog.service';
import { LocationObjectType, ProductConnection, ProductType, type LocationRow, type PlannedProductRow, type ProductRow } from './catalog.type';

@Resolver()
export class CatalogResolver {
  @Allow(Roles.READ_INTERNAL)
  @Query(() => ProductType, { nullable: true, description: 'A product by exact sku (inactive ones too); null when unknown.' })
  async product(
    @Ctx() ctx: Context,
    @Arg('sku', () => String, { description: 'The exact sku.' }) sku: string,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PlannedProductRow | null> {
    return withPlannedRow(ctx, info, await getProductBySku(ctx, sku, plannedFinder<ProductRow, 'id'>(ctx, info, 'sku')));
  }

  @Allow(Roles.READ_INTERNAL)
  @Query(() => ProductConnection, { description: 'Products ordered by sku; search matches sku and name fragments.' })
  async products(@Ctx() ctx: Context, @Args(() => ProductsArgs) args: ProductsArgs, @Info() info: GraphQLResolveInfo): Promise<Connection<ProductRow>> {
    return withPlannedConnection(ctx, info, await listProducts(ctx, args, plannedColumn(ctx, info)));
  }

  @Allow(Roles.READ_INTERNAL)
  @Query(() => [LocationObjectType], { description: 'Every warehouse and store, ordered by code.' })
  locations(@Ctx() ctx: Context): Promise<LocationRow[]> {
    return listLocations(ctx);
  }

  @Allow(Roles.ADMIN)
  @Mutation(() => UpsertProductPayload, { description: 'Creates or updates a product by sku: one price for every channel.' })
  upsertProduct(@Ctx() ctx: Context, @Arg('input', () => UpsertProductInput, { description: 'The product, keyed by sku.' }) input: UpsertProductInput) {
    return mutationPayload(() => upsertProduct(ctx, input), { product: null, created: false });
  }

  @Allow(Roles.ADMIN)
  @Mutation(() => UpsertLocationPayload, { description: 'Creates or updates a warehouse or store by code.' })
  upsertLocation(@Ctx() ctx: Context, @Arg('input', () => UpsertLocationInput, { description: 'The location, keyed by code.' }) input: UpsertLocationInput) {
    return mutationPayload(() => upsertLocation(ctx, input), { location: null, created: false });
  }
}
