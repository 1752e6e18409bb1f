import { listColumn, type ListColumn, type RowFinder } from '../../common/finder';
import type { EntityManager } from '@mikro-orm/postgresql';
import { assertReadableByWriter } from '../../common/auth';
import type { Channel } from '../../common/channel';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { EARLIEST_RECORD_TIME } from '../../common/scalars';
import { isIdOf, newId } from '../../common/ids';
import { cutPage, decodeCursor, keysetWhere, pageSize, toConnection, type Connection } from '../../common/pagination';
import { type Context, writerOf } from '../../context/context';
import { idempotencyKey, idempotentRequest, lockIdempotencyKeys, replayOf } from '../../common/idempotency';
import { rejectNul } from '../../common/text';
import { inTransaction, queryOne, queryPrepared } from '../../database/sql';
import type { CustomerRefParams } from '../customers/customer.model';
import { CustomerByIdLoader } from '../customers/customer.loaders';
import { customerRefInput, refOnlyLocks, resolveCustomerRef } from '../customers/customer.service';
import type { CustomerRow } from '../customers/customer.type';
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

/** The conversation a contact joins, as the threading read found and locked it (undefined: a new one opens). */
const JOINED_CONVERSATION = {
  /** An explicit conversationId. */
  given: `select ${CONVERSATION_COLUMNS} from conversation t where t.id = ? for update`,
  /**
   * The customer's most recent OPEN or PENDING conversation, whatever its channel; otherwise, for an
   * INBOUND contact within REOPEN_WINDOW_DAYS of a resolution, that conversation (to reopen).
   */
  latest: `select ${CONVERSATION_COLUMNS} from conversation t
            where t.customer_id = ? and (t.status in ('OPEN', 'PENDING')
               or (?::boolean and t.status = 'RESOLVED' and t.resolved_at >= x.at - make_interval(days => ?)))
            order by t.status = 'RESOLVED', case when t.status = 'RESOLVED' then t.resolved_at else t.last_activity_at end desc, t.id desc
            limit 1 for update`,
  /** newConversation: none. */
  none: `select ${CONVERSATION_COLUMNS} from conversation t where false`,
};

/** What recordInteraction reads once the key and the customer are locked. */
interface ThreadRead {
  /** The interaction already under the key (a replay, or a conflict). */
  existing?: { id: string; idempotencyHash: string | null; createdBy: string };
  agent?: AgentRow;
  conversation?: ConversationRow;
  /** When the contact happened: the input's occurredAt, else the transaction's time, in the column's precision (ms). */
  at: string | Date;
}

/**
 * ONE statement after the locks of the key and of the customer row (so it sees what a write holding
 * either committed meanwhile): the interaction under the key, the agent, the contact's time and the
 * conversation it joins, locked. Threading: an explicit conversationId wins; then newConversation;
 * otherwise JOINED_CONVERSATION.latest; otherwise a new conversation. The customer row lock serialises
 * threading, so two contacts at once never open two conversations.
 */
async function readThread(em: EntityManager, customerId: string, input: RecordInteractionArgs, key: { source: string; externalId: string }): Promise<ThreadRead> {
  const inbound = input.direction === Direction.INBOUND;
  const joined = input.conversationId ? JOINED_CONVERSATION.given : input.newConversation ? JOINED_CONVERSATION.none : JOINED_CONVERSATION.latest;
  const joinedParams = input.conversationId ? [input.conversationId] : input.newConversation ? [] : [customerId, inbound, REOPEN_WINDOW_DAYS];
  const row = await queryOne<Partial<ConversationRow> & {
    existingId: string | null; existingHash: string | null; existingCreatedBy: string | null;
    agentId: string | null; agentEmail: string; agentName: string; agentCreatedAt: string | Date; at: string | Date;
  }>(
    em,
    `select k.id as "existingId", k.input_hash as "existingHash", k.created_by as "existingCreatedBy",
            a.id as "agentId", a.email as "agentEmail", a.name as "agentName", a.created_at as "agentCreatedAt", x.at, c.*
       from (select coalesce(?::timestamptz, now())::timestamptz(3) as at) x
       left join interaction k on k.source = ? and k.external_id = ?
       left join agent a on a.id = ?
       left join lateral (${joined}) c on true`,
    [input.occurredAt ?? null, key.source, key.externalId, input.agentId ?? null, ...joinedParams],
  );
  const { existingId, existingHash, existingCreatedBy, agentId, agentEmail, agentName, agentCreatedAt, at, ...conversation } = row!;
  return {
    existing: existingId ? { id: existingId, idempotencyHash: existingHash, createdBy: existingCreatedBy! } : undefined,
    agent: agentId ? { id: agentId, email: agentEmail, name: agentName, createdAt: agentCreatedAt } : undefined,
    conversation: conversation.id ? (conversation as ConversationRow) : undefined,
    at,
  };
}

