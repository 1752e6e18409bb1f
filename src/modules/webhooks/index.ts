import { query } from '../../database/sql';
import type { OmniModule } from '../module';
import { WebhookDeliveryEntity, WebhookEntity } from './webhook.entity';
import { WebhookFields } from './webhook.fields';
import { WebhookResolver } from './webhook.resolver';
import { getWebhook, getWebhookDelivery } from './webhook.service';

export { WebhookWorker } from './webhook-worker';

export const webhooksModule: OmniModule = {
  name: 'webhooks',
  entities: [WebhookEntity, WebhookDeliveryEntity],
  resolvers: [WebhookResolver, WebhookFields],
  // node(id) serves webhooks and deliveries with the owner check of webhook(id): another owner's is null.
  nodeTypes: { Webhook: getWebhook, WebhookDelivery: getWebhookDelivery },
  customerData: [
    {
      name: 'webhookDeliveries',
      table: 'webhook_delivery',
      // Events without a customer are ordered under '': they never match a customer id.
      customerColumn: 'order_key',
      // Deliveries record what was sent about the customer id of the time, like the log.
      movesOnMerge: false,
      exportRows: (em, customerId) =>
        query(
          em,
          `select id as "deliveryId", webhook_id as "webhookId", event_id::text as "eventId", event_type as "eventType", status, created_at as "createdAt"
                     from webhook_delivery where order_key = ? order by event_xid, event_id, webhook_id`,
          [customerId],
        ),
      // Bodies were evaluated for their owners (in clear for an ADMIN): erasure drops what they say.
      erase: async (em, customerId) =>
        (
          await query(
            em,
            `update webhook_delivery set body = ((body::jsonb - 'data' - 'errors') || '{"data":null,"erased":true}'::jsonb)::text
              where order_key = ? and not jsonb_exists(body::jsonb, 'erased') returning 1`,
            [customerId],
          )
        ).length,
    },
  ],
};
