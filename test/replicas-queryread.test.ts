import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { REPLICA_APPLICATION_NAME } from '../src/config/mikro-orm.config';
import { inTransaction, query, queryOne, queryRead } from '../src/database/sql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IdentifyCustomerDocument } from './generated/graphql';
import { createTestDatabase, startTestServer, unique, type TestServer } from './support/server';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

/**
 * Read replicas (OMNI360_READ_REPLICA_URLS). The "replica" here is the same database reached through a
 * TCP proxy under another URL: what goes through the proxy went to the replica connection.
 */

let env: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  const target = new URL(databaseUrl);
  proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  env = await startTestServer({ databaseUrl, env: { OMNI360_READ_REPLICA_URLS: throughProxy(databaseUrl, proxy) } });
});
afterAll(async () => {
  await env.stop();
  await proxy.stop();
});

function em(server: TestServer = env): EntityManager {
  return server.server.app.orm.em.fork() as EntityManager;
}

const APP_NAME = `select current_setting('application_name') as name`;
const ANALYTICS = `query ($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to) { fromReplica dataAsOf interactionsByChannel { channel count } } }`;

interface AnalyticsAnswer {
  analytics: { fromReplica: boolean; dataAsOf: string; interactionsByChannel: { channel: string; count: number }[] };
}

/** analytics over 2026 as the ADMIN sees it. */
function analytics(server: TestServer): Promise<AnalyticsAnswer> {
  return server.ok<AnalyticsAnswer, Record<string, string>>(ANALYTICS, { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('queryRead', () => {
  it('runs on the replica connection; query() stays on the primary', async () => {
    expect((await queryRead<{ name: string }>(em(), APP_NAME))[0].name).toBe(REPLICA_APPLICATION_NAME);
    expect((await queryOne<{ name: string }>(em(), APP_NAME))!.name).not.toBe(REPLICA_APPLICATION_NAME);
  });

  it('really goes through the replica URL: with the replica unreachable heavy reads move to the primary, and back once it answers', async () => {
    const sides = async () => (await queryRead<{ name: string }>(em(), APP_NAME))[0].name;
    proxy.cut();
    try {
      // The lag probe finds the replica gone within a probe period or two: the primary answers instead.
      await waitFor(async () => (await sides().catch(() => REPLICA_APPLICATION_NAME)) !== REPLICA_APPLICATION_NAME);
      expect(await query(em(), 'select 1 as one')).toEqual([{ one: 1 }]);
      expect((await analytics(env)).analytics.fromReplica).toBe(false);
      // The API's own reads never go to a replica by themselves (preferReadReplicas: false).
      const created = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@example.com` }] } });
      expect(created.identifyCustomer.userErrors).toEqual([]);
      const customer = await env.gql(`query ($id: ID!) { customer(id: $id) { id } }`, { id: created.identifyCustomer.customer!.id });
      expect(customer.errors).toBeUndefined();
    } finally {
      proxy.restore();
    }
    // The pool replaces the broken connections once the replica is back.
    await waitFor(async () => (await sides().catch(() => undefined)) === REPLICA_APPLICATION_NAME);
  });

  it('analytics says where its figures come from and how fresh they are', async () => {
    const before = Date.now();
    const res = await analytics(env);
    expect(res.analytics.fromReplica).toBe(true);
    // The "replica" here is the primary under another URL: as fresh as the probe, at most a second old.
    const asOf = Date.parse(res.analytics.dataAsOf);
    expect(asOf).toBeGreaterThan(before - 2_000);
    expect(asOf).toBeLessThanOrEqual(Date.now());
  });

  it('stays on the transaction inside one, and sees its writes', async () => {
    const sku = unique('SKU-');
    const result = await inTransaction(em(), async (tx) => {
      await query(tx, `create temporary table replica_probe (sku text) on commit drop`);
      await query(tx, `insert into replica_probe values (?)`, [sku]);
      return { app: await queryRead<{ name: string }>(tx, APP_NAME), rows: await queryRead<{ sku: string }>(tx, `select sku from replica_probe`) };
    });
    expect(result.app[0].name).not.toBe(REPLICA_APPLICATION_NAME);
    expect(result.rows).toEqual([{ sku }]);
  });

  it('uses the primary when no replica is configured', async () => {
    const plain = await startTestServer({ databaseUrl: env.databaseUrl });
    try {
      expect(plain.config.readReplicaUrls).toEqual([]);
      expect((await queryRead<{ name: string }>(em(plain), APP_NAME))[0].name).not.toBe(REPLICA_APPLICATION_NAME);
      expect((await analytics(plain)).analytics.fromReplica).toBe(false);
    } finally {
      await plain.stop();
    }
  });

  it('shows the replica pool in /metrics', async () => {
    await queryRead(em(), 'select 1');
    const text = (await request(env.server.httpServer).get('/metrics')).text;
    expect(text).toMatch(/^omni360_db_pool_free\{pool="read-1"\} \d+$/m);
    expect(text).toMatch(/^omni360_db_pool_used\{pool="primary"\} \d+$/m);
  });
});

describe('OMNI360_READ_REPLICA_URLS', () => {
  it('takes a comma-separated list of postgres URLs and names the variable on a bad one', () => {
    expect(loadConfig({ OMNI360_READ_REPLICA_URLS: 'postgres://r1/db, postgresql://r2/db' }).readReplicaUrls).toEqual(['postgres://r1/db', 'postgresql://r2/db']);
    expect(() => loadConfig({ OMNI360_READ_REPLICA_URLS: 'mysql://r1/db' })).toThrow(/OMNI360_READ_REPLICA_URLS/);
    // A password in a bad URL is not echoed.
    expect(() => loadConfig({ OMNI360_READ_REPLICA_URLS: 'postgres://u:s3cret@[bad/db' })).toThrow(/^(?!.*s3cret).*OMNI360_READ_REPLICA_URLS/);
  });

  it('OMNI360_READ_REPLICA_MAX_LAG_MS defaults to 30 s and names itself when invalid', () => {
    expect(loadConfig({}).readReplicaMaxLagMs).toBe(30_000);
    expect(loadConfig({ OMNI360_READ_REPLICA_MAX_LAG_MS: '5000' }).readReplicaMaxLagMs).toBe(5_000);
    expect(() => loadConfig({ OMNI360_READ_REPLICA_MAX_LAG_MS: 'soon' })).toThrow(/OMNI360_READ_REPLICA_MAX_LAG_MS/);
  });
});
