import { JSONResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';
import type { CreateWebhookParams, RotateWebhookSecretParams, UpdateWebhookParams } from './webhook.model';

@InputType({ description: 'A new webhook.' })
export class CreateWebhookInput implements CreateWebhookParams {
  @Field(() => String, {
    description: 'Where to POST deliveries: http(s); private, loopback and link-local targets are refused unless the server allows them.',
  })
  url!: string;

  @Field(() => String, {
    description:
      "A GraphQL subscription document over the Subscription fields (e.g. `subscription { interactionAdded { eventId interaction { id channel } } }`); its result is each delivery's `data`.",
  })
  subscription!: string;

  @Field(() => String, { nullable: true, description: 'The operation to run when the document has several.' })
  operationName?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'Variables of the document.' })
  variables?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'A note (at most 500 characters).' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'Start after this event cursor (within retention) instead of from now.' })
  after?: string | null;
}

@InputType({ description: 'Changes to a webhook; omitted fields stay. A new document applies to events not evaluated yet.' })
export class UpdateWebhookInput implements UpdateWebhookParams {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;

  @Field(() => String, { nullable: true, description: "A new target URL (checked like createWebhook's)." })
  url?: string | null;

  @Field(() => String, { nullable: true, description: "A new subscription document (checked as the webhook's owner)." })
  subscription?: string | null;

  @Field(() => String, { nullable: true, description: 'A new operation name (with subscription).' })
  operationName?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'New variables.' })
  variables?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'A new note.' })
  description?: string | null;
}

@InputType({ description: 'Which secret to rotate and how long the old one still signs.' })
export class RotateWebhookSecretInput implements RotateWebhookSecretParams {
  @Field(() => ID, { description: 'The webhook.' })
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'Seconds during which deliveries carry signatures with both the old and the new secret (default 86400, at most 604800; 0 drops the old one at once).',
  })
  keepPreviousForSeconds?: number | null;
}
