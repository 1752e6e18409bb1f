import { FieldResolver, Resolver, Root } from 'type-graphql';
import { Money, money } from '../../common/money';
import { ProductType, type ProductRow } from './catalog.type';

@Resolver(() => ProductType)
export class ProductFields {
  @FieldResolver(() => Money, { description: 'The one price of the product, the same in every channel.' })
  price(@Root() product: ProductRow): Money {
    return money(product.priceCents, product.currency);
  }
}
