import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { signWebhook, verifyWebhook } from '../src/modules/webhooks/webhook-signature';
import { postWebhook } from '../src/modules/webhooks/webhook-sender';
import { retryDelayMs } from '../src/modules/webhooks/webhook-worker';
import { createPerson } from './support/customers';
import { newCustomerRef, rawClient, record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, type TestServer } from './support/server';
import { startReceiver, type ReceivedDelivery, type WebhookReceiver } from './support/webhook-receiver';

/**
 * Webhooks end to end: the real server, a real HTTP receiver on loopback, real PostgreSQL. Retries,
 * polls and the retry window are shortened by configuration so that minutes of policy take seconds.
 */

const FAST = {
  OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true',
  OMNI360_WEBHOOK_BACKOFF_BASE_MS: '20',
  OMNI360_WEBHOOK_BACKOFF_MAX_MS: '200',
  OMNI360_WEBHOOK_POLL_MS: '50',
  OMNI360_WEBHOOK_RETRY_WINDOW_SECONDS: '2',
  OMNI360_WEBHOOK_TIMEOUT_MS: '2000',
  OMNI360_RATE_LIMIT_PER_SECOND: '0',
};

const CREATE = `mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id status cursor owner ownerRole } userErrors { code field message } }
}`;
const WEBHOOK = `query($id: ID!) { webhook(id: $id) { id status lastError cursor deliveries(first: 100) { totalCount edges { node { id eventId status attempts lastError lastResponseStatus } } } } }`;
const RESUME = `mutation($id: ID!) { resumeWebhook(id: $id) { webhook { id status } userErrors { code } } }`;

const INTERACTION_DOC = `subscription { interactionAdded { eventId cursor interaction { id subject customer { id firstName email } } } }`;

// The answer shapes this file reads, after schema/schema.graphql: each holds what its documents select.
type WebhookStatus = 'ACTIVE' | 'FAILING' | 'PAUSED';

interface UserError {
  code: string;
  field?: string[] | null;
  message?: string;
}

interface CreateAnswer {
  createWebhook: {
    secret: string | null;
    webhook: { id: string; status: WebhookStatus; cursor: string; owner: string; ownerRole: string } | null;
    userErrors: UserError[];
  };
}

interface WebhookAnswer {
  webhook: {
    id: string;
    status: WebhookStatus;
    lastError: string | null;
    cursor: string;
    deliveries: {
      totalCount: number;
      edges: {
        node: { id: string; eventId: string; status: 'DELIVERED' | 'PENDING'; attempts: number; lastError: string | null; lastResponseStatus: number | null };
      }[];
    };
  } | null;
}

/** A WebhookPayload (pauseWebhook, resumeWebhook, replayWebhook) under the mutation's name `K`. */
type WebhookPayloadAnswer<K extends string> = Record<K, { webhook?: { id?: string; status?: WebhookStatus } | null; userErrors: UserError[] }>;

interface IdVars {
  id: string;
}

interface InputVars {
  input: Record<string, unknown>;
}

interface Created {
  id: string;
  secret: string;
  cursor: string;
}

async function createWebhook(env: TestServer, input: Record<string, unknown>, token = TOKENS.ADMIN): Promise<Created> {
  const res = await env.ok<CreateAnswer, InputVars>(CREATE, { input }, token);
  expect(res.createWebhook.userErrors).toEqual([]);
  return { id: res.createWebhook.webhook!.id, secret: res.createWebhook.secret!, cursor: res.createWebhook.webhook!.cursor };
}

function customerOf(delivery: ReceivedDelivery): string | undefined {
  return delivery.body.data?.interactionAdded?.interaction?.customer?.id;
}

/** Each event's first acknowledgement, in the order they came. */
function firstAcks(receiver: WebhookReceiver, webhookId?: string): ReceivedDelivery[] {
  const seen = new Set<string>();
  return receiver.acknowledged().filter((delivery) => {
    if (webhookId && !delivery.id.startsWith(webhookId)) return false;
    if (seen.has(delivery.id)) return false;
    seen.add(delivery.id);
    return true;
  });
}

