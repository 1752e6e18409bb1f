import { ArgsType, Field, InputType } from 'type-graphql';
import { MoneyInput } from '../../common/money';
import { PageArgs } from '../../common/pagination';
import { LocationType } from './catalog.enums';
import type { UpsertLocationParams, UpsertProductParams } from './catalog.model';

@InputType({ description: 'Creates the product with this sku, or replaces its name, category, price and active flag.' })
export class UpsertProductInput implements UpsertProductParams {
  @Field(() => String, { description: 'Unique key (trimmed; at most 100 characters).' })
  sku!: string;

  @Field(() => String, { description: 'Display name (at most 200 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Category label; null clears it.' })
  category?: string | null;

  @Field(() => MoneyInput, { description: 'The one price of the product in every channel; zero or more.' })
  price!: MoneyInput;

  @Field(() => Boolean, { nullable: true, description: 'Default true for a new product; omitted keeps the current value.' })
  active?: boolean | null;
}

@InputType({ description: 'Creates the location with this code, or renames / retypes it.' })
export class UpsertLocationInput implements UpsertLocationParams {
  @Field(() => String, { description: 'Unique short code (trimmed; at most 64 characters).' })
  code!: string;

  @Field(() => String, { description: 'Display name (at most 200 characters).' })
  name!: string;

  @Field(() => LocationType, { description: 'WAREHOUSE or STORE.' })
  type!: LocationType;
}

@ArgsType()
export class ProductsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Fragment of the sku or the name, case-insensitive.' })
  search?: string | null;
}
