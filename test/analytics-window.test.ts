import { AnalyticsWindowDocument, type AnalyticsWindowQuery } from './generated/graphql';
import {
  catalogue, DAY_MS, expectedAnalytics, generateDataset, prng, rawData, type Catalogue, type ExpectedAnalytics,
} from './support/analytics';
import { order, sql } from './support/commerce';
import { record } from './support/interactions';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * analytics(from, to) against figures the test computes itself from the raw rows of a seeded dataset:
 * orders and interactions through the API (back-dated through placedAt / occurredAt), resolutions
 * back-dated with SQL (the API resolves "now"), then inbound contacts shortly (or long) after them.
 */
let env: TestServer;
let shop: Catalogue;
const now = Date.now();

beforeAll(async () => {
  env = await startTestServer();
  shop = await catalogue(env);
  const { customerIds } = await generateDataset(env, shop, { seed: 5_150, customers: 34, historyDays: 360 });
  // A guest order: revenue counts it, customer figures cannot.
  await order(env, { channel: 'MARKETPLACE', lines: [{ sku: shop.pln[3], quantity: 1 }], placedAt: new Date(now - 100 * DAY_MS).toISOString() });

  // Resolutions happened "now"; move each first resolution back to a seeded time after the conversation opened.
  const random = prng(99);
  // In the order the seed made them (by customer, then opening), not by id: ids follow the clock, and
  // the dataset is built in parallel, so the order of ids (and what the seed below gives each
  // conversation) changed from run to run.
  const generated = new Map(customerIds.map((id, index) => [id, index]));
  const resolved = (
    await sql<{ id: string; customer_id: string; opened_at: Date; status: string }>(
      env, `select id, customer_id, opened_at, status from conversation where first_resolved_at is not null`,
    )
  ).sort((a, b) => generated.get(a.customer_id)! - generated.get(b.customer_id)! || a.opened_at.getTime() - b.opened_at.getTime());
  expect(resolved.length).toBeGreaterThan(6);
  for (const conversation of resolved) {
    const at = new Date(conversation.opened_at.getTime() + random.next() * (now - 10 * DAY_MS - conversation.opened_at.getTime()));
    await sql(env, `update conversation set first_resolved_at = $2, resolved_at = case when status = 'RESOLVED' then $2::timestamptz end where id = $1`, [conversation.id, at]);
    // Half get an inbound contact within 7 days of the resolution (on some channel): not resolved at first contact.
    const lag = random.chance(0.5) ? 1 + random.next() * 5 : 8 + random.next() * 30;
    if (at.getTime() + lag * DAY_MS < now) {
      await record(env, { customer: { id: conversation.customer_id }, channel: random.pick(['EMAIL', 'PHONE', 'CHAT'] as const), occurredAt: new Date(at.getTime() + lag * DAY_MS).toISOString() });
    }
  }
}, 120_000);
afterAll(() => env.stop());

type AnalyticsAnswer = AnalyticsWindowQuery['analytics'];

function compare(answer: AnalyticsAnswer, expected: ExpectedAnalytics): void {
  expect(answer.revenueByChannel).toEqual(expected.revenueByChannel);
  expect(answer.interactionsByChannel).toEqual(expected.interactionsByChannel);
  expect(answer.crossChannelJourneys).toEqual(expected.crossChannelJourneys);
  for (const key of ['firstContactResolutionRate', 'averageFirstResponseSeconds', 'byChannel', 'omnichannelCustomerShare'] as const) {
    if (expected[key] === null) expect({ [key]: answer[key] }).toEqual({ [key]: null });
    else expect(answer[key]).toBeCloseTo(expected[key]!, 6);
  }
}

async function analytics(from: Date, to: Date, channel: string | null, windowDays: number | null): Promise<AnalyticsAnswer> {
  return (await env.ok(AnalyticsWindowDocument, { from: from.toISOString(), to: to.toISOString(), channel: channel as never, windowDays })).analytics;
}

