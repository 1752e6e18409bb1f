import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { mutationPayload } from '../../common/errors';
import type { Context } from '../../context/context';
import { CreateWebhookInput, RotateWebhookSecretInput, UpdateWebhookInput } from './webhook.inputs';
import { CreateWebhookPayload, DeleteWebhookPayload, RotateWebhookSecretPayload, WebhookPayload } from './webhook.payloads';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  pauseWebhook,
  replayWebhook,
  resumeWebhook,
  rotateWebhookSecret,
  updateWebhook,
} from './webhook.service';
import { WebhookType } from './webhook.type';

const ID_ARG = { description: 'The webhook.' };

/** Webhooks: ADMIN manages every one, a PARTNER its own (the service checks the owner). */
@Resolver()
export class WebhookResolver {
  @Allow(Roles.WEBHOOKS)
  @Query(() => [WebhookType], { description: 'The webhooks you may manage (all of them for ADMIN, your own for PARTNER), oldest first.' })
  webhooks(@Ctx() ctx: Context): Promise<WebhookType[]> {
    return listWebhooks(ctx);
  }

  @Allow(Roles.WEBHOOKS)
  @Query(() => WebhookType, { nullable: true, description: "One webhook you may manage; null when unknown or another owner's." })
  webhook(@Ctx() ctx: Context, @Arg('id', () => ID, ID_ARG) id: string): Promise<WebhookType | null> {
    return getWebhook(ctx, id);
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => CreateWebhookPayload, {
    description:
      'Creates a webhook owned by the caller: its subscription document is evaluated as the caller for every matching event from now on (or after `input.after`) and POSTed, signed, to the url. The secret is shown once.',
  })
  createWebhook(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateWebhookInput, { description: 'The url, the document, its variables.' }) input: CreateWebhookInput,
  ) {
    return mutationPayload(() => createWebhook(ctx, input), { webhook: null, secret: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => WebhookPayload, { description: "Changes a webhook's url, document or description; a new document applies to events not evaluated yet." })
  updateWebhook(@Ctx() ctx: Context, @Arg('input', () => UpdateWebhookInput, { description: 'The webhook and the changes.' }) input: UpdateWebhookInput) {
    return mutationPayload(() => updateWebhook(ctx, input), { webhook: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => WebhookPayload, { description: 'Stops evaluating and sending until resumeWebhook; nothing is skipped.' })
  pauseWebhook(@Ctx() ctx: Context, @Arg('id', () => ID, ID_ARG) id: string) {
    return mutationPayload(() => pauseWebhook(ctx, id), { webhook: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => WebhookPayload, {
    description: 'Re-enables a PAUSED or FAILING webhook: it resumes from its cursor, pending deliveries first, with a new retry window.',
  })
  resumeWebhook(@Ctx() ctx: Context, @Arg('id', () => ID, ID_ARG) id: string) {
    return mutationPayload(() => resumeWebhook(ctx, id), { webhook: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => DeleteWebhookPayload, { description: 'Deletes a webhook and its deliveries.' })
  deleteWebhook(@Ctx() ctx: Context, @Arg('id', () => ID, ID_ARG) id: string) {
    return mutationPayload(() => deleteWebhook(ctx, id), { deletedId: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => RotateWebhookSecretPayload, {
    description: 'A new signing secret; the old one still signs (a second signature) for keepPreviousForSeconds. The secret is shown once.',
  })
  rotateWebhookSecret(
    @Ctx() ctx: Context,
    @Arg('input', () => RotateWebhookSecretInput, { description: 'The webhook and the overlap.' }) input: RotateWebhookSecretInput,
  ) {
    return mutationPayload(() => rotateWebhookSecret(ctx, input), { webhook: null, secret: null });
  }

  @Allow(Roles.WEBHOOKS)
  @Mutation(() => WebhookPayload, {
    description:
      'Re-delivers every matching event after `after` (a cursor within retention), with the same delivery ids. CURSOR_EXPIRED when events after it were purged.',
  })
  replayWebhook(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, ID_ARG) id: string,
    @Arg('after', () => String, { description: "An event cursor (Event.cursor, a delivery's cursor): delivery starts right after it." }) after: string,
  ) {
    return mutationPayload(() => replayWebhook(ctx, id, after), { webhook: null });
  }
}
