import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { AuditedEntity } from '../../common/audited.entity';

export enum CustomerStatus {
  ACTIVE = 'ACTIVE',
  ERASED = 'ERASED',
}

@Entity({ tableName: 'customer' })
@Index({
  name: 'customer_search_trgm',
  expression: 'create index "customer_search_trgm" on "customer" using gin ("search_text" gin_trgm_ops)',
})
export class CustomerEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text', nullable: true })
  firstName?: string | null;

  @Property({ type: 'text', nullable: true })
  lastName?: string | null;

  @Property({ type: 'text', nullable: true })
  locale?: string | null;

  @Property({ type: 'text', nullable: true })
  city?: string | null;

  @Enum({ items: () => CustomerStatus, default: CustomerStatus.ACTIVE })
  status: CustomerStatus = CustomerStatus.ACTIVE;

  /** Set while this customer is merged into another; `customer(id)` follows it to the survivor. */
  @ManyToOne(() => CustomerEntity, { mapToPk: true, nullable: true, deleteRule: 'no action' })
  @Index()
  mergedInto?: string | null;

  /** Lower-cased names and identity values, trigram-indexed for `customers(search)`. */
  @Property({ type: 'text', default: '' })
  searchText: string = '';

  /** Name of the API key or JWT subject that created the customer (INGEST reads back its own). */
  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime', length: 3, nullable: true })
  erasedAt?: Date | null;
}

@Entity({ tableName: 'identity' })
@Unique({ name: 'identity_type_system_value_unique', properties: ['type', 'system', 'value'] })
export class IdentityEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  @Index()
  customer!: string;

  @Property({ type: 'text' })
  type!: string;

  /** '' when the type has no system (EMAIL, PHONE, LOYALTY_CARD); keeps the unique key total. */
  @Property({ type: 'text', default: '' })
  system: string = '';

  /** Normalised: e-mail lower-cased, phone E.164, others trimmed. */
  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'boolean', default: false })
  verified: boolean = false;

  @Property({ type: 'text', nullable: true })
  firstSeenChannel?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  addedAt: Date = new Date();
}

/** Consent history: append-only; the current state is the latest row per purpose and channel. */
@Entity({ tableName: 'consent' })
@Index({ properties: ['customer', 'purpose', 'channel', 'recordedAt'] })
export class ConsentEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  customer!: string;

  @Property({ type: 'text' })
  purpose!: string;

  @Property({ type: 'text' })
  channel!: string;

  @Property({ type: 'boolean' })
  granted!: boolean;

  /** The channel through which the customer gave or withdrew consent. */
  @Property({ type: 'text', nullable: true })
  source?: string | null;

  @Property({ type: 'text' })
  recordedBy!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  recordedAt: Date = new Date();
}

@Entity({ tableName: 'customer_merge' })
export class CustomerMergeEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  @Index()
  survivor!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  @Index()
  merged!: string;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'text' })
  mergedBy!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  mergedAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  undoneAt?: Date | null;
}

/** Exactly which rows a merge moved, so undoMerge moves back those and nothing else. */
@Entity({ tableName: 'customer_merge_move' })
export class CustomerMergeMoveEntity {
  @ManyToOne(() => CustomerMergeEntity, { mapToPk: true, primary: true })
  merge!: string;

  @PrimaryKey({ type: 'text' })
  tableName!: string;

  @PrimaryKey({ type: 'text' })
  rowId!: string;
}
