import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { CustomerEntity } from '../customers/customer.entity';
import { AuditedEntity } from '../../common/audited.entity';

/** Staff who handle conversations. Names and e-mails are staff data, not customer personal data. */
@Entity({ tableName: 'agent' })
export class AgentEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  /** Lower-cased; the key of upsertAgent. */
  @Property({ type: 'text', unique: 'agent_email_unique' })
  email!: string;

  @Property({ type: 'text' })
  name!: string;
}

/**
 * One matter of one customer, across channels: one history and one SLA clock. The SLA and
 * first-contact-resolution columns are kept on write so that reads (and analytics) need no scan.
 */
@Entity({ tableName: 'conversation' })
@Index({ name: 'conversation_customer_idx', properties: ['customer', 'id'] })
@Index({ name: 'conversation_customer_active_idx', properties: ['customer', 'status', 'lastActivityAt'] })
@Index({ name: 'conversation_status_idx', properties: ['status', 'id'] })
@Index({ name: 'conversation_assignee_idx', properties: ['assignee', 'id'] })
// The two windows of the service-level figures (firstContactResolutionRate, averageFirstResponseSeconds).
@Index({
  name: 'conversation_first_resolved_idx',
  expression: 'create index "conversation_first_resolved_idx" on "conversation" ("first_resolved_at") include ("customer_id") where "first_resolved_at" is not null',
})
@Index({
  name: 'conversation_opened_idx',
  expression: 'create index "conversation_opened_idx" on "conversation" ("opened_at") include ("first_inbound_at", "first_response_at", "first_inbound_channel")',
})
export class ConversationEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  /** Moves with merges (registered customer data). */
  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  customer!: string;

  /** OPEN (waits for the team), PENDING (waits for the customer), RESOLVED. */
  @Property({ type: 'text' })
  status!: string;

  /** Subject of the first interaction that had one; personal free text (erased to null). */
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  /** Every channel the conversation has used, in order of first use. */
  @Property({ type: 'text[]', columnType: 'text[]', default: '{}' })
  channels: string[] = [];

  @ManyToOne(() => AgentEntity, { mapToPk: true, nullable: true })
  assignee?: string | null;

  @Property({ type: 'datetime', length: 3 })
  openedAt!: Date;

  @Property({ type: 'datetime', length: 3 })
  lastActivityAt!: Date;

  /** The SLA clock starts at the first INBOUND, whatever channel later contacts use. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  firstInboundAt?: Date | null;

  /** Channel of the first INBOUND: its SLA target applies to the conversation. */
  @Property({ type: 'text', nullable: true })
  firstInboundChannel?: string | null;

  /** The first OUTBOUND at or after the first INBOUND. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  firstResponseAt?: Date | null;

  /** Set while RESOLVED; cleared when an inbound contact reopens the conversation. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  resolvedAt?: Date | null;

  /** The first resolution, never cleared: first-contact resolution is measured from it. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  firstResolvedAt?: Date | null;

  /** How often an inbound contact reopened the conversation after a resolution (0 = resolved at first contact). */
  @Property({ type: 'integer', default: 0 })
  reopenCount: number = 0;

  @Property({ type: 'text' })
  createdBy!: string;
}

/** One contact in one channel. Idempotent on (source, externalId). */
@Entity({ tableName: 'interaction' })
@Unique({ name: 'interaction_source_external_id_unique', properties: ['source', 'externalId'] })
// channel and direction ride along: journeys and first-contact resolution probe a customer's contacts in the index alone.
@Index({
  name: 'interaction_customer_idx',
  expression: 'create index "interaction_customer_idx" on "interaction" ("customer_id", "occurred_at", "id") include ("channel", "direction")',
})
@Index({ name: 'interaction_conversation_idx', properties: ['conversation', 'occurredAt', 'id'] })
@Index({
  name: 'interaction_occurred_at_idx',
  expression: 'create index "interaction_occurred_at_idx" on "interaction" ("occurred_at") include ("channel", "customer_id", "direction")',
})
export class InteractionEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  source!: string;

  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'text' })
  channel!: string;

  @Property({ type: 'text' })
  direction!: string;

  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  customer!: string;

  @ManyToOne(() => ConversationEntity, { mapToPk: true })
  conversation!: string;

  @ManyToOne(() => AgentEntity, { mapToPk: true, nullable: true })
  agent?: string | null;

  /** Personal free text: masked for ANALYST and PARTNER, erased to null. */
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Property({ type: 'text', nullable: true })
  body?: string | null;

  @Property({ type: 'datetime', length: 3 })
  occurredAt!: Date;

  /** Hash of the recording input: the same key with a different input is an IDEMPOTENCY_CONFLICT. */
  @Property({ type: 'text' })
  inputHash!: string;

  /** Name of the API key or JWT subject that recorded it (INGEST reads back its own). */
  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  recordedAt: Date = new Date();
}

/** Every assignment change of a conversation: from whom, to whom, the note and the time. */
@Entity({ tableName: 'handover' })
@Index({ name: 'handover_conversation_idx', properties: ['conversation', 'at'] })
@Index({ name: 'handover_customer_idx', properties: ['customer', 'at'] })
export class HandoverEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => ConversationEntity, { mapToPk: true })
  conversation!: string;

  /** The conversation's customer, kept here so merges, erasure and the timeline need no join. */
  @ManyToOne(() => CustomerEntity, { mapToPk: true })
  customer!: string;

  @ManyToOne(() => AgentEntity, { mapToPk: true, nullable: true })
  fromAgent?: string | null;

  @ManyToOne(() => AgentEntity, { mapToPk: true })
  toAgent!: string;

  /** Personal free text (it usually describes the customer's matter): masked and erased. */
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  at: Date = new Date();

  @Property({ type: 'text' })
  createdBy!: string;
}
