import { Entity, PrimaryKey, Property } from '@mikro-orm/postgresql';

/**
 * How far a relay has published the event log: the (xid, id) position of the last event whose publish
 * was acknowledged (or the read horizon, when every event before it was published). Written only after
 * the acknowledgements, so a restart resumes there and at worst publishes a batch again (at least once;
 * the stream's de-duplication by message id drops the repeats).
 */
@Entity({ tableName: 'relay_position' })
export class RelayPositionEntity {
  /** One row per relay, e.g. `nats:OMNI360_EVENTS`. */
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text', columnType: 'xid8' })
  xid!: string;

  @Property({ type: 'bigint' })
  id!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt!: Date;
}
