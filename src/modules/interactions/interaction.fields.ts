import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import type { SlaTargets } from '../../config/config';
import { cursorValue, decodeCursor, PageArgs, pageSize, toConnection, type Connection } from '../../common/pagination';
import { pgTimestamp } from '../../common/scalars';
import { TimelineConnection, TimelineEntryType, type TimelineEntryRow } from '../../common/timeline';
import type { Context } from '../../context/context';
import { plannedKeys, plannedOne, relationList, relationPage, type Planned } from '../../read-planner';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { CustomerType, type CustomerRow, type PlannedCustomerRow } from '../customers/customer.type';
import {
  CustomerConversationsArgs, CustomerInteractionsArgs,
} from './interaction.inputs';
import {
  AgentByIdLoader, ConversationByIdLoader, ConversationCountByCustomerLoader, HandoverByIdLoader, InteractionByIdLoader,
  InteractionCountByConversationLoader, InteractionCountByCustomerLoader, TimelineCountByCustomerLoader,
} from './interaction.loaders';
import {
  AgentType, ConversationConnection, ConversationType, HandoverType, InteractionConnection, InteractionType,
  type AgentRow, type ConversationRow, type HandoverRow, type InteractionRow, type PlannedAgentRow, type PlannedConversationRow,
  type PlannedHandoverRow, type PlannedInteractionRow,
} from './interaction.type';

/** Seconds allowed until the first response, by the channel of the first inbound contact. */
export function slaTargetSeconds(targets: SlaTargets, channel: string | null): number {
  return (channel ? targets[channel] : undefined) ?? targets.default;
}

/** When the first response is due: first INBOUND + the target of its channel; null without an inbound contact. */
export function slaDueAt(conversation: Pick<ConversationRow, 'firstInboundAt' | 'firstInboundChannel'>, targets: SlaTargets): Date | null {
  if (!conversation.firstInboundAt) return null;
  return new Date(pgTimestamp(conversation.firstInboundAt).getTime() + slaTargetSeconds(targets, conversation.firstInboundChannel) * 1_000);
}

