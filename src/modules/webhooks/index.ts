import type { OmniModule } from '../module';
import { WebhookDeliveryEntity, WebhookEntity } from './webhook.entity';
import { WebhookFields } from './webhook.fields';
import { WebhookResolver } from './webhook.resolver';

export { WebhookWorker } from './webhook-worker';

export const webhooksModule: OmniModule = {
  name: 'webhooks',
  entities: [WebhookEntity, WebhookDeliveryEntity],
  resolvers: [WebhookResolver, WebhookFields],
};