describe('analytics(from, to)', () => {
  it('equals the figures computed from the raw rows over a window that cuts through the data', async () => {
    const from = new Date(now - 300 * DAY_MS);
    const to = new Date(now - 30 * DAY_MS);
    const data = await rawData(env);
    const answer = await analytics(from, to, 'CHAT', 60);
    const expected = expectedAnalytics(data, from, to, 'CHAT', 60);
    compare(answer, expected);
    // The window is not trivial: every figure has something to count.
    expect(expected.revenueByChannel.length).toBeGreaterThan(2);
    expect(expected.resolvedCount).toBeGreaterThan(2);
    expect(expected.respondedCount).toBeGreaterThan(2);
    expect(expected.crossChannelJourneys.length).toBeGreaterThan(0);
    expect(answer.defaultJourneys).toEqual(expectedAnalytics(data, from, to, null, 30).crossChannelJourneys);
  });

  it('equals the raw-row figures over the whole history (first-contact resolution both ways, guest revenue included)', async () => {
    const from = new Date(now - 2 * 365 * DAY_MS);
    const to = new Date(now + DAY_MS);
    const data = await rawData(env);
    for (const [channel, windowDays] of [['EMAIL', 30], ['PHONE', 7], [null, 365]] as const) {
      compare(await analytics(from, to, channel, windowDays), expectedAnalytics(data, from, to, channel, windowDays));
    }
    const expected = expectedAnalytics(data, from, to, null, 30);
    expect(expected.firstContactCount).toBeGreaterThan(0);
    expect(expected.firstContactCount).toBeLessThan(expected.resolvedCount);
    expect(data.orders.some((o) => o.customer_id === null)).toBe(true);
    expect(expected.omnichannelCustomerShare).toBeGreaterThan(0);
    expect(expected.omnichannelCustomerShare).toBeLessThan(1);
  });

  it('answers null rates and empty lists for a window without activity', async () => {
    const answer = await analytics(new Date('2001-01-01T00:00:00Z'), new Date('2001-02-01T00:00:00Z'), 'CHAT', null);
    expect(answer).toEqual({
      revenueByChannel: [], interactionsByChannel: [], firstContactResolutionRate: null, averageFirstResponseSeconds: null, byChannel: null,
      crossChannelJourneys: [], defaultJourneys: [], omnichannelCustomerShare: null,
    });
  });

  it('is a fixed number of statements, whatever the window holds', async () => {
    const everything = await env.countStatements(() => analytics(new Date(now - 700 * DAY_MS), new Date(now + DAY_MS), 'CHAT', 30));
    const nothing = await env.countStatements(() => analytics(new Date('2001-01-01T00:00:00Z'), new Date('2001-02-01T00:00:00Z'), 'CHAT', 30));
    expect(everything.count).toBe(nothing.count);
    // Seven figures asked for (one of them twice with different arguments, journeys twice): one statement each.
    expect(everything.count).toBeLessThanOrEqual(8);
  });

  it.each([
    ['from equal to to', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'to'],
    ['from after to', '2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z', 'to'],
    ['a window longer than 3 years', '2020-01-01T00:00:00Z', '2023-01-01T00:00:00.001Z', 'to'],
  ])('refuses %s with BAD_USER_INPUT', async (_name, from, to, argument) => {
    const res = await env.gql(AnalyticsWindowDocument, { from, to });
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  });

  it('accepts a window of exactly 3 years, and refuses windowDays outside 1..365 with BAD_USER_INPUT', async () => {
    const ok = await env.gql(`{ analytics(from: "2020-01-01T00:00:00Z", to: "2023-01-01T00:00:00Z") { omnichannelCustomerShare } }`);
    expect(ok.errors).toBeUndefined();
    for (const windowDays of [0, -1, 366]) {
      const res = await env.gql(`{ analytics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { crossChannelJourneys(windowDays: ${windowDays}) { customers } } }`);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'windowDays' });
    }
    const malformed = await env.gql(AnalyticsWindowDocument, { from: 'yesterday', to: '2026-02-01T00:00:00Z' });
    expect(malformed.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('is an internal read: ADMIN, AGENT and ANALYST get the same figures; PARTNER and INGEST are FORBIDDEN', async () => {
    const variables = { from: new Date(now - 300 * DAY_MS).toISOString(), to: new Date(now).toISOString() };
    const admin = await env.ok(AnalyticsWindowDocument, variables);
    for (const token of [TOKENS.AGENT, TOKENS.ANALYST]) expect(await env.ok(AnalyticsWindowDocument, variables, token)).toEqual(admin);
    for (const token of [TOKENS.PARTNER, TOKENS.INGEST]) {
      const res = await env.gql(AnalyticsWindowDocument, variables, token);
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });
});
