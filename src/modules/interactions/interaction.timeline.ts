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

