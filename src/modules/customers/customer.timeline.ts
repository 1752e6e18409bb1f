import type { TimelineSource } from '../../common/timeline';

/** Consent changes in a customer's timeline: the history row, not only the current state. */
export const CONSENT_TIMELINE: TimelineSource = {
  kind: 'CONSENT',
  select: (customerId) =>
    `select s.id, s.recorded_at, s.channel,
            s.purpose || case when s.granted then ' consent granted' else ' consent withdrawn' end, null::text
       from consent s where s.customer_id = ${customerId}`,
};

/** Merges into and out of the customer, undone ones marked. */
export const MERGE_TIMELINE: TimelineSource = {
  kind: 'MERGE',
  select: (customerId) =>
    `select m.id, m.merged_at, null::text,
            case when m.survivor_id = ${customerId} then 'Merged customer ' || m.merged_id else 'Merged into customer ' || m.survivor_id end
              || case when m.undone_at is not null then ' (undone)' else '' end,
            null::text
       from customer_merge m where m.survivor_id = ${customerId} or m.merged_id = ${customerId}`,
};
