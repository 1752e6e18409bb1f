import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Channel } from '../../common/channel';
import { Allow, Roles } from '../../common/auth';
import type { Context } from '../../context/context';
import { InteractionFilter } from '../interactions/interaction.inputs';
import { encodeEventCursor, positionOf } from '../events/event-cursor';
import type { EventRow } from '../events/event-reader';
import { customerIdsOf, openLogStream } from './subscription.service';
import { CustomerEventType, InteractionEventType, OrderEventType, StockEventType } from './subscription.type';

type Subscribe<A> = SubscribeResolverData<unknown, A, Context>;

const AFTER = 'A cursor of an event: first every retained matching event after it, then live ones (no gap, no duplicate). Without it: events from now on.';

function cursorOf(event: EventRow): string {
  return encodeEventCursor(positionOf(event));
}

/**
 * Subscriptions over the durable event log (graphql-ws). Each is a filter over the log plus a
 * mapping from an event to its GraphQL shape; the hub does the rest (replay, live, fan-out).
 */
@Resolver()
export class SubscriptionResolver {
  @Allow(Roles.READ)
  @Subscription(() => InteractionEventType, {
    description: 'Every interaction recorded from now on (or after `after`), optionally of one customer, one conversation or some channels. PII masked per role.',
    subscribe: async ({ args, context }: Subscribe<{ filter?: InteractionFilter | null; after?: string | null }>) => {
      const filter = args.filter ?? {};
      const customerIds = filter.customerId ? await customerIdsOf(context, filter.customerId, 'filter.customerId') : undefined;
      const channels = filter.channels?.length ? new Set<string>(filter.channels) : undefined;
      return openLogStream(context, {
        after: args.after,
        filter: { types: ['interaction.recorded'], customerIds },
        matches: (event) =>
          (!filter.conversationId || event.payload.conversationId === filter.conversationId)
          && (!channels || channels.has(String(event.payload.channel))),
      });
    },
  })
  interactionAdded(
    @Root() event: EventRow,
    @Arg('filter', () => InteractionFilter, { nullable: true, description: 'Which interactions; all of them when omitted.' }) _filter?: InteractionFilter | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after?: string | null,
  ): InteractionEventType {
    return { eventId: event.id, cursor: cursorOf(event), interactionId: String(event.payload.interactionId) };
  }

  @Allow(Roles.READ)
  @Subscription(() => CustomerEventType, {
    description: 'Live 360 view of one customer: every event about them (profile, identities, consents, merges, contacts, orders). PII masked per role.',
    subscribe: async ({ args, context }: Subscribe<{ customerId: string; after?: string | null }>) => {
      const customerIds = await customerIdsOf(context, args.customerId, 'customerId');
      return openLogStream(context, { after: args.after, filter: { customerIds }, matches: () => true });
    },
  })
  customerEvents(
    @Root() event: EventRow,
    @Arg('customerId', () => ID, { description: 'The customer (an id merged away means its survivor).' }) _customerId: string,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after?: string | null,
  ): CustomerEventType {
    return { eventId: event.id, cursor: cursorOf(event), type: event.type, customerId: event.customerId! };
  }

  @Allow(Roles.READ_INTERNAL)
  @Subscription(() => OrderEventType, {
    description: 'Every order placed from now on (or after `after`), optionally in one channel.',
    subscribe: ({ args, context }: Subscribe<{ channel?: Channel | null; after?: string | null }>) =>
      openLogStream(context, {
        after: args.after,
        filter: { types: ['order.placed'] },
        matches: (event) => !args.channel || event.payload.channel === args.channel,
      }),
  })
  orderPlaced(
    @Root() event: EventRow,
    @Arg('channel', () => Channel, { nullable: true, description: 'Only orders of this channel.' }) _channel?: Channel | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after?: string | null,
  ): OrderEventType {
    return { eventId: event.id, cursor: cursorOf(event), type: event.type, orderId: String(event.payload.orderId) };
  }

  @Allow(Roles.READ_INTERNAL)
  @Subscription(() => StockEventType, {
    description: 'Every stock level change from now on, optionally of one SKU and/or one location.',
    subscribe: ({ args, context }: Subscribe<{ sku?: string | null; locationId?: string | null }>) =>
      openLogStream(context, {
        filter: { types: ['stock.changed'] },
        matches: (event) => (!args.sku || event.payload.sku === args.sku) && (!args.locationId || event.payload.locationId === args.locationId),
      }),
  })
  stockChanged(
    @Root() event: EventRow,
    @Arg('sku', () => String, { nullable: true, description: 'Only this product.' }) _sku?: string | null,
    @Arg('locationId', () => ID, { nullable: true, description: 'Only this location.' }) _locationId?: string | null,
  ): StockEventType {
    return { eventId: event.id, cursor: cursorOf(event), sku: String(event.payload.sku), payload: event.payload };
  }
}