/** Where a contact goes: the conversation it joins (before the contact), and whether that opens or reopens it. */
function threadOf(customerId: string, input: RecordInteractionArgs, read: ThreadRead): { conversation?: ConversationRow; change: ThreadChange } {
  const { conversation } = read;
  if (input.conversationId) {
    if (!conversation) throw new DomainError(CommonErrorCode.NOT_FOUND, `No conversation ${input.conversationId}.`, ['input', 'conversationId']);
    if (conversation.customerId !== customerId) {
      throw new DomainError(CommonErrorCode.CONFLICT, `Conversation ${conversation.id} belongs to another customer.`, ['input', 'conversationId']);
    }
  }
  if (!conversation) return { change: 'opened' };
  const reopens = conversation.status === ConversationStatus.RESOLVED && input.direction === Direction.INBOUND;
  return { conversation, change: reopens ? 'reopened' : null };
}

/** The interaction row of a new contact, as insertContact stores it. */
type NewInteraction = Omit<InteractionRow, 'recordedAt'> & { inputHash: string };

const INSERT_INTERACTION = `insert into interaction as t (id, source, external_id, channel, direction, customer_id, conversation_id, agent_id, subject, body,
              occurred_at, input_hash, created_by, recorded_at)`;

function interactionValues(row: NewInteraction): unknown[] {
  return [row.id, row.source, row.externalId, row.channel, row.direction, row.customerId, row.conversationId, row.agentId, row.subject, row.body,
    row.occurredAt, row.inputHash, row.createdBy];
}

/**
 * Records a contact in a new conversation, ONE statement: the conversation is inserted as it is with
 * this single contact (channels, subject, status, the SLA clock's first inbound), then the interaction.
 */
async function insertContactInNewConversation(em: EntityManager, row: NewInteraction): Promise<{ conversation: ConversationRow; recordedAt: string | Date }> {
  const inbound = row.direction === Direction.INBOUND;
  const answer = await queryOne<ConversationRow & { recordedAt: string | Date }>(
    em,
    `with c as (
       insert into conversation as t (id, customer_id, status, channels, subject, opened_at, last_activity_at, first_inbound_at, first_inbound_channel,
              reopen_count, created_by, created_at, updated_at)
       values (?, ?, ?, array[?::text], ?, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?, 0, ?, now(), now())
       returning ${CONVERSATION_COLUMNS}
     ), i as (
       ${INSERT_INTERACTION} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, now())
       returning t.recorded_at
     )
     select c.*, i.recorded_at as "recordedAt" from c, i`,
    [
      row.conversationId, row.customerId, inbound ? ConversationStatus.OPEN : ConversationStatus.PENDING, row.channel, row.subject, row.occurredAt, row.occurredAt,
      inbound ? row.occurredAt : null, inbound ? row.channel : null, row.createdBy,
      ...interactionValues(row),
    ],
  );
  const { recordedAt, ...conversation } = answer!;
  return { conversation, recordedAt };
}

/**
 * Records a contact in an existing conversation, ONE statement: the interaction is inserted and folded
 * into its conversation: reopened when `reopen`, channels used, subject, status (OPEN after an inbound,
 * PENDING after an outbound, unless RESOLVED or the contact is older than the latest), and the SLA
 * clock recomputed from the conversation's contacts with the new one, so late or back-dated contacts
 * land right. (The statement's own insert is invisible to its other parts: `contacts` adds it.)
 */
