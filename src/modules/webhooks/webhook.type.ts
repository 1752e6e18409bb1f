import { JSONResolver } from 'graphql-scalars';
import { ArgsType, Field, ID, Int, ObjectType } from 'type-graphql';
import { Role } from '../../common/auth';
import { Node } from '../../common/node';
import { ConnectionType, PageArgs } from '../../common/pagination';
import { WebhookDeliveryStatus, WebhookStatus } from './webhook.enums';

/** A webhook row as services return it (the secret stays in the database). */
export interface WebhookRow {
  id: string;
  url: string;
  description: string | null;
  query: string;
  operationName: string | null;
  variables: Record<string, unknown> | null;
  ownerRole: Role;
  ownerName: string;
  status: WebhookStatus;
  positionXid: string;
  positionId: string;
  lastError: string | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

@ObjectType('Webhook', {
  implements: Node,
  description:
    'A GraphQL subscription delivered by HTTP POST: every event it matches is evaluated as its owner and POSTed to its url, signed, in commit order per customer, retried. See docs/webhooks.md.',
})
export class WebhookType {
  @Field(() => ID, { description: "The webhook's id." })
  id!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed (http or https; no private targets unless the server allows them).' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'A note of the owner.' })
  description!: string | null;

  @Field(() => String, { description: 'The GraphQL subscription document whose result each delivery carries.' })
  subscription!: string;

  @Field(() => String, { nullable: true, description: 'The operation of the document to run, when it has several.' })
  operationName!: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'Variables of the document.' })
  variables!: Record<string, unknown> | null;

  @Field(() => Role, { description: "The owner's role: documents run with it (masking, role policy)." })
  ownerRole!: Role;

  @Field(() => String, { description: 'The owner (API key name or JWT subject).' })
  owner!: string;

  @Field(() => WebhookStatus, { description: 'ACTIVE, PAUSED or FAILING.' })
  status!: WebhookStatus;

  @Field(() => String, { description: "The webhook's cursor: every event up to here was evaluated (and queued when it matched)." })
  cursor!: string;

  @Field(() => String, { nullable: true, description: 'Why the webhook is FAILING (or the last evaluation problem).' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'Since when it is FAILING.' })
  failingSince!: Date | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it was last changed.' })
  updatedAt!: Date;
}

/** A delivery row as loaders return it. */
export interface WebhookDeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  eventXid: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

@ObjectType('WebhookDelivery', { implements: Node, description: 'One event delivered (or to be delivered) to one webhook; refetch it with `node(id)`.' })
export class WebhookDeliveryType {
  @Field(() => ID, { description: 'Stable delivery id, sent as the `webhook-id` header: the same on every retry and replay, for deduplication.' })
  id!: string;

  @Field(() => ID, { description: "The event's sequence number." })
  eventId!: string;

  @Field(() => String, { description: "The event's cursor in the log." })
  eventCursor!: string;

  @Field(() => String, { description: 'The event type, e.g. interaction.recorded.' })
  eventType!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'PENDING or DELIVERED.' })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far (a replay starts again from 0).' })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (null once delivered).' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the last attempt started.' })
  lastAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer (null: no answer).' })
  lastResponseStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the receiver acknowledged it (2xx).' })
  deliveredAt!: Date | null;

  @Field(() => Date, { description: 'When it was queued (or re-queued by a replay).' })
  createdAt!: Date;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDeliveryType, 'WebhookDelivery');

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {}
