import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { encodeEventCursor } from '../events/event-cursor';
import { cursorValue } from '../interactions/nested-pages';
import { WebhookDeliveryStatus } from './webhook.enums';
import { DeliveriesByWebhookLoader, DeliveryCountByWebhookLoader } from './webhook.loaders';
import { WebhookDeliveriesArgs, WebhookDeliveryConnection, WebhookDeliveryType, WebhookType, type WebhookDeliveryRow } from './webhook.type';

function toDeliveryType(row: WebhookDeliveryRow): WebhookDeliveryType {
  return {
    id: row.id,
    eventId: row.eventId,
    eventCursor: encodeEventCursor({ xid: BigInt(row.eventXid), id: BigInt(row.eventId) }),
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === WebhookDeliveryStatus.DELIVERED ? null : row.nextAttemptAt,
    lastAttemptAt: row.lastAttemptAt,
    lastResponseStatus: row.lastResponseStatus,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

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
