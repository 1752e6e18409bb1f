import type { EntityManager } from '@mikro-orm/postgresql';
import { assertReadableByWriter } from '../../common/auth';
import type { Channel } from '../../common/channel';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { EARLIEST_RECORD_TIME } from '../../common/scalars';
import { isIdOf, newId } from '../../common/ids';
import { cutPage, decodeCursor, keysetWhere, pageSize, toConnection, type Connection } from '../../common/pagination';
import { type Context, writerOf } from '../../context/context';
import { claimIdempotencyKey, idempotencyKey, idempotentRequest } from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import { inTransaction, query, queryOne } from '../../database/sql';
import type { CustomerRefParams } from '../customers/customer.model';
import { customerRefInput, resolveCustomerRef } from '../customers/customer.service';
import { appendEvents, type NewEvent } from '../events/event-log';
import { ConversationStatus, Direction } from './interaction.enums';
import { InteractionErrorCode } from './interaction.errors';
import {
  AGENT_COLUMNS, AgentByIdLoader, CONVERSATION_COLUMNS, ConversationByIdLoader, HANDOVER_COLUMNS, HandoverByIdLoader, INTERACTION_COLUMNS, InteractionByIdLoader,
} from './interaction.loaders';
import type { AgentRow, ConversationRow, HandoverRow, InteractionRow } from './interaction.type';

/** An inbound contact this soon after a resolution reopens the conversation (and counts against first-contact resolution). */
export const REOPEN_WINDOW_DAYS = 7;
const MAX_SUBJECT = 1_000;
const MAX_BODY = 100_000;
const MAX_NOTE = 4_000;
const MAX_FUTURE_MS = 5 * 60_000;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export interface RecordInteractionArgs {
  source: string;
  externalId: string;
  channel: Channel;
  direction: Direction;
  customer: CustomerRefParams;
  conversationId?: string | null;
  newConversation?: boolean | null;
  agentId?: string | null;
  subject?: string | null;
  body?: string | null;
  occurredAt?: Date | null;
}


