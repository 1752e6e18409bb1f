import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { cursorValue } from '../interactions/nested-pages';
import { DeliveriesByWebhookLoader, DeliveryCountByWebhookLoader } from './webhook.loaders';
import { toDeliveryType } from './webhook.service';
import { WebhookDeliveriesArgs, WebhookDeliveryConnection, WebhookDeliveryType, WebhookType } from './webhook.type';

@Resolver(() => WebhookType)
export class WebhookFields {
  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Deliveries of this webhook, newest first (retained as long as events are).' })
  async deliveries(@Root() webhook: WebhookType, @Ctx() ctx: Context, @Args() args: WebhookDeliveriesArgs): Promise<Connection<WebhookDeliveryType>> {
    const first = pageSize(args.first);
    const after = args.after ? (decodeCursor(args.after, 2, ['string', 'string']) as string[]) : null;
    const page = await ctx.loaders.get(DeliveriesByWebhookLoader).load({ parentId: webhook.id, first, after, filter: null });
    return toConnection(
      page,
      Boolean(after),
      (row) => [cursorValue(row.createdAt), row.id],
      toDeliveryType,
      () => ctx.loaders.get(DeliveryCountByWebhookLoader).load(webhook.id),
    );
  }
}