@Resolver(() => InteractionType)
export class InteractionFields {
  @FieldResolver(() => CustomerType, { description: 'The customer (after merges, the survivor).' })
  async customer(@Root() interaction: PlannedInteractionRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedCustomerRow> {
    const { customerId } = plannedKeys(interaction, 'customerId');
    return plannedOne<CustomerRow, 'id' | 'createdBy'>(interaction, info, customerId) ?? (await ctx.loaders.get(CustomerByIdLoader).load(customerId))!;
  }

  @FieldResolver(() => ConversationType, { description: 'The conversation this contact belongs to.' })
  async conversation(@Root() interaction: PlannedInteractionRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedConversationRow> {
    const planned = plannedOne<ConversationRow, 'id' | 'createdBy'>(interaction, info);
    if (planned) return planned;
    return (await ctx.loaders.get(ConversationByIdLoader).load(plannedKeys(interaction, 'conversationId').conversationId))!;
  }

  @FieldResolver(() => AgentType, { nullable: true, description: 'The agent who handled the contact, when known.' })
  agent(@Root() interaction: PlannedInteractionRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<AgentRow | null> | PlannedAgentRow | null {
    const planned = plannedOne<AgentRow, 'id'>(interaction, info);
    if (planned !== undefined) return planned;
    const { agentId } = plannedKeys(interaction, 'agentId');
    return agentId ? ctx.loaders.get(AgentByIdLoader).load(agentId) : null;
  }
}

@Resolver(() => ConversationType)
export class ConversationFields {
  @FieldResolver(() => CustomerType, { description: 'The customer (after merges, the survivor).' })
  customer(@Root() conversation: PlannedConversationRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<CustomerRow> | PlannedCustomerRow {
    const { customerId } = plannedKeys(conversation, 'customerId');
    return plannedOne<CustomerRow, 'id' | 'createdBy'>(conversation, info, customerId) ?? ctx.loaders.get(CustomerByIdLoader).load(customerId).then((row) => row!);
  }

  @FieldResolver(() => AgentType, { nullable: true, description: 'The agent the conversation is assigned to.' })
  assignee(@Root() conversation: PlannedConversationRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<AgentRow | null> | PlannedAgentRow | null {
    const planned = plannedOne<AgentRow, 'id'>(conversation, info);
    if (planned !== undefined) return planned;
    const { assigneeId } = plannedKeys(conversation, 'assigneeId');
    return assigneeId ? ctx.loaders.get(AgentByIdLoader).load(assigneeId) : null;
  }

  @FieldResolver(() => InteractionConnection, { description: 'The history, oldest first, across every channel.' })
  async interactions(
    @Root() conversation: PlannedConversationRow, @Ctx() ctx: Context, @Args() args: PageArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Planned<InteractionRow, 'id' | 'createdBy' | 'occurredAt'>>> {
    const first = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : null;
    // Planned rows carry only what the selection reads (and the keys of the order): they never prime a by-id loader.
    const { page, total } = await relationPage<InteractionRow, 'id' | 'createdBy' | 'occurredAt'>(ctx, conversation, info, first);
    return toConnection(page, Boolean(after), (row) => [cursorValue(row.occurredAt), row.id], (row) => row, () =>
      total ?? ctx.loaders.get(InteractionCountByConversationLoader).load({ parentId: conversation.id, filter: null }));
  }

  @FieldResolver(() => [HandoverType], { description: 'Every assignment change, oldest first: who, to whom, the note.' })
  handovers(@Root() conversation: PlannedConversationRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedHandoverRow[]> {
    return relationList<HandoverRow, 'id'>(ctx, conversation, info);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Seconds from the first INBOUND to the first OUTBOUND after it; null until answered.' })
  firstResponseSeconds(@Root() conversation: PlannedConversationRow): number | null {
    const { firstInboundAt, firstResponseAt } = plannedKeys(conversation, 'firstInboundAt', 'firstResponseAt');
    if (!firstInboundAt || !firstResponseAt) return null;
    return Math.round((pgTimestamp(firstResponseAt).getTime() - pgTimestamp(firstInboundAt).getTime()) / 1_000);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the first response is (or was) due: the first INBOUND plus the SLA target of its channel.' })
  slaDueAt(@Root() conversation: PlannedConversationRow, @Ctx() ctx: Context): Date | null {
    return slaDueAt(plannedKeys(conversation, 'firstInboundAt', 'firstInboundChannel'), ctx.config.slaTargets);
  }

  @FieldResolver(() => Boolean, {
    description: 'True when the first response came (or, unanswered, is) later than the SLA target of the first inbound channel. The clock survives channel switches and handovers.',
  })
  slaBreached(@Root() conversation: PlannedConversationRow, @Ctx() ctx: Context): boolean {
    const read = plannedKeys(conversation, 'firstInboundAt', 'firstInboundChannel', 'firstResponseAt', 'resolvedAt');
    const due = slaDueAt(read, ctx.config.slaTargets);
    if (!due) return false;
    const answered = read.firstResponseAt ?? read.resolvedAt;
    const end = answered ? pgTimestamp(answered) : new Date();
    return end.getTime() > due.getTime();
  }
}

@Resolver(() => HandoverType)
export class HandoverFields {
  @FieldResolver(() => AgentType, { nullable: true, description: 'The previous assignee; null for the first assignment.' })
  from(@Root() handover: PlannedHandoverRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<AgentRow | null> | PlannedAgentRow | null {
    const planned = plannedOne<AgentRow, 'id'>(handover, info);
    if (planned !== undefined) return planned;
    const { fromAgentId } = plannedKeys(handover, 'fromAgentId');
    return fromAgentId ? ctx.loaders.get(AgentByIdLoader).load(fromAgentId) : null;
  }

  @FieldResolver(() => AgentType, { description: 'The new assignee.' })
  async to(@Root() handover: PlannedHandoverRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlannedAgentRow> {
    const planned = plannedOne<AgentRow, 'id'>(handover, info);
    if (planned) return planned;
    return (await ctx.loaders.get(AgentByIdLoader).load(plannedKeys(handover, 'toAgentId').toAgentId))!;
  }
}

/** Fields this module adds to Customer. */
@Resolver(() => CustomerType)
export class CustomerInteractionFields {
  @FieldResolver(() => InteractionConnection, { description: 'Every contact in every channel, newest first.' })
  async interactions(
    @Root() customer: PlannedCustomerRow, @Ctx() ctx: Context, @Args() args: CustomerInteractionsArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Planned<InteractionRow, 'id' | 'createdBy' | 'occurredAt'>>> {
    const first = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : null;
    const { page, total } = await relationPage<InteractionRow, 'id' | 'createdBy' | 'occurredAt'>(ctx, customer, info, first);
    return toConnection(page, Boolean(after), (row) => [cursorValue(row.occurredAt), row.id], (row) => row, () =>
      total ?? ctx.loaders.get(InteractionCountByCustomerLoader).load({ parentId: customer.id, filter: args.channel ?? null }));
  }

  @FieldResolver(() => ConversationConnection, { description: 'The customer\'s conversations, newest first.' })
  async conversations(
    @Root() customer: PlannedCustomerRow, @Ctx() ctx: Context, @Args() args: CustomerConversationsArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<PlannedConversationRow>> {
    const first = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 1, ['string']) : null;
    const { page, total } = await relationPage<ConversationRow, 'id' | 'createdBy'>(ctx, customer, info, first);
    return toConnection(page, Boolean(after), (row) => [row.id], (row) => row, () =>
      total ?? ctx.loaders.get(ConversationCountByCustomerLoader).load({ parentId: customer.id, filter: args.status ?? null }));
  }

  @FieldResolver(() => TimelineConnection, {
    description: 'Orders, interactions, handovers, offer responses, consent changes and merges in one chronological history, newest first, whatever the channel.',
  })
  async timeline(
    @Root() customer: PlannedCustomerRow, @Ctx() ctx: Context, @Args() args: PageArgs, @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Planned<TimelineEntryRow, 'kind' | 'id' | 'at'>>> {
    const first = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 3, ['timestamp', 'string', 'string']) : null;
    const { page, total } = await relationPage<TimelineEntryRow, 'kind' | 'id' | 'at'>(ctx, customer, info, first);
    return toConnection(page, Boolean(after), (row) => [cursorValue(row.at), row.kind, row.id], (row) => row, () =>
      total ?? ctx.loaders.get(TimelineCountByCustomerLoader).load({ parentId: customer.id, filter: null }));
  }

}

/** The typed fields of the entry kinds this module owns. */
@Resolver(() => TimelineEntryType)
export class TimelineEntryFields {
  @FieldResolver(() => InteractionType, { nullable: true, description: 'The interaction, for INTERACTION entries.' })
  interaction(@Root() entry: Planned<TimelineEntryRow, 'kind' | 'id'>, @Ctx() ctx: Context): Promise<InteractionRow | null> | null {
    return entry.kind === 'INTERACTION' ? ctx.loaders.get(InteractionByIdLoader).load(entry.id) : null;
  }

  @FieldResolver(() => ConversationType, { nullable: true, description: 'The conversation, for INTERACTION and HANDOVER entries.' })
  conversation(@Root() entry: Planned<TimelineEntryRow, 'kind' | 'id'>, @Ctx() ctx: Context): Promise<ConversationRow | null> | null {
    const { kind, parentId } = plannedKeys(entry, 'kind', 'parentId');
    return (kind === 'INTERACTION' || kind === 'HANDOVER') && parentId ? ctx.loaders.get(ConversationByIdLoader).load(parentId) : null;
  }

  @FieldResolver(() => HandoverType, { nullable: true, description: 'The handover, for HANDOVER entries.' })
  handover(@Root() entry: Planned<TimelineEntryRow, 'kind' | 'id'>, @Ctx() ctx: Context): Promise<HandoverRow | null> | null {
    return entry.kind === 'HANDOVER' ? ctx.loaders.get(HandoverByIdLoader).load(entry.id) : null;
  }
}
