import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../database/sql';

export interface NewEvent {
  type: string;
  customerId?: string | null;
  payload: Record<string, unknown>;
}

/** Channel name used with LISTEN/NOTIFY: the notification only wakes readers, who then read the log. */
export const EVENT_NOTIFY_CHANNEL = 'omni360_events';

/**
 * The one way to publish an event: appended in the caller's transaction (it must be in one), so the
 * event exists exactly when the change does. NOTIFY is transactional too: delivered on commit only.
 * The rows and the NOTIFY are ONE statement whatever the number of events (a data-modifying WITH runs
 * whether or not the outer select reads it): a write path appends everything it publishes in one call.
 */
export async function appendEvents(em: EntityManager, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!em.isInTransaction()) throw new Error('appendEvents must run inside the transaction of the change');
  const values = events.map(() => '(?, ?, ?::jsonb)').join(', ');
  const params = events.flatMap((event) => [event.type, event.customerId ?? null, JSON.stringify(event.payload)]);
  await query(em, `with appended as (insert into event (type, customer_id, payload) values ${values}) select pg_notify('${EVENT_NOTIFY_CHANNEL}', '')`, params);
}