function optionalText(value: string | null | undefined, max: number, field: string): string | null {
  if (value === null || value === undefined) return null;
  rejectNul(value, ['input', field]);
  if (value.length > max) throw new DomainError(CommonErrorCode.INVALID_VALUE, `${field} has at most ${max} characters.`, ['input', field]);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

async function agentOrFail(em: EntityManager, agentId: string, field: string[]): Promise<AgentRow> {
  const agent = isIdOf('Agent', agentId) ? await queryOne<AgentRow>(em, `select ${AGENT_COLUMNS} from agent t where t.id = ?`, [agentId]) : undefined;
  if (!agent) throw new DomainError(CommonErrorCode.NOT_FOUND, `No agent ${agentId}.`, field);
  return agent;
}

async function lockConversation(em: EntityManager, conversationId: string, field: string[]): Promise<ConversationRow> {
  const row = isIdOf('Conversation', conversationId)
    ? await queryOne<ConversationRow>(em, `select ${CONVERSATION_COLUMNS} from conversation t where t.id = ? for update`, [conversationId])
    : undefined;
  if (!row) throw new DomainError(CommonErrorCode.NOT_FOUND, `No conversation ${conversationId}.`, field);
  return row;
}

type ThreadChange = 'opened' | 'reopened' | null;

/**
 * Threading: the conversation an interaction belongs to. An explicit conversationId wins; then
 * newConversation; otherwise the customer's most recent OPEN or PENDING conversation, whatever its
 * channel; otherwise, for an INBOUND within 7 days of a resolution, that conversation reopens; otherwise
 * a new one opens. Runs with the customer row locked, so two contacts never open two conversations.
 */
async function thread(
  ctx: Context,
  em: EntityManager,
  customerId: string,
  input: RecordInteractionArgs,
  occurredAt: string,
): Promise<{ conversation: ConversationRow; change: ThreadChange }> {
  const inbound = input.direction === Direction.INBOUND;
  let conversation: ConversationRow | undefined;
  if (input.conversationId) {
    conversation = await lockConversation(em, input.conversationId, ['input', 'conversationId']);
    if (conversation.customerId !== customerId) {
      throw new DomainError(CommonErrorCode.CONFLICT, `Conversation ${conversation.id} belongs to another customer.`, ['input', 'conversationId']);
    }
    if (conversation.status === ConversationStatus.RESOLVED && inbound) return { conversation: await reopen(em, conversation.id), change: 'reopened' };
    return { conversation, change: null };
  }
  if (!input.newConversation) {
    conversation = await queryOne<ConversationRow>(
      em,
      `select ${CONVERSATION_COLUMNS} from conversation t
        where t.customer_id = ? and t.status in ('OPEN', 'PENDING')
        order by t.last_activity_at desc, t.id desc limit 1 for update`,
      [customerId],
    );
    if (conversation) return { conversation, change: null };
    if (inbound) {
      const resolved = await queryOne<ConversationRow>(
        em,
        `select ${CONVERSATION_COLUMNS} from conversation t
          where t.customer_id = ? and t.status = 'RESOLVED' and t.resolved_at >= ?::timestamptz - make_interval(days => ?)
          order by t.resolved_at desc, t.id desc limit 1 for update`,
        [customerId, occurredAt, REOPEN_WINDOW_DAYS],
      );
      if (resolved) return { conversation: await reopen(em, resolved.id), change: 'reopened' };
    }
  }
  const id = newId('Conversation');
  const opened = await queryOne<ConversationRow>(
    em,
    `insert into conversation as t (id, customer_id, status, channels, opened_at, last_activity_at, reopen_count, created_by, created_at, updated_at)
     values (?, ?, ?, '{}', ?::timestamptz, ?::timestamptz, 0, ?, now(), now())
     returning ${CONVERSATION_COLUMNS}`,
    [id, customerId, inbound ? ConversationStatus.OPEN : ConversationStatus.PENDING, occurredAt, occurredAt, writerOf(ctx)],
  );
  return { conversation: opened!, change: 'opened' };
}

async function reopen(em: EntityManager, conversationId: string): Promise<ConversationRow> {
  const row = await queryOne<ConversationRow>(
    em,
    `update conversation t set status = 'OPEN', resolved_at = null, reopen_count = t.reopen_count + 1, updated_at = now()
      where t.id = ? returning ${CONVERSATION_COLUMNS}`,
    [conversationId],
  );
  return row!;
}

/**
 * Folds a new interaction into its conversation: channels used, subject, status (OPEN after an inbound,
 * PENDING after an outbound, unless RESOLVED or the contact is older than the latest), and the SLA
 * clock recomputed from the interactions themselves, so late or back-dated contacts land right.
 */
async function updateConversationAfter(em: EntityManager, conversationId: string, interaction: InteractionRow): Promise<ConversationRow> {
  const row = await queryOne<ConversationRow>(
    em,
    `with fi as (
       select occurred_at as at, channel from interaction
        where conversation_id = ? and direction = 'INBOUND' order by occurred_at, id limit 1
     )
     update conversation t set
       channels = case when ?::text = any(t.channels) then t.channels else array_append(t.channels, ?::text) end,
       subject = coalesce(t.subject, ?::text),
       status = case when t.status = 'RESOLVED' or ?::timestamptz < t.last_activity_at then t.status
                     when ? = 'INBOUND' then 'OPEN' else 'PENDING' end,
       last_activity_at = greatest(t.last_activity_at, ?::timestamptz),
       opened_at = least(t.opened_at, ?::timestamptz),
       first_inbound_at = (select at from fi),
       first_inbound_channel = (select channel from fi),
       first_response_at = (select min(o.occurred_at) from interaction o
                             where o.conversation_id = t.id and o.direction = 'OUTBOUND' and o.occurred_at >= (select at from fi)),
       updated_at = now()
     where t.id = ?
     returning ${CONVERSATION_COLUMNS}`,
    [
      conversationId, interaction.channel, interaction.channel, interaction.subject, interaction.occurredAt, interaction.direction,
      interaction.occurredAt, interaction.occurredAt, conversationId,
    ],
  );
  return row!;
}

function conversationEvent(conversation: ConversationRow, change: string, extra: Record<string, unknown> = {}): NewEvent {
  return {
    type: 'conversation.updated',
    customerId: conversation.customerId,
    payload: { conversationId: conversation.id, customerId: conversation.customerId, change, status: conversation.status, assigneeId: conversation.assigneeId, ...extra },
  };
}

/**
 * `recordInteraction`: idempotent on (source, externalId); resolves the customer from id or identities
 * (unknown identities create one), threads the contact into a conversation, keeps the SLA clock and
 * publishes interaction.recorded (and conversation.updated when the conversation opened, reopened or
 * changed status) in the same transaction.
 */
export async function recordInteraction(ctx: Context, input: RecordInteractionArgs): Promise<{ interaction: InteractionRow; created: boolean }> {
  const key = idempotencyKey(input);
  const { source, externalId } = key;
  const subject = optionalText(input.subject, MAX_SUBJECT, 'subject');
  const body = optionalText(input.body, MAX_BODY, 'body');
  if (input.conversationId && input.newConversation) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'Give conversationId or newConversation, not both.', ['input', 'newConversation']);
  }
  if (input.occurredAt && input.occurredAt.getTime() > Date.now() + MAX_FUTURE_MS) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'occurredAt lies in the future.', ['input', 'occurredAt']);
  }
  if (input.occurredAt && input.occurredAt < EARLIEST_RECORD_TIME) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `occurredAt must not be before ${EARLIEST_RECORD_TIME.toISOString()}.`, ['input', 'occurredAt']);
  }
  // Every field the caller sent, as it is stored or resolved: a retry returns the first recording.
  const request = idempotentRequest(ctx, 'interaction', key, {
    channel: input.channel,
    direction: input.direction,
    customer: customerRefInput(ctx, input.customer, ['input', 'customer']),
    conversationId: input.conversationId,
    newConversation: Boolean(input.newConversation),
    agentId: input.agentId,
    subject,
    body,
    occurredAt: input.occurredAt,
  });
  const result = await inTransaction(ctx.em, async (em) => {
    // Serialises recordings of one key, so a retry racing the first call sees its row.
    const existing = await claimIdempotencyKey(em, request, () => queryOne<InteractionRow & { idempotencyHash: string }>(
      em,
      `select ${INTERACTION_COLUMNS}, t.input_hash as "idempotencyHash" from interaction t where t.source = ? and t.external_id = ?`,
      [source, externalId],
    ));
    if (existing) {
      const { idempotencyHash: _hash, ...interaction } = existing;
      return { interaction, created: false };
    }

    const { customer } = await resolveCustomerRef(ctx, em, input.customer, input.channel, ['input', 'customer']);
    const agent = input.agentId ? await agentOrFail(em, input.agentId, ['input', 'agentId']) : undefined;
    // The customer row lock serialises threading: two contacts at once never open two conversations.
    const locked = await queryOne<{ at: string }>(em, `select coalesce(?::timestamptz, now()) as at from customer where id = ? for update`, [
      input.occurredAt ?? null,
      customer.id,
    ]);
    const occurredAt = locked!.at;
    const { conversation, change } = await thread(ctx, em, customer.id, input, occurredAt);
    const interaction = await queryOne<InteractionRow>(
      em,
      `insert into interaction as t (id, source, external_id, channel, direction, customer_id, conversation_id, agent_id, subject, body,
              occurred_at, input_hash, created_by, recorded_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, now())
       returning ${INTERACTION_COLUMNS}`,
      [newId('Interaction'), source, externalId, input.channel, input.direction, customer.id, conversation.id, agent?.id ?? null, subject, body,
        occurredAt, request.hash, writerOf(ctx)],
    );
    const updated = await updateConversationAfter(em, conversation.id, interaction!);
    const events: NewEvent[] = [];
    if (change) events.push(conversationEvent(updated, change));
    else if (updated.status !== conversation.status) events.push(conversationEvent(updated, 'status'));
    events.push({
      type: 'interaction.recorded',
      customerId: customer.id,
      payload: {
        interactionId: interaction!.id,
        conversationId: conversation.id,
        customerId: customer.id,
        channel: input.channel,
        direction: input.direction,
        source,
        externalId,
        agentId: agent?.id ?? null,
        // Personal free text: masked for ANALYST and PARTNER on every read, scrubbed by erasure.
        subject,
        occurredAt: interaction!.occurredAt,
      },
    });
    await appendEvents(em, events);
    return { interaction: interaction!, created: true };
  });
  ctx.loaders.clearAll();
  return result;
}

