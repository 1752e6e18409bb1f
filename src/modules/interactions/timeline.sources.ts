import type { TimelineSource } from '../../common/timeline';

/** Contacts: "Inbound CHAT", with the conversation as parent. */
export const INTERACTION_TIMELINE: TimelineSource = {
  kind: 'INTERACTION',
  select: (customerId) =>
    `select i.id, i.occurred_at, i.channel, initcap(i.direction) || ' ' || i.channel, i.conversation_id
       from interaction i where i.customer_id = ${customerId}`,
};

/** Assignment changes: "Assigned to <agent>" (staff names are not personal customer data). */
export const HANDOVER_TIMELINE: TimelineSource = {
  kind: 'HANDOVER',
  select: (customerId) =>
    `select h.id, h.at, null::text, 'Assigned to ' || a.name, h.conversation_id
       from handover h join agent a on a.id = h.to_agent_id where h.customer_id = ${customerId}`,
};

/**
 * Consent changes and merges are the customers module's records; their sources are registered here
 * until that module registers its own (the registry ignores a second source of the same kind).
 */
export const CONSENT_TIMELINE: TimelineSource = {
  kind: 'CONSENT',
  select: (customerId) =>
    `select s.id, s.recorded_at, s.channel,
            s.purpose || case when s.granted then ' consent granted' else ' consent withdrawn' end, null::text
       from consent s where s.customer_id = ${customerId}`,
};

export const MERGE_TIMELINE: TimelineSource = {
  kind: 'MERGE',
  select: (customerId) =>
    `select m.id, m.merged_at, null::text,
            case when m.survivor_id = ${customerId} then 'Merged customer ' || m.merged_id else 'Merged into customer ' || m.survivor_id end
              || case when m.undone_at is not null then ' (undone)' else '' end,
            null::text
       from customer_merge m where m.survivor_id = ${customerId} or m.merged_id = ${customerId}`,
};
