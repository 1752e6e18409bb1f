import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { AgentType, ConversationType, HandoverType, InteractionType } from './interaction.type';

@ObjectType()
export class RecordInteractionPayload {
  @Field(() => InteractionType, { nullable: true, description: 'The recorded (or, on a repeat, the earlier) interaction; null on a user error.' })
  interaction?: InteractionType | null;

  @Field(() => Boolean, { description: 'False when (source, externalId) was recorded before with the same input.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures: INVALID_VALUE, NOT_FOUND, CONFLICT, IDEMPOTENCY_CONFLICT, CUSTOMER_ERASED.' })
  userErrors!: UserError[];
}

@ObjectType()
export class AssignConversationPayload {
  @Field(() => ConversationType, { nullable: true, description: 'The conversation after the handover.' })
  conversation?: ConversationType | null;

  @Field(() => HandoverType, { nullable: true, description: 'The handover this assignment recorded.' })
  handover?: HandoverType | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, ALREADY_ASSIGNED, INVALID_VALUE.' })
  userErrors!: UserError[];
}

@ObjectType()
export class ResolveConversationPayload {
  @Field(() => ConversationType, { nullable: true, description: 'The resolved conversation.' })
  conversation?: ConversationType | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, ALREADY_RESOLVED.' })
  userErrors!: UserError[];
}

@ObjectType()
export class UpsertAgentPayload {
  @Field(() => AgentType, { nullable: true, description: 'The created or renamed agent.' })
  agent?: AgentType | null;

  @Field(() => Boolean, { description: 'True when no agent had this e-mail and one was created.' })
  created!: boolean;

  @Field(() => [UserError], { description: 'Expected failures: INVALID_VALUE.' })
  userErrors!: UserError[];
}
