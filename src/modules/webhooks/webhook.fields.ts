import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { cursorValue, decodeCursor, pageSize, toConnection, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { relationPage } from '../../read-planner';
import { DeliveryCountByWebhookLoader } from './webhook.loaders';
import { toDeliveryType } from './webhook.service';
import { WebhookDeliveriesArgs, WebhookDeliveryConnection, WebhookDeliveryType, WebhookType, type WebhookDeliveryRow } from './webhook.type';

@Resolver(() => WebhookType)
export class WebhookFields {
  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Deliveries of this webhook, newest first (retained as long as events are).' })
  async deliveries(
    @Root() webhook: WebhookType,
    @Ctx() ctx: Context,
    @Args() args: WebhookDeliveriesArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<WebhookDeliveryType>> {
    const first = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, 2, ['timestamp', 'string']) : null;
    const { page, total } = await relationPage<WebhookDeliveryRow, keyof WebhookDeliveryRow>(ctx, webhook, info, first); // WebhookDelivery's `always` is every key
    return toConnection(
      page,
      Boolean(after),
      (row) => [cursorValue(row.createdAt), row.id],
      toDeliveryType,
      () => total ?? ctx.loaders.get(DeliveryCountByWebhookLoader).load(webhook.id),
    );
  }
}
