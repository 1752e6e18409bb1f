import { Client as PgClient } from 'pg';
import { PlaceOrderDocument } from './generated/graphql';
import { createLocation, createProduct, ledgerMismatches, receive, sql } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * OMNI360_REQUEST_TIMEOUT_MS bounds an HTTP request as a whole: past it, the request's statements are
 * cancelled in PostgreSQL (not left to run until statement_timeout) and the answer is a coded TIMEOUT.
 * The slow operations here are realistic ones: a read and a write stuck behind another session's lock.
 */

const TIMEOUT_MS = 600;
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(() => env.stop());

/** Another session holding a lock, as a long migration or a stuck batch job would. */
async function lockHolder(statement: string, params: unknown[] = []): Promise<PgClient> {
  const client = new PgClient({ connectionString: env.databaseUrl });
  await client.connect();
  await client.query('begin');
  await client.query(statement, params);
  return client;
}

/** Server sessions of this database waiting on a lock right now (the lock holder itself never waits). */
async function waitingOnLocks(): Promise<number> {
  const [row] = await sql<{ n: number }>(env, `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
  return row.n;
}

async function expectNoneWaiting(): Promise<void> {
  const deadline = Date.now() + 2_000;
  while ((await waitingOnLocks()) > 0) {
    if (Date.now() > deadline) throw new Error('a statement of the timed-out request is still waiting in PostgreSQL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('request timeout', () => {
  it('answers TIMEOUT for a read stuck behind a lock, and cancels its statement', async () => {
    const holder = await lockHolder('lock table customer in access exclusive mode');
    try {
      const started = Date.now();
      const res = await env.gql('{ customers(first: 5) { totalCount edges { node { id } } } }', undefined, TOKENS.AGENT);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.data ?? null).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({
        message: expect.stringMatching(new RegExp(`longer than ${TIMEOUT_MS} ms and was cancelled`)),
        extensions: { code: 'TIMEOUT', requestId: expect.any(String) },
      });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      // Far below statement_timeout (15 s): the statement was cancelled, not waited out.
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 4_000);
      await expectNoneWaiting();
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    // The connection went back to the pool healthy: the next request is served.
    const after = await env.gql('{ customers(first: 1) { totalCount } }', undefined, TOKENS.AGENT);
    expect(after.errors).toBeUndefined();
  });

  it('cancels a write stuck behind a row lock: nothing half-done, and the same key succeeds later', async () => {
    const product = await createProduct(env, { price: '12.50' });
    const location = await createLocation(env, 'STORE');
    await receive(env, product.sku, location.id, 10);
    const [level] = await sql<{ product_id: string }>(env, 'select product_id from stock_level where location_id = $1', [location.id]);
    const holder = await lockHolder('select * from stock_level where product_id = $1 and location_id = $2 for update', [level.product_id, location.id]);
    const externalId = unique('slow-order-');
    const input = {
      source: 'pos', externalId, channel: 'STORE' as const, locationId: location.id,
      customer: { identities: [{ type: 'EMAIL' as const, value: `${unique('slow')}@example.com` }] },
      lines: [{ sku: product.sku, quantity: 2 }],
    };
    try {
      const res = await env.gql(PlaceOrderDocument, { input }, TOKENS.INGEST);
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['TIMEOUT']);
      await expectNoneWaiting();
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    // Rolled back as a whole: no order, no reservation, the ledger still adds up.
    expect(await sql(env, 'select id from "order" where source = $1 and external_id = $2', ['pos', externalId])).toEqual([]);
    expect(await sql(env, `select id from stock_movement where location_id = $1 and kind = 'RESERVE'`, [location.id])).toEqual([]);
    expect(await ledgerMismatches(env)).toEqual([]);

    const retry = await env.ok(PlaceOrderDocument, { input }, TOKENS.INGEST);
    expect(retry.placeOrder).toMatchObject({ created: true, userErrors: [] });
  });

  it('leaves fast requests alone', async () => {
    const res = await env.gql('{ viewer { role } }', undefined, TOKENS.ANALYST);
    expect(res).toMatchObject({ status: 200, data: { viewer: { role: 'ANALYST' } } });
  });
});
