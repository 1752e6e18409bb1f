import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/postgresql';

/**
 * The durable event log (transactional outbox). Each row is written in the same transaction as the
 * change it describes. `xid` is the writing transaction's id: readers only read events whose
 * transaction is older than every transaction of the database still running (see event-reader.ts and
 * docs/events.md), and order by (xid, id), so a reader that has seen position N never later finds a new
 * event before N.
 */
@Entity({ tableName: 'event' })
@Index({ name: 'event_position_idx', properties: ['xid', 'id'] })
@Index({ name: 'event_customer_position_idx', properties: ['customerId', 'xid', 'id'] })
@Index({ name: 'event_occurred_at_idx', properties: ['occurredAt'] })
export class EventEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'text', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  xid!: string;

  /** e.g. customer.created, interaction.recorded, order.placed, stock.changed */
  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text', nullable: true })
  customerId?: string | null;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  occurredAt!: Date;
}

/**
 * Where retention has purged the log up to: the greatest position deleted. One row (id 1). A cursor
 * before it is expired (an event after it is gone), so readers answer CURSOR_EXPIRED, never a gap.
 */
@Entity({ tableName: 'event_retention' })
export class EventRetentionEntity {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  @Property({ type: 'text', columnType: 'xid8', nullable: true })
  purgedXid?: string | null;

  @Property({ type: 'bigint', nullable: true })
  purgedId?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  purgedAt?: Date | null;
}