/** `assignConversation`: records a handover (from, to, note, time) and moves the assignment. */
export async function assignConversation(
  ctx: Context,
  input: { conversationId: string; agentId: string; note?: string | null },
): Promise<{ conversation: ConversationRow; handover: HandoverRow }> {
  const note = optionalText(input.note, MAX_NOTE, 'note');
  const result = await inTransaction(ctx.em, async (em) => {
    const conversation = await lockConversation(em, input.conversationId, ['input', 'conversationId']);
    const agent = await agentOrFail(em, input.agentId, ['input', 'agentId']);
    if (conversation.assigneeId === agent.id) {
      throw new DomainError(InteractionErrorCode.ALREADY_ASSIGNED, `Conversation ${conversation.id} is already assigned to ${agent.id}.`, ['input', 'agentId']);
    }
    const handover = await queryOne<HandoverRow>(
      em,
      `insert into handover as t (id, conversation_id, customer_id, from_agent_id, to_agent_id, note, at, created_by)
       values (?, ?, ?, ?, ?, ?, now(), ?) returning ${HANDOVER_COLUMNS}`,
      [newId('Handover'), conversation.id, conversation.customerId, conversation.assigneeId, agent.id, note, writerOf(ctx)],
    );
    const updated = await queryOne<ConversationRow>(
      em,
      `update conversation t set assignee_id = ?, updated_at = now() where t.id = ? returning ${CONVERSATION_COLUMNS}`,
      [agent.id, conversation.id],
    );
    await appendEvents(em, [conversationEvent(updated!, 'assigned', { fromAgentId: conversation.assigneeId, handoverId: handover!.id })]);
    return { conversation: updated!, handover: handover! };
  });
  ctx.loaders.clearAll();
  return result;
}

