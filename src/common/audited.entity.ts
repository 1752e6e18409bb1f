import { Property } from '@mikro-orm/postgresql';

/**
 * The base entity for the audit columns a row carries, when it was created and when it last
 * changed (milliseconds, set by the database's `now()` when an insert does not give them). Entities
 * whose rows are edited extend it; append-only rows (events, movements, responses) keep the one
 * timestamp they need under their own name.
 */
export abstract class AuditedEntity {
  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
