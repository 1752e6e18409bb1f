import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { CustomerEntity } from '../customers/customer.entity';
import { OfferResponseKind } from './offer.enums';
import { AuditedEntity } from '../../common/audited.entity';

/**
 * An offer, decided centrally for every channel: percent or amount off listed skus (or every sku),
 * optionally for one segment, within a validity window.
 */
@Entity({ tableName: 'offer' })
@Check({
  name: 'offer_one_discount_check',
  expression: '(discount_basis_points is null) <> (discount_amount_cents is null)',
})
export class OfferEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'offer_code_unique' })
  code!: string;

  @Property({ type: 'text' })
  title!: string;

  /** Percent off in hundredths of a percent (12.5 % = 1250): integer arithmetic on cents. */
  @Property({ type: 'integer', nullable: true })
  discountBasisPoints?: number | null;

  /** Amount off each unit, in cents of `discountCurrency`. */
  @Property({ type: 'bigint', nullable: true })
  discountAmountCents?: string | null;

  @Property({ type: 'text', nullable: true })
  discountCurrency?: string | null;

  /** Skus the offer applies to; empty means every sku. */
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  skus: string[] = [];

  /** A segment name from src/modules/offers/segments.ts; null means every customer. */
  @Property({ type: 'text', nullable: true })
  segment?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  validFrom?: Date | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  validTo?: Date | null;

  @Property({ type: 'boolean', default: true })
  active: boolean = true;
}

/** Every response of a customer to an offer, append-only; the latest DECLINED starts the cool-down. */
@Entity({ tableName: 'offer_response' })
@Index({ name: 'offer_response_customer_offer_idx', properties: ['customer', 'offer', 'respondedAt'] })
export class OfferResponseEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => OfferEntity, { mapToPk: true })
  offer!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  customer!: string;

  @Property({ type: 'text' })
  channel!: string;

  @Enum({ items: () => OfferResponseKind })
  response!: OfferResponseKind;

  @Property({ type: 'text' })
  respondedBy!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  respondedAt: Date = new Date();
}