/** `resolveConversation`: RESOLVED now; an inbound contact within 7 days reopens it. */
export async function resolveConversation(ctx: Context, input: { conversationId: string }): Promise<{ conversation: ConversationRow }> {
  const result = await inTransaction(ctx.em, async (em) => {
    const conversation = await lockConversation(em, input.conversationId, ['input', 'conversationId']);
    if (conversation.status === ConversationStatus.RESOLVED) {
      throw new DomainError(InteractionErrorCode.ALREADY_RESOLVED, `Conversation ${conversation.id} is already resolved.`, ['input', 'conversationId']);
    }
    const updated = await queryOne<ConversationRow>(
      em,
      `update conversation t set status = 'RESOLVED', resolved_at = now(), first_resolved_at = coalesce(t.first_resolved_at, now()), updated_at = now()
        where t.id = ? returning ${CONVERSATION_COLUMNS}`,
      [conversation.id],
    );
    await appendEvents(em, [conversationEvent(updated!, 'resolved')]);
    return { conversation: updated! };
  });
  ctx.loaders.clearAll();
  return result;
}

/** `upsertAgent`: by e-mail (case-insensitive); the name is updated when the agent exists. */
export async function upsertAgent(ctx: Context, input: { email: string; name: string }): Promise<{ agent: AgentRow; created: boolean }> {
  rejectNul(input.email, ['input', 'email']);
  rejectNul(input.name, ['input', 'name']);
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 320) throw new DomainError(CommonErrorCode.INVALID_VALUE, `"${input.email}" is not an e-mail address.`, ['input', 'email']);
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'name must have 1 to 200 characters.', ['input', 'name']);
  const row = await queryOne<AgentRow & { created: boolean }>(
    ctx.em,
    `insert into agent as t (id, email, name, created_at, updated_at) values (?, ?, ?, now(), now())
     on conflict (email) do update set name = excluded.name, updated_at = now()
     returning ${AGENT_COLUMNS}, (t.xmax::text = '0') as created`,
    [newId('Agent'), email, name],
  );
  const { created, ...agent } = row!;
  ctx.loaders.clearAll();
  return { agent, created };
}

