import { SignJWT } from 'jose';
import { record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';
import { revokedOwner } from '../src/modules/webhooks/webhook-worker';
import { startReceiver, type ReceivedDelivery, type WebhookReceiver } from './support/webhook-receiver';

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

const dataOf = (delivery: ReceivedDelivery) => delivery.body.data as unknown as DeliveryData | null;

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
      () => receiver.acknowledged().some((delivery) => dataOf(delivery)?.interactionAdded.interaction.id === interaction.id),
      10_000,
      'the delivery',
    );
    const delivery = receiver.acknowledged().find((each) => dataOf(each)?.interactionAdded.interaction.id === interaction.id)!;
    for (const secret of [messageId, 'Refund for order 77', email]) expect(delivery.rawBody).not.toContain(secret);
    expect(dataOf(delivery)!.interactionAdded.interaction.externalId).toBe('***');

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

  it("stops a webhook whose owner's API key is no longer configured (or not with that role): FAILING, saying why", async () => {
    const keys = (extra: string) =>
      [...Object.entries(TOKENS).map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`), extra].filter(Boolean).join(',');
    const second = 'partner-two-secret-00000000';
    const first = await startTestServer({ env: { OMNI360_API_KEYS: keys(`PARTNER:partner-two:${second}`), OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    let webhookId: string;
    try {
      const created = await first.ok<{ createWebhook: { webhook: { id: string } } }, unknown>(
        'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code } } }',
        { input: { url: receiver.url, subscription: 'subscription { interactionAdded { eventId } }' } },
        second,
      );
      webhookId = created.createWebhook.webhook.id;
    } finally {
      await first.stop();
    }
    // The same database, the key gone.
    const after = await startTestServer({
      databaseUrl: first.databaseUrl,
      env: { OMNI360_API_KEYS: keys(''), OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true', OMNI360_WEBHOOK_POLL_MS: '50' },
    });
    try {
      await record(after, { customer: { identities: [{ type: 'EMAIL', value: `${unique('gone')}@example.com` }] } });
      const read = () =>
        after.ok<{ webhook: { status: string; lastError: string | null; deliveries: { totalCount: number } } }, unknown>(
          'query($id: ID!) { webhook(id: $id) { status lastError deliveries { totalCount } } }',
          { id: webhookId },
          TOKENS.ADMIN,
        );
      await waitUntil(async () => (await read()).webhook.status === 'FAILING', 10_000, 'the webhook to fail');
      const { webhook } = await read();
      expect(webhook.lastError).toMatch(/API key \(partner-two, PARTNER\) is no longer configured/);
      expect(webhook.deliveries.totalCount).toBe(0);
    } finally {
      await after.stop();
    }
  });

  it('keeps JWT-owned webhooks while the server accepts JWTs, and API-key ones while the key has the same name and role', () => {
    const apiKeys = [{ role: 'PARTNER' as const, name: 'p', secret: 's' }];
    expect(revokedOwner({ apiKeys }, { ownerRole: 'PARTNER', ownerName: 'p', ownerVia: 'api-key' })).toBeUndefined();
    expect(revokedOwner({ apiKeys }, { ownerRole: 'ADMIN', ownerName: 'p', ownerVia: 'api-key' })).toMatch(/no longer configured/);
    expect(revokedOwner({ apiKeys, jwtSecret: SECRET }, { ownerRole: 'PARTNER', ownerName: 'p', ownerVia: 'jwt' })).toBeUndefined();
    expect(revokedOwner({ apiKeys }, { ownerRole: 'PARTNER', ownerName: 'p', ownerVia: 'jwt' })).toMatch(/no longer accepts JWTs/);
  });
});