describe('webhooks', () => {
  let env: TestServer;
  let receiver: WebhookReceiver;
  const webhooks: string[] = [];

  beforeAll(async () => {
    env = await startTestServer({ env: FAST });
  });
  afterAll(async () => {
    await env.stop();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    // Each test's webhooks stop so that the next test's receiver sees only its own.
    for (const id of webhooks.splice(0)) await env.ok(`mutation($id: ID!) { deleteWebhook(id: $id) { deletedId } }`, { id });
    await receiver.close();
  });

  async function webhookFor(input: Record<string, unknown>, token = TOKENS.ADMIN): Promise<Created> {
    const created = await createWebhook(env, { url: receiver.url, ...input }, token);
    webhooks.push(created.id);
    return created;
  }

  it('signs every delivery Standard Webhooks style: HMAC-SHA256 over id, timestamp and body, verifiable with the secret', async () => {
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const interaction = await record(env, { customer: newCustomerRef() });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'a delivery');
    const [delivery] = receiver.received;
    expect(delivery.body.data?.interactionAdded.interaction.id).toBe(interaction.id);
    expect(delivery.body.subscription).toBe('interactionAdded');
    expect(delivery.body.eventId).toBe(delivery.body.data?.interactionAdded.eventId);
    expect(delivery.body.cursor).toBe(delivery.body.data?.interactionAdded.cursor);
    expect(delivery.id).toBe(`${hook.id}.${delivery.body.eventId}`);
    expect(Math.abs(Number(delivery.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    // Computed here from the definition, not with the server's code.
    const key = Buffer.from(hook.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${delivery.id}.${delivery.timestamp}.${delivery.rawBody}`).digest('base64');
    expect(delivery.signature).toBe(`v1,${expected}`);
    expect(verifyWebhook(hook.secret, delivery, delivery.rawBody)).toBe(true);
    expect(verifyWebhook(hook.secret, delivery, delivery.rawBody.replace('interactionAdded', 'interactionAddeD'))).toBe(false);
    expect(verifyWebhook(hook.secret, { ...delivery, timestamp: String(Number(delivery.timestamp) - 3600) }, delivery.rawBody)).toBe(false);
  });

  it('matches every test vector of docs/webhooks.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../docs/webhooks.md'), 'utf8');
    const secret = /Secret `(whsec_[^`]+)`/.exec(doc)![1];
    const vectors = [...doc.matchAll(/^\| `([^`]+)` \| `(\d+)` \| `([^`]+)` \| `(v1,[^`]+)` \|$/gm)];
    expect(vectors.length).toBeGreaterThanOrEqual(2);
    for (const [, id, timestamp, body, signature] of vectors) {
      expect(signWebhook(secret, id, Number(timestamp), body)).toBe(signature);
      expect(verifyWebhook(secret, { id, timestamp, signature }, body, Number(timestamp))).toBe(true);
    }
  });

  it('erasing a customer scrubs what the deliveries about them said', async () => {
    await webhookFor({ subscription: INTERACTION_DOC });
    const customer = await createPerson(env);
    await record(env, { customer: { id: customer.id }, subject: 'Private matter' });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'a delivery');
    const erased = await env.ok<{ eraseCustomer: { userErrors: UserError[] } }, InputVars>(
      `mutation($input: EraseCustomerInput!) { eraseCustomer(input: $input) { userErrors { code } } }`,
      {
        input: { customerId: customer.id },
      },
    );
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    const client = await rawClient(env);
    try {
      const { rows } = await client.query<{ body: string }>(`select body from webhook_delivery where order_key = $1`, [customer.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].body).not.toContain('Private matter');
      expect(rows[0].body).not.toContain(customer.email!);
      expect(JSON.parse(rows[0].body)).toMatchObject({ data: null, erased: true, eventType: 'interaction.recorded' });
    } finally {
      await client.end();
    }
  });

  it('rotating the secret signs with both secrets during the overlap', async () => {
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    const rotated = await env.ok<{ rotateWebhookSecret: { secret: string | null; userErrors: UserError[] } }, InputVars>(
      `mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret userErrors { code } } }`,
      { input: { id: hook.id } },
    );
    const secret = rotated.rotateWebhookSecret.secret as string;
    expect(secret).not.toBe(hook.secret);
    await record(env, { customer: newCustomerRef() });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'a delivery');
    const [delivery] = receiver.received;
    expect(delivery.signature.split(' ')).toHaveLength(2);
    expect(verifyWebhook(secret, delivery, delivery.rawBody)).toBe(true);
    expect(verifyWebhook(hook.secret, delivery, delivery.rawBody)).toBe(true);
  });

  it("evaluates the document with the owner's role: a PARTNER's webhook gets personal data masked, an ADMIN's in clear", async () => {
    const adminHook = await webhookFor({ subscription: INTERACTION_DOC }, TOKENS.ADMIN);
    const partnerHook = await webhookFor({ subscription: INTERACTION_DOC }, TOKENS.PARTNER);
    const customer = await createPerson(env);
    await record(env, { customer: { id: customer.id }, subject: 'Broken kettle, call me at home' });
    await waitUntil(() => firstAcks(receiver).length >= 2, 10_000, 'two deliveries');
    const byHook = (id: string) => receiver.acknowledged().find((delivery) => delivery.id.startsWith(id))!.body.data!.interactionAdded.interaction;
    expect(byHook(adminHook.id).subject).toBe('Broken kettle, call me at home');
    expect(byHook(adminHook.id).customer.email).toBe(customer.email);
    expect(byHook(partnerHook.id).subject).toBe('***');
    expect(byHook(partnerHook.id).customer.email).not.toBe(customer.email);
    expect(byHook(partnerHook.id).customer.email).toMatch(/\*\*\*/);
    expect(byHook(partnerHook.id).customer.firstName).toBe(`${customer.firstName![0]}***`);
  });

  it('a receiver that fails 5 times then recovers gets every event acknowledged once, in commit order per customer', async () => {
    let failures = 0;
    receiver.respond = () => (failures++ < 5 ? 500 : 200);
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    const customers = [await createPerson(env), await createPerson(env)];
    const written: { id: string; customer: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const customer = customers[i % 2];
      const interaction = await record(env, { customer: { id: customer.id } });
      written.push({ id: interaction.id, customer: customer.id });
    }
    await waitUntil(() => firstAcks(receiver, hook.id).length >= written.length, 20_000, 'every event acknowledged');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const acks = receiver.acknowledged();
    expect(receiver.received.filter((delivery) => delivery.status === 500)).toHaveLength(5);
    // Once each: no acknowledged delivery came again.
    expect(new Set(acks.map((delivery) => delivery.id)).size).toBe(acks.length);
    expect(acks).toHaveLength(written.length);
    for (const customer of customers) {
      const delivered = acks.filter((delivery) => customerOf(delivery) === customer.id).map((delivery) => delivery.body.data!.interactionAdded.interaction.id);
      expect(delivered).toEqual(written.filter((w) => w.customer === customer.id).map((w) => w.id));
    }
    const state = await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: hook.id });
    expect(state.webhook!.status).toBe('ACTIVE');
    expect(state.webhook!.deliveries.totalCount).toBe(written.length);
    expect(state.webhook!.deliveries.edges.every((edge) => edge.node.status === 'DELIVERED')).toBe(true);
  });

  it('a failing delivery holds back later events of the same customer only', async () => {
    const blocked = await createPerson(env);
    const other = await createPerson(env);
    let release = false;
    receiver.respond = (delivery) => (customerOf(delivery as ReceivedDelivery) === blocked.id && !release ? 503 : 200);
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    const first = await record(env, { customer: { id: blocked.id } });
    const second = await record(env, { customer: { id: blocked.id } });
    const others = [await record(env, { customer: { id: other.id } }), await record(env, { customer: { id: other.id } })];
    await waitUntil(() => firstAcks(receiver, hook.id).length >= 2, 10_000, "the other customer's events");
    expect(firstAcks(receiver, hook.id).map((delivery) => delivery.body.data!.interactionAdded.interaction.id)).toEqual(others.map((i) => i.id));
    // Only the blocked customer's first event was attempted: the second waits behind it.
    const attempted = receiver.received
      .filter((delivery) => customerOf(delivery) === blocked.id)
      .map((delivery) => delivery.body.data!.interactionAdded.interaction.id);
    expect(attempted.length).toBeGreaterThan(0);
    expect(new Set(attempted)).toEqual(new Set([first.id]));
    release = true;
    await waitUntil(() => firstAcks(receiver, hook.id).length >= 4, 10_000, 'the held-back events');
    const blockedAcks = firstAcks(receiver, hook.id).filter((delivery) => customerOf(delivery) === blocked.id);
    expect(blockedAcks.map((delivery) => delivery.body.data!.interactionAdded.interaction.id)).toEqual([first.id, second.id]);
  });

  it('a receiver down for the whole retry window marks the webhook FAILING; resuming delivers everything from its cursor without a gap', async () => {
    let up = false;
    receiver.respond = () => (up ? 200 : 503);
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    const customer = await createPerson(env);
    const before = [await record(env, { customer: { id: customer.id } }), await record(env, { customer: { id: customer.id } })];
    await waitUntil(async () => (await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: hook.id })).webhook!.status === 'FAILING', 15_000, 'FAILING');
    const failing = await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: hook.id });
    expect(failing.webhook!.lastError).toMatch(/retry window.*HTTP 503/);
    // While FAILING nothing is sent, and events keep coming.
    const attemptsWhenFailing = receiver.received.length;
    const during = [await record(env, { customer: { id: customer.id } }), await record(env, { customer: newCustomerRef() })];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.length).toBe(attemptsWhenFailing);
    up = true;
    const resumed = await env.ok<WebhookPayloadAnswer<'resumeWebhook'>, IdVars>(RESUME, { id: hook.id });
    expect(resumed.resumeWebhook.webhook!.status).toBe('ACTIVE');
    const all = [...before, ...during].map((interaction) => interaction.id);
    await waitUntil(() => firstAcks(receiver, hook.id).length >= all.length, 10_000, 'every event after resume');
    const delivered = firstAcks(receiver, hook.id).map((delivery) => delivery.body.data!.interactionAdded.interaction.id);
    expect(new Set(delivered)).toEqual(new Set(all));
    const ofCustomer = delivered.filter((id) => id !== during[1].id);
    expect(ofCustomer).toEqual([before[0].id, before[1].id, during[0].id]);
  });

  it('replayWebhook re-delivers every matching event after the cursor, with the same delivery ids', async () => {
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    const customer = await createPerson(env);
    for (let i = 0; i < 3; i++) await record(env, { customer: { id: customer.id } });
    await waitUntil(() => receiver.acknowledged().length >= 3, 10_000, 'three deliveries');
    const original = receiver.acknowledged().map((delivery) => delivery.id);
    const replay = await env.ok<WebhookPayloadAnswer<'replayWebhook'>, IdVars & { after: string }>(
      `mutation($id: ID!, $after: String!) { replayWebhook(id: $id, after: $after) { webhook { id } userErrors { code } } }`,
      { id: hook.id, after: receiver.acknowledged()[0].body.cursor },
    );
    expect(replay.replayWebhook.userErrors).toEqual([]);
    await waitUntil(() => receiver.acknowledged().length >= 5, 10_000, 'two re-deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.acknowledged().map((delivery) => delivery.id)).toEqual([...original, original[1], original[2]]);
    const invalid = await env.ok<WebhookPayloadAnswer<'replayWebhook'>, IdVars>(
      `mutation($id: ID!) { replayWebhook(id: $id, after: "nope") { userErrors { code field } } }`,
      { id: hook.id },
    );
    expect(invalid.replayWebhook.userErrors).toEqual([{ code: 'INVALID_VALUE', field: ['after'] }]);
  });

  it("refuses documents that do not run as the owner's subscription, with the errors a socket would give", async () => {
    const cases: [string, string][] = [
      ['query { webhooks { id } }', 'INVALID_SUBSCRIPTION'],
      ['subscription { interactionAdded { nope } }', 'INVALID_SUBSCRIPTION'],
      ['subscription { customerEvents(customerId: "cus_00000000000000000000000000") { eventId } }', 'INVALID_SUBSCRIPTION'],
    ];
    for (const [subscription, code] of cases) {
      const res = await env.ok<CreateAnswer, InputVars>(CREATE, { input: { url: receiver.url, subscription } });
      expect(res.createWebhook.userErrors).toHaveLength(1);
      expect(res.createWebhook.userErrors[0]).toMatchObject({ code, field: ['input', 'subscription'] });
      expect(res.createWebhook.webhook).toBeNull();
    }
  });

  it('a PARTNER manages only its own webhooks; an ADMIN manages every one', async () => {
    const partnerHook = await webhookFor({ subscription: INTERACTION_DOC, description: 'partner' }, TOKENS.PARTNER);
    const adminHook = await webhookFor({ subscription: INTERACTION_DOC, description: 'admin' }, TOKENS.ADMIN);
    const partnerList = await env.ok<{ webhooks: { id: string; owner: string; ownerRole: string }[] }, Record<string, never>>(
      `{ webhooks { id owner ownerRole } }`,
      {},
      TOKENS.PARTNER,
    );
    expect(partnerList.webhooks.map((w) => w.id)).toEqual([partnerHook.id]);
    expect(partnerList.webhooks[0]).toMatchObject({ owner: 'partner-key', ownerRole: 'PARTNER' });
    const adminList = await env.ok<{ webhooks: { id: string }[] }, Record<string, never>>(`{ webhooks { id } }`, {}, TOKENS.ADMIN);
    expect(adminList.webhooks.map((w) => w.id)).toEqual(expect.arrayContaining([partnerHook.id, adminHook.id]));
    expect((await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: adminHook.id }, TOKENS.PARTNER)).webhook).toBeNull();
    const paused = await env.ok<WebhookPayloadAnswer<'pauseWebhook'>, IdVars>(
      `mutation($id: ID!) { pauseWebhook(id: $id) { webhook { id } userErrors { code field } } }`,
      { id: adminHook.id },
      TOKENS.PARTNER,
    );
    expect(paused.pauseWebhook.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
    const byAdmin = await env.ok<WebhookPayloadAnswer<'pauseWebhook'>, IdVars>(
      `mutation($id: ID!) { pauseWebhook(id: $id) { webhook { status } userErrors { code } } }`,
      { id: partnerHook.id },
      TOKENS.ADMIN,
    );
    expect(byAdmin.pauseWebhook).toEqual({ webhook: { status: 'PAUSED' }, userErrors: [] });
    const forbidden = await env.gql(`{ webhooks { id } }`, {}, TOKENS.AGENT);
    expect(forbidden.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('a PAUSED webhook sends nothing and resumes from its cursor', async () => {
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    await env.ok(`mutation($id: ID!) { pauseWebhook(id: $id) { webhook { status } } }`, { id: hook.id });
    const interaction = await record(env, { customer: newCustomerRef() });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.received).toHaveLength(0);
    await env.ok(RESUME, { id: hook.id });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'the delivery after resume');
    expect(receiver.acknowledged()[0].body.data!.interactionAdded.interaction.id).toBe(interaction.id);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    receiver.respond = () => 302;
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    await record(env, { customer: newCustomerRef() });
    await waitUntil(() => receiver.received.length >= 1, 10_000, 'an attempt');
    await waitUntil(
      async () => (await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: hook.id })).webhook!.deliveries.edges[0]?.node.lastResponseStatus === 302,
      5_000,
      'the 302 recorded',
    );
    const state = await env.ok<WebhookAnswer, IdVars>(WEBHOOK, { id: hook.id });
    expect(state.webhook!.deliveries.edges[0].node).toMatchObject({ status: 'PENDING', lastResponseStatus: 302 });
    expect(state.webhook!.deliveries.edges[0].node.lastError).toMatch(/redirects are not followed/);
  });

  it('lists webhooks with their deliveries in the same number of statements for 1 webhook as for 4', async () => {
    const count = async () =>
      (await env.countStatements(() => env.ok(`{ webhooks { id deliveries(first: 5) { totalCount edges { node { id status } } } } }`))).count;
    await webhookFor({ subscription: INTERACTION_DOC });
    await record(env, { customer: newCustomerRef() });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'a delivery');
    const one = await count();
    for (let i = 0; i < 3; i++) await webhookFor({ subscription: INTERACTION_DOC });
    expect(await count()).toBe(one);
  });

  it('exports queue depth, delivery latency and attempts per webhook as Prometheus metrics', async () => {
    const hook = await webhookFor({ subscription: INTERACTION_DOC });
    await record(env, { customer: newCustomerRef() });
    await waitUntil(() => receiver.acknowledged().length >= 1, 10_000, 'a delivery');
    const delivered = `omni360_webhook_deliveries_total{webhook="${hook.id}",outcome="delivered"} 1`;
    let text = '';
    // Counted once the acknowledgement is recorded, a moment after the receiver answered.
    await waitUntil(async () => (text = (await request(env.server.httpServer).get('/metrics')).text).includes(delivered), 5_000, 'the delivery counted');
    expect(text).toContain(delivered);
    expect(text).toMatch(/omni360_webhook_delivery_latency_seconds_count \d+/);
    expect(text).toContain('# TYPE omni360_webhook_queue_depth gauge');
  });
});

describe('webhooks: SSRF protection', () => {
  let env: TestServer;
  beforeAll(async () => {
    // OMNI360_WEBHOOK_ALLOW_PRIVATE unset: the production default.
    env = await startTestServer();
  });
  afterAll(() => env.stop());

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://localhost/hook', 'localhost'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://192.168.1.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local (cloud metadata)'],
    ['http://[::1]/hook', 'IPv6 loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'IPv4-mapped loopback'],
    ['http://[fe80::1]/hook', 'IPv6 link-local'],
    ['http://[::ffff:a9fe:a9fe]/hook', 'IPv4-mapped link-local in hex'],
    ['http://0177.0.0.1/hook', 'loopback in octal'],
    ['ftp://example.com/hook', 'not http(s)'],
    ['https://user:pass@example.com/hook', 'credentials'],
  ])('refuses %s (%s) with INVALID_URL', async (url) => {
    const res = await env.ok<CreateAnswer, InputVars>(CREATE, { input: { url, subscription: INTERACTION_DOC } });
    expect(res.createWebhook.userErrors).toHaveLength(1);
    expect(res.createWebhook.userErrors[0]).toMatchObject({ code: 'INVALID_URL', field: ['input', 'url'] });
  });

  it('re-checks the resolved address at connect time: a name resolving to loopback is refused when sending', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      const outcome = await postWebhook(url, {}, '{}', { timeoutMs: 2_000, allowPrivate: false });
      expect(outcome).toMatchObject({ ok: false, status: null });
      expect(outcome.error).toMatch(/refused: localhost resolves to a private, loopback or link-local address/);
      expect(receiver.received).toHaveLength(0);
      expect(await postWebhook(url, {}, '{}', { timeoutMs: 2_000, allowPrivate: true })).toMatchObject({ ok: true, status: 200 });
    } finally {
      await receiver.close();
    }
  });

  it('gives up on a receiver slower than the timeout', async () => {
    const receiver = await startReceiver();
    try {
      receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 1_500));
      const started = Date.now();
      const outcome = await postWebhook(receiver.url, {}, '{}', { timeoutMs: 300, allowPrivate: true });
      expect(outcome).toMatchObject({ ok: false, status: null, error: 'timed out after 300 ms' });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhooks: answers', () => {
  it('reads at most 4 KiB of an answer: a receiver streaming an endless body does not hold the attempt', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const outcome = await postWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {}, '{}', { timeoutMs: 5_000, allowPrivate: true });
      expect(outcome).toEqual({ ok: true, status: 200, error: null });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('webhooks: retry policy', () => {
  it('backs off exponentially with jitter over the upper half, capped', () => {
    expect(retryDelayMs(1, 1_000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1_000, 60_000, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, 1_000, 60_000, () => 1)).toBe(8_000);
    expect(retryDelayMs(20, 1_000, 60_000, () => 0.5)).toBe(45_000);
  });
});
