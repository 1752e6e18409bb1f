import { timelineSourcesFor } from '../../common/timeline';
import type { Context } from '../../context/context';
import { indexBy, jsonKey, makeLoader } from '../../context/loaders';
import { placeholders, query, textArray } from '../../database/sql';
import type { AgentRow, ConversationRow, HandoverRow, InteractionRow } from './interaction.type';

export const INTERACTION_COLUMNS = `t.id, t.source, t.external_id as "externalId", t.channel, t.direction, t.customer_id as "customerId",
  t.conversation_id as "conversationId", t.agent_id as "agentId", t.subject, t.body, t.occurred_at as "occurredAt",
  t.recorded_at as "recordedAt", t.created_by as "createdBy"`;

export const CONVERSATION_COLUMNS = `t.id, t.customer_id as "customerId", t.status, t.subject, t.channels, t.assignee_id as "assigneeId",
  t.opened_at as "openedAt", t.last_activity_at as "lastActivityAt", t.first_inbound_at as "firstInboundAt",
  t.first_inbound_channel as "firstInboundChannel", t.first_response_at as "firstResponseAt", t.resolved_at as "resolvedAt",
  t.reopen_count as "reopenCount", t.created_by as "createdBy"`;

export const AGENT_COLUMNS = `t.id, t.email, t.name, t.created_at as "createdAt"`;

export const HANDOVER_COLUMNS = `t.id, t.conversation_id as "conversationId", t.customer_id as "customerId", t.from_agent_id as "fromAgentId",
  t.to_agent_id as "toAgentId", t.note, t.at`;

function byIdLoader<R extends { id: string }>(ctx: Context, table: string, columns: string) {
  return makeLoader<string, R | null>(async (ids) => {
    const rows = await query<R>(ctx.em, `select ${columns} from ${table} t where t.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  });
}

export function InteractionByIdLoader(ctx: Context) {
  return byIdLoader<InteractionRow>(ctx, 'interaction', INTERACTION_COLUMNS);
}

export function ConversationByIdLoader(ctx: Context) {
  return byIdLoader<ConversationRow>(ctx, 'conversation', CONVERSATION_COLUMNS);
}

export function AgentByIdLoader(ctx: Context) {
  return byIdLoader<AgentRow>(ctx, 'agent', AGENT_COLUMNS);
}

export function HandoverByIdLoader(ctx: Context) {
  return byIdLoader<HandoverRow>(ctx, 'handover', HANDOVER_COLUMNS);
}

/** Count keys of nested connections: (parent, filter). */
export interface CountKey {
  parentId: string;
  filter: string | null;
}

/** Counts rows per parent (and optional filter) in one statement per distinct filter. */
function countLoader(ctx: Context, table: string, parentColumn: string, filterColumn?: string) {
  return makeLoader<CountKey, number>(async (keys) => {
    const byFilter = new Map<string | null, string[]>();
    for (const key of keys) byFilter.set(key.filter, [...(byFilter.get(key.filter) ?? []), key.parentId]);
    const counts = new Map<string, number>();
    for (const [filter, parents] of byFilter) {
      const unique = [...new Set(parents)];
      const rows = await query<{ parent: string; count: string }>(
        ctx.em,
        `select ${parentColumn} as parent, count(*) as count from ${table}
          where ${parentColumn} in (${placeholders(unique.length)}) ${filter !== null && filterColumn ? `and ${filterColumn} = ?` : ''}
          group by ${parentColumn}`,
        filter !== null && filterColumn ? [...unique, filter] : unique,
      );
      for (const row of rows) counts.set(jsonKey({ parentId: row.parent, filter }), Number(row.count));
    }
    return keys.map((key) => counts.get(jsonKey({ parentId: key.parentId, filter: key.filter })) ?? 0);
  });
}

export function InteractionCountByCustomerLoader(ctx: Context) {
  return countLoader(ctx, 'interaction', 'customer_id', 'channel');
}

export function InteractionCountByConversationLoader(ctx: Context) {
  return countLoader(ctx, 'interaction', 'conversation_id');
}

export function ConversationCountByCustomerLoader(ctx: Context) {
  return countLoader(ctx, 'conversation', 'customer_id', 'status');
}

/** Timeline entries per customer across every registered source. */
export function TimelineCountByCustomerLoader(ctx: Context) {
  return makeLoader<CountKey, number>(async (keys) => {
    const ids = [...new Set(keys.map((key) => key.parentId))];
    const union = timelineSourcesFor(ctx.principal).map((source) => `select count(*) as n from (${source.select('c.id')}) s`).join(' union all ');
    const rows = await query<{ id: string; count: string }>(
      ctx.em,
      `select c.id, (select sum(n) from (${union}) u) as count from (select unnest(?::text[]) as id) c`,
      [textArray(ids)],
    );
    const counts = new Map(rows.map((row) => [row.id, Number(row.count ?? 0)]));
    return keys.map((key) => counts.get(key.parentId) ?? 0);
  });
}