async function insertContactInConversation(em: EntityManager, row: NewInteraction, reopen: boolean): Promise<{ conversation: ConversationRow; recordedAt: string | Date }> {
  const answer = await queryOne<ConversationRow & { recordedAt: string | Date }>(
    em,
    `with i as (
       ${INSERT_INTERACTION} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, now())
       returning t.id, t.occurred_at, t.direction, t.channel, t.recorded_at
     ), contacts as (
       select id, occurred_at, direction, channel from interaction where conversation_id = ?
       union all
       select id, occurred_at, direction, channel from i
     ), fi as (
       select occurred_at as at, channel from contacts where direction = 'INBOUND' order by occurred_at, id limit 1
     )
     update conversation t set
       status = case when ?::boolean then 'OPEN'
                     when t.status = 'RESOLVED' or i.occurred_at < t.last_activity_at then t.status
                     when i.direction = 'INBOUND' then 'OPEN' else 'PENDING' end,
       resolved_at = case when ?::boolean then null else t.resolved_at end,
       reopen_count = t.reopen_count + case when ?::boolean then 1 else 0 end,
       channels = case when i.channel = any(t.channels) then t.channels else array_append(t.channels, i.channel) end,
       subject = coalesce(t.subject, ?::text),
       last_activity_at = greatest(t.last_activity_at, i.occurred_at),
       opened_at = least(t.opened_at, i.occurred_at),
       first_inbound_at = (select at from fi),
       first_inbound_channel = (select channel from fi),
       first_response_at = (select min(o.occurred_at) from contacts o where o.direction = 'OUTBOUND' and o.occurred_at >= (select at from fi)),
       updated_at = now()
     from i
     where t.id = ?
     returning ${CONVERSATION_COLUMNS}, i.recorded_at as "recordedAt"`,
    [...interactionValues(row), row.conversationId, reopen, reopen, reopen, row.subject, row.conversationId],
  );
  const { recordedAt, ...conversation } = answer!;
  return { conversation, recordedAt };
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
  const result = await inTransaction(ctx.em, async (em): Promise<{ interaction: InteractionRow; created: boolean; answer?: ContactAnswer }> => {
    // Serialises recordings of one key, so a retry racing the first call sees its row.
    await lockIdempotencyKeys(em, [request]);
    const findReplay = async () => {
      const stored = await queryOne<InteractionRow & { idempotencyHash: string }>(
        em,
        `select ${INTERACTION_COLUMNS}, t.input_hash as "idempotencyHash" from interaction t where t.source = ? and t.external_id = ?`,
        [source, externalId],
      );
      const replayed = replayOf(stored, request);
      if (!replayed) return undefined;
      const { idempotencyHash: _hash, ...interaction } = replayed;
      return { interaction, created: false };
    };
    // Resolving identities may create a customer: a replay is answered before it. A reference by id
    // only locks the row, so its replay check rides on the threading read (and wins over its errors).
    const byId = refOnlyLocks(input.customer);
    const early = byId ? undefined : await findReplay();
    if (early) return early;
    let customer: CustomerRow;
    try {
      ({ customer } = await resolveCustomerRef(ctx, em, input.customer, input.channel, ['input', 'customer']));
    } catch (error) {
      const replay = byId && error instanceof DomainError ? await findReplay() : undefined;
      if (replay) return replay;
      throw error;
    }
    const read = await readThread(em, customer.id, input, key);
    if (replayOf(read.existing, request)) return (await findReplay())!;
    if (input.agentId && !read.agent) throw new DomainError(CommonErrorCode.NOT_FOUND, `No agent ${input.agentId}.`, ['input', 'agentId']);
    const { conversation: joined, change } = threadOf(customer.id, input, read);

    const row: NewInteraction = {
      id: newId('Interaction'), source, externalId, channel: input.channel, direction: input.direction, customerId: customer.id,
      conversationId: joined?.id ?? newId('Conversation'), agentId: read.agent?.id ?? null, subject, body, occurredAt: read.at,
      inputHash: request.hash, createdBy: writerOf(ctx),
    };
    const { conversation: updated, recordedAt } = joined
      ? await insertContactInConversation(em, row, change === 'reopened')
      : await insertContactInNewConversation(em, row);
    const { inputHash: _hash, ...fields } = row;
    const interaction: InteractionRow = { ...fields, recordedAt };
    const events: NewEvent[] = [];
    if (change) events.push(conversationEvent(updated, change));
    else if (updated.status !== joined?.status) events.push(conversationEvent(updated, 'status'));
    events.push({
      type: 'interaction.recorded',
      customerId: customer.id,
      payload: {
        interactionId: interaction.id,
        conversationId: updated.id,
        customerId: customer.id,
        channel: input.channel,
        direction: input.direction,
        source,
        externalId,
        agentId: read.agent?.id ?? null,
        // Personal free text: masked for ANALYST and PARTNER on every read, scrubbed by erasure.
        subject,
        occurredAt: interaction.occurredAt,
      },
    });
    await appendEvents(em, events);
    return { interaction, created: true, answer: { customer, conversation: updated, agent: read.agent } };
  });
  ctx.loaders.clearAll();
  if (result.answer) primeContactAnswer(ctx, result.interaction, result.answer);
  return { interaction: result.interaction, created: result.created };
}

