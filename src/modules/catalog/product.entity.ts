import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { AuditedEntity } from '../../common/audited.entity';

/**
 * One product with ONE price for every channel: there is deliberately no per-channel price anywhere,
 * so a basket costs the same on the web, in a store and on the phone.
 */
@Entity({ tableName: 'product' })
@Index({
  name: 'product_search_trgm',
  expression: 'create index "product_search_trgm" on "product" using gin ("search_text" gin_trgm_ops)',
})
export class ProductEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'product_sku_unique' })
  sku!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  category?: string | null;

  /** Integer minor units (cents): no float ever touches an amount. */
  @Property({ type: 'bigint' })
  priceCents!: string;

  /** ISO-4217; one currency per product. */
  @Property({ type: 'text' })
  currency!: string;

  /** Inactive products stay readable (order history) but cannot be ordered. */
  @Property({ type: 'boolean', default: true })
  active: boolean = true;

  /** Lower-cased sku and name, trigram-indexed for `products(search)`. */
  @Property({ type: 'text', default: '' })
  searchText: string = '';

  @Property({ type: 'text' })
  createdBy!: string;
}
