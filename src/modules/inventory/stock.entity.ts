import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { LocationEntity } from '../catalog/location.entity';
import { ProductEntity } from '../catalog/product.entity';

/**
 * Stock of one product at one location. `reserved` counts units promised to PLACED orders, so
 * available = on_hand - reserved. The checks make overselling impossible even for a buggy writer:
 * fulfilment lowers both columns together and keeps reserved <= on_hand.
 */
@Entity({ tableName: 'stock_level' })
@Check({ name: 'stock_level_on_hand_check', expression: 'on_hand >= 0' })
@Check({ name: 'stock_level_reserved_check', expression: 'reserved >= 0 and reserved <= on_hand' })
@Index({ name: 'stock_level_location_idx', properties: ['location'] })
export class StockLevelEntity {
  @ManyToOne(() => ProductEntity, { mapToPk: true, primary: true })
  product!: string;

  @ManyToOne(() => LocationEntity, { mapToPk: true, primary: true })
  location!: string;

  @Property({ type: 'integer', default: 0 })
  onHand: number = 0;

  @Property({ type: 'integer', default: 0 })
  reserved: number = 0;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

/**
 * The stock ledger: every change to stock_level writes one row here in the same transaction, so the
 * sums of the deltas per (product, location) always equal on_hand and reserved.
 */
@Entity({ tableName: 'stock_movement' })
@Unique({ name: 'stock_movement_source_external_id_unique', properties: ['source', 'externalId'] })
@Index({ name: 'stock_movement_product_location_idx', properties: ['product', 'location', 'createdAt'] })
export class StockMovementEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  /** For adjustStock: the calling system; null for movements caused by orders. */
  @Property({ type: 'text', nullable: true })
  source?: string | null;

  /** For adjustStock: the caller's id of the movement; (source, externalId) makes it idempotent. */
  @Property({ type: 'text', nullable: true })
  externalId?: string | null;

  /** Hash of the normalised adjustStock input: a replay with different content is a conflict. */
  @Property({ type: 'text', nullable: true })
  requestHash?: string | null;

  @ManyToOne(() => ProductEntity, { mapToPk: true })
  product!: string;

  @ManyToOne(() => LocationEntity, { mapToPk: true })
  location!: string;

  @Property({ type: 'integer' })
  deltaOnHand!: number;

  @Property({ type: 'integer' })
  deltaReserved!: number;

  /** ADJUSTMENT, RESERVE, RELEASE, FULFIL or RESTOCK. */
  @Property({ type: 'text' })
  kind!: string;

  /** Free text of adjustStock (receipt, count, shrinkage, ...). */
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  /** The order that caused the movement (no foreign key: the ledger outlives any module's rows). */
  @Property({ type: 'text', nullable: true })
  @Index({ name: 'stock_movement_order_id_idx' })
  orderId?: string | null;

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
