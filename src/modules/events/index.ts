import { query, textArray } from '../../database/sql';
import type { OmniModule } from '../module';
import { PERSONAL_PAYLOAD_KEYS } from './event-payload';
import { EventEntity, EventRetentionEntity } from './event.entity';
import { EventFields, EventResolver } from './event.resolver';

/** What erasure clears in payloads: personal values, idempotency keys (which may carry them) included. */
const PERSONAL_KEYS = textArray(Object.keys(PERSONAL_PAYLOAD_KEYS));

export const eventsModule: OmniModule = {
  name: 'events',
  entities: [EventEntity, EventRetentionEntity],
  resolvers: [EventResolver, EventFields],
  customerData: [
    {
      name: 'events',
      table: 'event',
      customerColumn: 'customer_id',
      // The log is history: events stay with the customer they were written for.
      movesOnMerge: false,
      exportRows: (em, customerId) =>
        query(em, `select id::text as "eventId", type, occurred_at as "occurredAt", payload from event where customer_id = ? order by xid, id`, [customerId]),
      // Erasure reaches the log too: personal values inside retained payloads become null.
      erase: async (em, customerId) =>
        (
          await query(
            em,
            `update event set payload = (
               select jsonb_object_agg(p.key, case when p.key = any(?::text[]) then 'null'::jsonb else p.value end) from jsonb_each(payload) p
             )
              where customer_id = ? and jsonb_exists_any(payload, ?::text[])
                and exists (select 1 from jsonb_each(payload) p where p.key = any(?::text[]) and p.value <> 'null'::jsonb)
              returning 1`,
            [PERSONAL_KEYS, customerId, PERSONAL_KEYS, PERSONAL_KEYS],
          )
        ).length,
    },
  ],
};