/** `interaction(id)` and `node(id)`; INGEST reads back only what it recorded. */
export async function getInteraction(ctx: Context, id: string): Promise<InteractionRow | null> {
  if (!isIdOf('Interaction', id)) return null;
  const row = await ctx.loaders.get(InteractionByIdLoader).load(id);
  if (row) assertReadableByWriter(ctx.principal, row.createdBy);
  return row;
}

/** `conversation(id)` and `node(id)`; INGEST reads back only conversations its contacts opened. */
export async function getConversation(ctx: Context, id: string): Promise<ConversationRow | null> {
  if (!isIdOf('Conversation', id)) return null;
  const row = await ctx.loaders.get(ConversationByIdLoader).load(id);
  if (row) assertReadableByWriter(ctx.principal, row.createdBy);
  return row;
}

/** `node(id)` of a handover (staff and conversation data, read like its conversation). */
export async function getHandover(ctx: Context, id: string): Promise<HandoverRow | null> {
  if (!isIdOf('Handover', id)) return null;
  return ctx.loaders.get(HandoverByIdLoader).load(id);
}

export async function getAgent(ctx: Context, id: string): Promise<AgentRow | null> {
  if (!isIdOf('Agent', id)) return null;
  return ctx.loaders.get(AgentByIdLoader).load(id);
}

/** `conversations(status, assigneeId)`: newest first. */
export async function listConversations(
  ctx: Context,
  args: { first?: number; after?: string; status?: ConversationStatus | null; assigneeId?: string | null },
): Promise<Connection<ConversationRow>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after, 1, ['string']) : undefined;
  const filters: string[] = [];
  const params: unknown[] = [];
  if (args.status) {
    filters.push('t.status = ?');
    params.push(args.status);
  }
  if (args.assigneeId) {
    // An id that cannot be an agent's matches nothing (and never reaches PostgreSQL as a bad value).
    filters.push(isIdOf('Agent', args.assigneeId) ? 't.assignee_id = ?' : 'false');
    if (isIdOf('Agent', args.assigneeId)) params.push(args.assigneeId);
  }
  const where = filters.length ? filters.join(' and ') : 'true';
  const keyset = keysetWhere(['t.id'], 'desc', after);
  const rows = await query<ConversationRow>(
    ctx.em,
    `select ${CONVERSATION_COLUMNS} from conversation t where ${where} and ${keyset.sql} order by t.id desc limit ?`,
    [...params, ...keyset.params, size + 1],
  );
  const loader = ctx.loaders.get(ConversationByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(cutPage(rows, size), Boolean(after), (row) => [row.id], (row) => row, async () => {
    const count = await queryOne<{ count: string }>(ctx.em, `select count(*) as count from conversation t where ${where}`, params);
    return Number(count?.count ?? 0);
  });
}
