import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/postgresql';
import { WebhookDeliveryStatus, WebhookStatus } from './webhook.enums';

/**
 * A webhook: a GraphQL subscription document whose result is POSTed to `url` for every matching event
 * of the log, evaluated as its owner (role and name), with the owner's masking. `position` is its
 * cursor: every event up to it has been evaluated and, when it matched, queued as a delivery.
 */
@Entity({ tableName: 'webhook' })
export class WebhookEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** The subscription document, its operation name and variables, as given. */
  @Property({ type: 'text' })
  query!: string;

  @Property({ type: 'text', nullable: true })
  operationName?: string | null;

  @Property({ type: 'json', nullable: true })
  variables?: Record<string, unknown> | null;

  /** The owner's principal: deliveries run with it (role: masking and policy; name: ownership). */
  @Property({ type: 'text' })
  ownerRole!: string;

  @Property({ type: 'text' })
  ownerName!: string;

  @Property({ type: 'text' })
  ownerVia!: string;

  /** `whsec_` + base64 of the HMAC key. */
  @Property({ type: 'text' })
  secret!: string;

  /** The secret before the last rotation: deliveries are signed with both until it expires. */
  @Property({ type: 'text', nullable: true })
  previousSecret?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  previousSecretExpiresAt?: Date | null;

  @Enum({ items: () => WebhookStatus })
  status!: WebhookStatus;

  @Property({ type: 'text', columnType: 'xid8' })
  positionXid!: string;

  @Property({ type: 'bigint' })
  positionId!: string;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  failingSince?: Date | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt!: Date;
}

/**
 * One event to deliver to one webhook. Its id is stable (the same on every retry and replay) so a
 * receiver deduplicates by it. `orderKey` (the customer, or '' for events of no customer) orders
 * deliveries: only the earliest PENDING delivery of a key may be sent, so a failing one holds back
 * later events of the same customer and nobody else's.
 */
@Entity({ tableName: 'webhook_delivery' })
@Index({ name: 'webhook_delivery_key_idx', properties: ['webhookId', 'orderKey', 'eventXid', 'eventId'] })
@Index({ name: 'webhook_delivery_due_idx', properties: ['status', 'nextAttemptAt'] })
@Index({ name: 'webhook_delivery_page_idx', properties: ['webhookId', 'createdAt', 'id'] })
export class WebhookDeliveryEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  webhookId!: string;

  @Property({ type: 'bigint' })
  eventId!: string;

  @Property({ type: 'text', columnType: 'xid8' })
  eventXid!: string;

  @Property({ type: 'text' })
  eventType!: string;

  @Property({ type: 'text' })
  orderKey!: string;

  /** The JSON body as it is sent (the execution result with the event's id and cursor). */
  @Property({ type: 'text' })
  body!: string;

  @Enum({ items: () => WebhookDeliveryStatus })
  status!: WebhookDeliveryStatus;

  @Property({ type: 'integer', default: 0 })
  attempts!: number;

  /** Retries stop (and the webhook turns FAILING) once this much time passed since this moment. */
  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  windowStartedAt!: Date;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  nextAttemptAt!: Date;

  /** A claim: the instance sending it holds it until then (a crashed sender's claim expires). */
  @Property({ type: 'datetime', length: 3, nullable: true })
  leaseUntil?: Date | null;

  @Property({ type: 'text', nullable: true })
  leaseToken?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  lastAttemptAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  lastResponseStatus?: number | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  deliveredAt?: Date | null;

  /** When the event was written (delivery latency is measured from it). */
  @Property({ type: 'datetime', length: 3 })
  occurredAt!: Date;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt!: Date;
}
