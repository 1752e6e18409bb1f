import { Field, ID, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { WebhookType } from './webhook.type';

@ObjectType({ description: 'Result of createWebhook.' })
export class CreateWebhookPayload {
  @Field(() => WebhookType, { nullable: true, description: 'The webhook.' })
  webhook?: WebhookType | null;

  @Field(() => String, { nullable: true, description: 'The signing secret (`whsec_...`): shown once, here and by rotateWebhookSecret.' })
  secret?: string | null;

  @Field(() => [UserError], { description: 'Expected failures: INVALID_URL, INVALID_SUBSCRIPTION, INVALID_VALUE, CURSOR_EXPIRED, TOO_MANY_WEBHOOKS.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of updateWebhook, pauseWebhook, resumeWebhook and replayWebhook.' })
export class WebhookPayload {
  @Field(() => WebhookType, { nullable: true, description: 'The webhook after the change.' })
  webhook?: WebhookType | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, INVALID_URL, INVALID_SUBSCRIPTION, INVALID_VALUE, CURSOR_EXPIRED.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of rotateWebhookSecret.' })
export class RotateWebhookSecretPayload {
  @Field(() => WebhookType, { nullable: true, description: 'The webhook.' })
  webhook?: WebhookType | null;

  @Field(() => String, { nullable: true, description: 'The new signing secret, shown once.' })
  secret?: string | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND, INVALID_VALUE.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of deleteWebhook.' })
export class DeleteWebhookPayload {
  @Field(() => ID, { nullable: true, description: 'The id of the deleted webhook.' })
  deletedId?: string | null;

  @Field(() => [UserError], { description: 'Expected failures: NOT_FOUND.' })
  userErrors!: UserError[];
}
