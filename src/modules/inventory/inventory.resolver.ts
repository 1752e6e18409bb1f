import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { mutationPayload } from '../../common/errors';
import type { Context } from '../../context/context';
import { AdjustStockInput } from './inventory.inputs';
import { AdjustStockPayload } from './inventory.payloads';
import { adjustStock, getAvailability } from './inventory.service';
import { AvailabilityType, type AvailabilityRow } from './inventory.type';

@Resolver()
export class InventoryResolver {
  @Allow(Roles.READ_INTERNAL)
  @Query(() => AvailabilityType, { description: 'Stock of a product over every location; an unknown sku has zero everywhere.' })
  availability(@Ctx() ctx: Context, @Arg('sku', () => String, { description: 'The exact sku.' }) sku: string): Promise<AvailabilityRow> {
    return getAvailability(ctx, sku);
  }

  @Allow(Roles.WRITE_STOCK)
  @Mutation(() => AdjustStockPayload, { description: 'Receipts, counts and shrinkage; appended to the stock ledger; idempotent on (source, externalId).' })
  adjustStock(@Ctx() ctx: Context, @Arg('input', () => AdjustStockInput, { description: 'The stock movement, keyed by (source, externalId).' }) input: AdjustStockInput) {
    return mutationPayload(() => adjustStock(ctx, input), { stockLevel: null, availability: null, created: false });
  }
}
