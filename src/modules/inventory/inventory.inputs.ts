import { Field, ID, InputType, Int } from 'type-graphql';
import type { AdjustStockParams } from './inventory.model';

@InputType({ description: 'A stock movement reported by a warehouse or store system; idempotent on (source, externalId).' })
export class AdjustStockInput implements AdjustStockParams {
  @Field(() => String, { description: 'The reporting system, e.g. wms-central or pos-krk-1.' })
  source!: string;

  @Field(() => String, { description: 'The movement id in that system: the same (source, externalId) is applied once.' })
  externalId!: string;

  @Field(() => String, { description: 'The product (active or not).' })
  sku!: string;

  @Field(() => ID, { description: 'The location whose stock changes.' })
  locationId!: string;

  @Field(() => Int, {
    description: 'Units to add (receipt, positive count correction) or remove (shrinkage, negative correction); not 0. '
      + 'A removal may take only available (unreserved) units: more is INSUFFICIENT_STOCK.',
  })
  delta!: number;

  @Field(() => String, { nullable: true, description: 'Why, e.g. "receipt PO-123", "cycle count", "damaged".' })
  reason?: string | null;
}
