import type { Context } from '../../context/context';
import { groupBy, makeLoader } from '../../context/loaders';
import { placeholders, query } from '../../database/sql';

export const DELIVERY_COLUMNS = `t.id, t.webhook_id as "webhookId", t.event_id::text as "eventId", t.event_xid::text as "eventXid", t.event_type as "eventType",
  t.status, t.attempts, t.next_attempt_at as "nextAttemptAt", t.last_attempt_at as "lastAttemptAt", t.last_response_status as "lastResponseStatus",
  t.last_error as "lastError", t.delivered_at as "deliveredAt", t.created_at as "createdAt"`;

/** `Webhook.deliveries.totalCount` for many webhooks in one statement. */
export function DeliveryCountByWebhookLoader(ctx: Context) {
  return makeLoader<string, number>(async (webhookIds) => {
    const rows = await query<{ webhookId: string; count: string }>(
      ctx.em,
      `select webhook_id as "webhookId", count(*) as count from webhook_delivery where webhook_id in (${placeholders(webhookIds.length)}) group by webhook_id`,
      [...webhookIds],
    );
    return groupBy(webhookIds, rows, (row) => row.webhookId).map((group) => Number(group[0]?.count ?? 0));
  });
}
