import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { Channel } from '../../common/channel';
import { PageArgs } from '../../common/pagination';
import { CustomerRefInput } from '../customers/customer.inputs';
import { ConversationStatus, Direction } from './interaction.enums';
import type { RecordInteractionArgs } from './interaction.service';

@InputType({ description: 'A contact to record. Idempotent on (source, externalId).' })
export class RecordInteractionInput implements RecordInteractionArgs {
  @Field(() => String, { description: 'The reporting system, e.g. zendesk, call-center, mail-gateway.' })
  source!: string;

  @Field(() => String, { description: 'The contact\'s id in `source`.' })
  externalId!: string;

  @Field(() => Channel, { description: 'The channel of the contact.' })
  channel!: Channel;

  @Field(() => Direction, { description: 'INBOUND from the customer, OUTBOUND to the customer.' })
  direction!: Direction;

  @Field(() => CustomerRefInput, { description: 'The customer by id, or identities (unknown identities create a customer; a new identity remembers this channel).' })
  customer!: CustomerRefInput;

  @Field(() => ID, { nullable: true, description: 'Attach to this conversation (of the same customer) instead of the open one.' })
  conversationId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Open a new conversation even when one is open.' })
  newConversation?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'The agent who handled the contact.' })
  agentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal free text; the first subject becomes the conversation\'s subject.' })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal free text: the message, a call note, a transcript excerpt.' })
  body?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the contact happened; defaults to now. At most 5 minutes in the future.' })
  occurredAt?: Date | null;
}

@InputType({ description: 'Which recorded interactions a subscription wants; every given criterion must match.' })
export class InteractionFilter {
  @Field(() => ID, { nullable: true, description: 'Interactions of this customer (an id merged away means its survivor).' })
  customerId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Interactions of this conversation.' })
  conversationId?: string | null;

  @Field(() => [Channel], { nullable: true, description: 'Interactions in any of these channels.' })
  channels?: Channel[] | null;
}

@InputType()
export class AssignConversationInput {
  @Field(() => ID, { description: 'The conversation to hand over.' })
  conversationId!: string;

  @Field(() => ID, { description: 'The agent who takes the conversation over.' })
  agentId!: string;

  @Field(() => String, { nullable: true, description: 'A note for the next agent, kept with the handover.' })
  note?: string | null;
}

@InputType()
export class ResolveConversationInput {
  @Field(() => ID, { description: 'The conversation to resolve.' })
  conversationId!: string;
}

@InputType()
export class UpsertAgentInput {
  @Field(() => String, { description: 'The key: an agent with this e-mail (case-insensitive) is updated, else created.' })
  email!: string;

  @Field(() => String, { description: 'Display name of the agent.' })
  name!: string;
}

@ArgsType()
export class ConversationsArgs extends PageArgs {
  @Field(() => ConversationStatus, { nullable: true, description: 'Only conversations in this status.' })
  status?: ConversationStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only conversations assigned to this agent.' })
  assigneeId?: string | null;
}

@ArgsType()
export class CustomerInteractionsArgs extends PageArgs {
  @Field(() => Channel, { nullable: true, description: 'Only interactions in this channel.' })
  channel?: Channel | null;
}

@ArgsType()
export class CustomerConversationsArgs extends PageArgs {
  @Field(() => ConversationStatus, { nullable: true, description: 'Only conversations in this status.' })
  status?: ConversationStatus | null;
}
