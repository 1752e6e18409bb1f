import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Pii } from '../../common/auth';
import { Channel } from '../../common/channel';
import { Node } from '../../common/node';
import { ConnectionType } from '../../common/pagination';
import { ConversationStatus, Direction } from './interaction.enums';
import type { Planned } from '../../read-planner/planned';

/** Rows as the read paths load them: plain SQL rows, timestamps as PostgreSQL returns them. */
export interface AgentRow {
  id: string;
  email: string;
  name: string;
  createdAt: string | Date;
}

export interface InteractionRow {
  id: string;
  source: string;
  externalId: string;
  channel: Channel;
  direction: Direction;
  customerId: string;
  conversationId: string;
  agentId: string | null;
  subject: string | null;
  body: string | null;
  occurredAt: string | Date;
  recordedAt: string | Date;
  createdBy: string;
}

export interface ConversationRow {
  id: string;
  customerId: string;
  status: ConversationStatus;
  subject: string | null;
  channels: Channel[];
  assigneeId: string | null;
  openedAt: string | Date;
  lastActivityAt: string | Date;
  firstInboundAt: string | Date | null;
  firstInboundChannel: Channel | null;
  firstResponseAt: string | Date | null;
  resolvedAt: string | Date | null;
  reopenCount: number;
  createdBy: string;
}

export interface HandoverRow {
  id: string;
  conversationId: string;
  customerId: string;
  fromAgentId: string | null;
  toAgentId: string;
  note: string | null;
  at: string | Date;
}

@ObjectType('Agent', { implements: Node, description: 'A member of staff who handles conversations (staff data: not masked).' })
export class AgentType implements Omit<AgentRow, 'createdAt'> {
  @Field(() => ID, { description: 'Global id (prefix agt_).' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { description: 'Lower-cased; the key of upsertAgent.' })
  email!: string;
}

@ObjectType('Interaction', { implements: Node, description: 'One contact with a customer in one channel, part of one conversation.' })
export class InteractionType {
  @Field(() => ID, { description: 'Global id (prefix int_).' })
  id!: string;

  @Field(() => String, { description: 'The system that reported the contact, e.g. zendesk, call-center.' })
  source!: string;

  // Often an e-mail's Message-ID (which names its sender): personal, masked like the text.
  @Pii('text')
  @Field(() => String, {
    description: "The contact's id in `source`; (source, externalId) is the idempotency key. It may carry personal data (a Message-ID): masked for ANALYST and PARTNER.",
  })
  externalId!: string;

  @Field(() => Channel, { description: 'Where the contact happened.' })
  channel!: Channel;

  @Field(() => Direction, { description: 'INBOUND from the customer, OUTBOUND to the customer.' })
  direction!: Direction;

  @Pii('text')
  @Field(() => String, { nullable: true, description: 'Personal free text: masked for ANALYST and PARTNER, erased with the customer.' })
  subject!: string | null;

  @Pii('text')
  @Field(() => String, { nullable: true, description: 'Personal free text: masked for ANALYST and PARTNER, erased with the customer.' })
  body!: string | null;

  @Field(() => Date, { description: 'When the contact happened (given by the source, else when it was recorded).' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When omni360 recorded it.' })
  recordedAt!: Date;
}

@ObjectType('Conversation', {
  implements: Node,
  description: 'One matter of one customer. It continues across channels: one history and one SLA clock.',
})
export class ConversationType {
  @Field(() => ID, { description: 'Global id (prefix cnv_).' })
  id!: string;

  @Field(() => ConversationStatus, { description: 'OPEN, PENDING or RESOLVED.' })
  status!: ConversationStatus;

  @Pii('text')
  @Field(() => String, { nullable: true, description: 'Subject of the first interaction that had one. Masked for ANALYST and PARTNER.' })
  subject!: string | null;

  @Field(() => [Channel], { description: 'Every channel the conversation has used, in order of first use.' })
  channels!: Channel[];

  @Field(() => Date, { description: 'When the first interaction happened.' })
  openedAt!: Date;

  @Field(() => Date, { description: 'When the latest interaction happened.' })
  lastActivityAt!: Date;

  @Field(() => Date, { nullable: true, description: 'The first OUTBOUND after the first INBOUND, whatever the channels.' })
  firstResponseAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set while RESOLVED; cleared when an inbound contact reopens the conversation.' })
  resolvedAt!: Date | null;

  @Field(() => Int, { description: 'How often an inbound contact within 7 days of a resolution reopened it (0: resolved at first contact).' })
  reopenCount!: number;
}

@ObjectType('Handover', { implements: Node, description: 'One assignment change of a conversation; refetch it with `node(id)`.' })
export class HandoverType {
  @Field(() => ID, { description: 'Id of the handover record.' })
  id!: string;

  @Pii('text')
  @Field(() => String, { nullable: true, description: 'The note for the next agent. Masked for ANALYST and PARTNER, erased with the customer.' })
  note!: string | null;

  @Field(() => Date, { description: 'When the assignment changed.' })
  at!: Date;
}

export const InteractionConnection = ConnectionType(InteractionType, 'Interaction');
export const ConversationConnection = ConnectionType(ConversationType, 'Conversation');

/** An agent row the read planner read for a selection. */
export type PlannedAgentRow = Planned<AgentRow, 'id'>;
/** An interaction row the read planner read for a selection (Interaction's `always`). */
export type PlannedInteractionRow = Planned<InteractionRow, 'id' | 'createdBy'>;
/** A conversation row the read planner read for a selection (Conversation's `always`). */
export type PlannedConversationRow = Planned<ConversationRow, 'id' | 'createdBy'>;
/** A handover row the read planner read for a selection. */
export type PlannedHandoverRow = Planned<HandoverRow, 'id'>;
