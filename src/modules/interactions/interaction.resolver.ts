import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { mutationPayload } from '../../common/errors';
import type { Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedColumn, plannedFinder, withPlannedConnection, withPlannedRow } from '../../read-planner';
import {
  AssignConversationInput, ConversationsArgs, RecordInteractionInput, ResolveConversationInput, UpsertAgentInput,
} from './interaction.inputs';
import { AssignConversationPayload, RecordInteractionPayload, ResolveConversationPayload, UpsertAgentPayload } from './interaction.payloads';
import {
  assignConversation, getConversation, getInteraction, listConversations, recordInteraction, resolveConversation, upsertAgent,
} from './interaction.service';
import {
  ConversationConnection, ConversationType, InteractionType, type ConversationRow, type InteractionRow, type PlannedConversationRow, type PlannedInteractionRow,
} from './interaction.type';

@Resolver()
export class InteractionResolver {
  @Allow(Roles.READ_WITH_INGEST)
  @Query(() => InteractionType, { nullable: true, description: 'An interaction by id; INGEST reads back only what it recorded.' })
  async interaction(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global id (prefix int_).' }) id: string, @Info() info: GraphQLResolveInfo): Promise<PlannedInteractionRow | null> {
    return withPlannedRow(ctx, info, await getInteraction(ctx, id, plannedFinder<InteractionRow, 'id' | 'createdBy'>(ctx, info, 'id')));
  }

  @Allow(Roles.READ_WITH_INGEST)
  @Query(() => ConversationType, { nullable: true, description: 'A conversation by id; INGEST reads back only conversations its contacts opened.' })
  async conversation(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global id (prefix cnv_).' }) id: string, @Info() info: GraphQLResolveInfo): Promise<PlannedConversationRow | null> {
    return withPlannedRow(ctx, info, await getConversation(ctx, id, plannedFinder<ConversationRow, 'id' | 'createdBy'>(ctx, info, 'id')));
  }

  @Allow(Roles.READ)
  @Query(() => ConversationConnection, { description: 'Conversations, newest first, optionally by status and assignee (an agent\'s inbox).' })
  async conversations(@Ctx() ctx: Context, @Args() args: ConversationsArgs, @Info() info: GraphQLResolveInfo): Promise<Connection<ConversationRow>> {
    return withPlannedConnection(ctx, info, await listConversations(ctx, args, plannedColumn(ctx, info)));
  }

  @Allow(Roles.WRITE_CUSTOMER)
  @Mutation(() => RecordInteractionPayload, {
    description: 'Records a contact; idempotent on (source, externalId). Joins the customer\'s open conversation whatever its channel, unless conversationId or newConversation says otherwise.',
  })
  recordInteraction(@Ctx() ctx: Context, @Arg('input', () => RecordInteractionInput, { description: 'The contact to record.' }) input: RecordInteractionInput) {
    return mutationPayload(() => recordInteraction(ctx, input), { interaction: null, created: false });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => AssignConversationPayload, { description: 'Hands a conversation over to an agent, recording from whom, to whom, the note and the time.' })
  assignConversation(@Ctx() ctx: Context, @Arg('input', () => AssignConversationInput, { description: 'The conversation, the new assignee and a note.' }) input: AssignConversationInput) {
    return mutationPayload(() => assignConversation(ctx, input), { conversation: null, handover: null });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => ResolveConversationPayload, { description: 'Resolves a conversation; an inbound contact within 7 days reopens it.' })
  resolveConversation(@Ctx() ctx: Context, @Arg('input', () => ResolveConversationInput, { description: 'The conversation to resolve.' }) input: ResolveConversationInput) {
    return mutationPayload(() => resolveConversation(ctx, input), { conversation: null });
  }

  @Allow(Roles.ADMIN)
  @Mutation(() => UpsertAgentPayload, { description: 'Creates an agent, or renames the agent with this e-mail.' })
  upsertAgent(@Ctx() ctx: Context, @Arg('input', () => UpsertAgentInput, { description: 'The agent\'s e-mail (the key) and name.' }) input: UpsertAgentInput) {
    return mutationPayload(() => upsertAgent(ctx, input), { agent: null, created: false });
  }
}
