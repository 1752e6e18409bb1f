import { AnalyticsWindowDocument, CustomerThreeSixtyDocument } from './generated/graphql';
import { catalogue, generateDataset } from './support/analytics';
import { sql } from './support/commerce';
import { startTestServer, type TestServer } from './support/server';

/**
 * Many dashboards at once: analytics statements take at most half of the pool (here 4 connections,
 * so 2), the rest wait their turn instead of failing on the pool's acquire timeout, and customer pages
 * keep being answered meanwhile.
 */
let env: TestServer;
let customerId: string;
const POOL = 4;

beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_DB_POOL_MAX: String(POOL) } });
  await generateDataset(env, await catalogue(env), { seed: 77, customers: 12, historyDays: 120 });
  [{ id: customerId }] = await sql<{ id: string }>(env, 'select id from customer order by id limit 1');
}, 120_000);
afterAll(() => env.stop());

const ANALYTICS_STATEMENT = /"orderCount"|x\.channel, sum\(x\.count\)::int as count|as resolved|as seconds|"touchChannel"|as active/;

describe('analytics under concurrency', () => {
  it('runs at most half the pool of analytics statements at once; every request is answered, and so are customer pages', async () => {
    const knex = env.server.app.orm.em.getConnection().getKnex();
    let running = 0;
    let peak = 0;
    let started = 0;
    const analytic = new Set<string>();
    const onQuery = (query: { sql: string; __knexQueryUid: string }) => {
      if (!ANALYTICS_STATEMENT.test(query.sql)) return;
      analytic.add(query.__knexQueryUid);
      started += 1;
      running += 1;
      peak = Math.max(peak, running);
    };
    const onDone = (_result: unknown, query: { __knexQueryUid: string }) => {
      if (analytic.delete(query.__knexQueryUid)) running -= 1;
    };
    knex.on('query', onQuery);
    knex.on('query-response', onDone);
    knex.on('query-error', onDone);
    try {
      const to = new Date();
      const from = new Date(to.getTime() - 365 * 86_400_000);
      const dashboards = Array.from({ length: 12 }, () => env.gql(AnalyticsWindowDocument, { from: from.toISOString(), to: to.toISOString(), channel: 'CHAT', windowDays: 14 }));
      const pages = Array.from({ length: 6 }, () => env.gql(CustomerThreeSixtyDocument, { id: customerId }));
      const answers = await Promise.all([...dashboards, ...pages]);
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      const [first, ...others] = answers.slice(0, dashboards.length);
      expect(first.data).toMatchObject({ analytics: { revenueByChannel: expect.any(Array) } });
      for (const other of others) expect(other.data).toEqual(first.data);
    } finally {
      knex.off('query', onQuery);
      knex.off('query-response', onDone);
      knex.off('query-error', onDone);
    }
    // 12 requests of 8 figures each (two of them asked twice, with other arguments).
    expect(started).toBe(12 * 8);
    expect(peak).toBe(POOL / 2);
  });
});
