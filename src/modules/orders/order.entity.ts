import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { LocationEntity } from '../catalog/location.entity';
import { ProductEntity } from '../catalog/product.entity';
import { CustomerEntity } from '../customers/customer.entity';
import { OfferEntity } from '../offers/offer.entity';
import { OrderStatus } from './order.enums';
import { AuditedEntity } from '../../common/audited.entity';

/** A guest identity as stored on a guest order: normalised like identities of customers. */
export interface GuestIdentity {
  type: string;
  system: string;
  value: string;
}

/**
 * One order from any channel, online or offline. (source, externalId) is the idempotency key of both
 * placeOrder and the historical import; `requestHash` tells a replay from a different order.
 */
@Entity({ tableName: 'order' })
@Unique({ name: 'order_source_external_id_unique', properties: ['source', 'externalId'] })
@Index({ name: 'order_customer_placed_idx', properties: ['customer', 'placedAt', 'id'] })
// Carries what the analytics figures read of an order in a window: they scan the index alone.
@Index({
  name: 'order_placed_idx',
  expression: 'create index "order_placed_idx" on "order" ("placed_at", "id") include ("channel", "currency", "status", "total_cents", "customer_id")',
})
@Index({ name: 'order_channel_placed_idx', properties: ['channel', 'placedAt', 'id'] })
@Index({
  name: 'order_guest_identities_gin',
  expression: 'create index "order_guest_identities_gin" on "order" using gin ("guest_identities" jsonb_path_ops) where "customer_id" is null',
})
export class OrderEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  source!: string;

  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'text' })
  requestHash!: string;

  @Property({ type: 'text' })
  channel!: string;

  @ManyToOne(() => LocationEntity, { mapToPk: true, nullable: true })
  location?: string | null;

  /** Null for a guest order until an identification claims it. */
  @ManyToOne(() => CustomerEntity, { mapToPk: true, nullable: true })
  customer?: string | null;

  @Enum({ items: () => OrderStatus })
  status!: OrderStatus;

  @Property({ type: 'datetime', length: 3 })
  placedAt!: Date;

  /** One currency per order: every line shares it. */
  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: 'bigint' })
  subtotalCents!: string;

  @Property({ type: 'bigint' })
  discountCents!: string;

  @Property({ type: 'bigint' })
  totalCents!: string;

  /** Personal data: e-mail / phone / ... of a guest, for claiming by a later identification; erased with the customer. */
  @Property({ type: 'json', nullable: true })
  guestIdentities?: GuestIdentity[] | null;

  /** False for imported history: its status changes never touch stock. */
  @Property({ type: 'boolean' })
  reservesStock!: boolean;

  @Property({ type: 'boolean', default: false })
  imported: boolean = false;

  @Property({ type: 'text' })
  createdBy!: string;
}

/** One line: price and discount as charged, frozen at placing (later catalogue changes do not touch it). */
@Entity({ tableName: 'order_line' })
@Index({ name: 'order_line_order_idx', properties: ['order', 'lineNo'] })
@Check({ name: 'order_line_quantity_check', expression: 'quantity > 0' })
export class OrderLineEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => OrderEntity, { mapToPk: true })
  order!: string;

  @Property({ type: 'integer' })
  lineNo!: number;

  @ManyToOne(() => ProductEntity, { mapToPk: true })
  product!: string;

  /** The sku as ordered, kept for history and exports. */
  @Property({ type: 'text' })
  sku!: string;

  @Property({ type: 'integer' })
  quantity!: number;

  @Property({ type: 'bigint' })
  unitPriceCents!: string;

  @Property({ type: 'bigint' })
  discountCents!: string;

  @Property({ type: 'bigint' })
  totalCents!: string;

  @ManyToOne(() => OfferEntity, { mapToPk: true, nullable: true })
  offer?: string | null;
}