/** What the answer to a new contact reads beside the interaction: held by the write. */
interface ContactAnswer {
  customer: CustomerRow;
  conversation: ConversationRow;
  agent?: AgentRow;
}

/** The loaders the answer to a new contact reads, primed after COMMIT from what the write holds. */
function primeContactAnswer(ctx: Context, interaction: InteractionRow, answer: ContactAnswer): void {
  ctx.loaders.get(InteractionByIdLoader).prime(interaction.id, interaction);
  ctx.loaders.get(CustomerByIdLoader).prime(answer.customer.id, answer.customer);
  ctx.loaders.get(ConversationByIdLoader).prime(answer.conversation.id, answer.conversation);
  if (answer.agent) ctx.loaders.get(AgentByIdLoader).prime(answer.agent.id, answer.agent);
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
export async function getInteraction<R extends Pick<InteractionRow, 'createdBy'> = InteractionRow>(
  ctx: Context,
  id: string,
  find?: RowFinder<R>,
): Promise<R | InteractionRow | null> {
  if (!isIdOf('Interaction', id)) return null;
  const row = await (find ? find(id) : ctx.loaders.get(InteractionByIdLoader).load(id));
  if (row) assertReadableByWriter(ctx.principal, row.createdBy);
  return row;
}

/** `conversation(id)` and `node(id)`; INGEST reads back only conversations its contacts opened. */
export async function getConversation<R extends Pick<ConversationRow, 'createdBy'> = ConversationRow>(
  ctx: Context,
  id: string,
  find?: RowFinder<R>,
): Promise<R | ConversationRow | null> {
  if (!isIdOf('Conversation', id)) return null;
  const row = await (find ? find(id) : ctx.loaders.get(ConversationByIdLoader).load(id));
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
  column?: ListColumn,
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
  // Prepared: a handful of texts (which filters are set), each planned once per connection.
  const extra = listColumn(column, 't');
  const rows = await queryPrepared<ConversationRow>(
    ctx.em,
    `select ${CONVERSATION_COLUMNS}${extra.select} from conversation t where ${where} and ${keyset.sql} order by t.id desc limit ?`,
    [...extra.params, ...params, ...keyset.params, size + extra.lookahead],
  );
  const loader = ctx.loaders.get(ConversationByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(cutPage(rows, size), Boolean(after), (row) => [row.id], (row) => row, async () => {
    const count = await queryOne<{ count: string }>(ctx.em, `select count(*) as count from conversation t where ${where}`, params);
    return Number(count?.count ?? 0);
  });
}
