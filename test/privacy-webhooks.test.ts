import { SignJWT } from 'jose';
import { record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver';

/**
 * Issue 13, the same classes through webhooks: a webhook is owned by role, name AND kind of credential
 * (a JWT whose subject is an API key's name is another owner, as it is another writer), node(id) serves
 * webhooks and deliveries with the owner check of webhook(id), and what a PARTNER's webhook delivers
 * is masked as PARTNER reads it (the Message-ID of an interaction included).
 */

const SECRET = 'a-test-jwt-secret-of-at-least-32-characters';
let env: TestServer;
let receiver: WebhookReceiver;

beforeAll(async () => {
  env = await startTestServer({
    env: { OMNI360_JWT_SECRET: SECRET, OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true', OMNI360_WEBHOOK_POLL_MS: '50', OMNI360_RATE_LIMIT_PER_SECOND: '0' },
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await env.stop();
});

function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
}

const NODE = 'query($id: ID!) { node(id: $id) { __typename id } }';

interface DeliveryData {
  interactionAdded: { interaction: { id: string; externalId: string; subject: string | null; customer: { email: string | null } } };
}

describe('webhooks under the role policy', () => {
  it("delivers a PARTNER webhook's events masked as PARTNER reads them, and serves the webhook and its deliveries by node(id) to their owner only", async () => {
    const created = await env.ok<{ createWebhook: { webhook: { id: string }; userErrors: unknown[] } }, unknown>(
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code } } }',
      {
        input: {
          url: receiver.url,
          subscription: 'subscription { interactionAdded { interaction { id externalId subject customer { email } } } }',
        },
      },
      TOKENS.PARTNER,
    );
    expect(created.createWebhook.userErrors).toEqual([]);
    const webhookId = created.createWebhook.webhook.id;
    const messageId = `<${unique('hook')}@mail.example.com>`;
    const email = `${unique('hooked')}@example.com`;
    const interaction = await record(env, {
      customer: { identities: [{ type: 'EMAIL', value: email }] },
      externalId: messageId,
      subject: 'Refund for order 77',
    });

    await waitUntil(
      () => receiver.acknowledged().some((delivery) => (delivery.body.data as DeliveryData | null)?.interactionAdded.interaction.id === interaction.id),
      10_000,
      'the delivery',
    );
    const delivery = receiver.acknowledged().find((each) => (each.body.data as DeliveryData | null)?.interactionAdded.interaction.id === interaction.id)!;
    for (const secret of [messageId, 'Refund for order 77', email]) expect(delivery.rawBody).not.toContain(secret);
    expect((delivery.body.data as DeliveryData).interactionAdded.interaction.externalId).toBe('***');

    // The owner (and ADMIN) refetch the webhook and the delivery by node(id).
    for (const token of [TOKENS.PARTNER, TOKENS.ADMIN]) {
      expect((await env.ok<{ node: unknown }, unknown>(NODE, { id: webhookId }, token)).node).toEqual({ __typename: 'Webhook', id: webhookId });
      expect((await env.ok<{ node: unknown }, unknown>(NODE, { id: delivery.id }, token)).node).toEqual({ __typename: 'WebhookDelivery', id: delivery.id });
    }
    const fields = await env.ok<{ node: { eventType: string; status: string } }, unknown>(
      'query($id: ID!) { node(id: $id) { ... on WebhookDelivery { eventType status } } }',
      { id: delivery.id },
      TOKENS.PARTNER,
    );
    expect(fields.node).toEqual({ eventType: 'interaction.recorded', status: 'DELIVERED' });

    // Another PARTNER, and a JWT whose subject is the owner's API key name: neither owns it.
    const sameName = await jwt({ sub: 'partner-key', role: 'PARTNER' });
    const other = await jwt({ sub: 'another-partner', role: 'PARTNER' });
    for (const token of [sameName, other]) {
      expect((await env.ok<{ node: unknown }, unknown>(NODE, { id: webhookId }, token)).node).toBeNull();
      expect((await env.ok<{ node: unknown }, unknown>(NODE, { id: delivery.id }, token)).node).toBeNull();
      expect((await env.ok<{ webhook: unknown }, unknown>('query($id: ID!) { webhook(id: $id) { id } }', { id: webhookId }, token)).webhook).toBeNull();
      expect((await env.ok<{ webhooks: { id: string }[] }, unknown>('{ webhooks { id } }', {}, token)).webhooks.map((webhook) => webhook.id)).not.toContain(
        webhookId,
      );
      const paused = await env.ok<{ pauseWebhook: { userErrors: { code: string }[] } }, unknown>(
        'mutation($id: ID!) { pauseWebhook(id: $id) { userErrors { code } } }',
        { id: webhookId },
        token,
      );
      expect(paused.pauseWebhook.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    }
    // Roles that hold no webhooks are refused the types by the role policy.
    for (const token of [TOKENS.AGENT, TOKENS.ANALYST]) {
      for (const id of [webhookId, delivery.id]) {
        const res = await env.gql(NODE, { id }, token);
        expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      }
    }
    // Malformed delivery ids are nobody's.
    for (const id of [`${webhookId}.0`, `${webhookId}.x`, `${interaction.id}.1`]) {
      expect((await env.ok<{ node: unknown }, unknown>(NODE, { id }, TOKENS.ADMIN)).node).toBeNull();
    }
  });
});
