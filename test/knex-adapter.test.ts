import fs from 'node:fs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { knexClientOf, ormPools, transactionIdOf, type StatementEvent } from '../src/database/knex-adapter';
import { inTransaction, query } from '../src/database/sql';
import { startTestServer, type TestServer } from './support/server';

/**
 * Contract of src/database/knex-adapter.ts, the one file that reads private parts of knex, tarn, pg
 * and MikroORM: each private it relies on, checked against the installed versions, so that an upgrade
 * that moves one fails here by name instead of silently disabling request timeouts or metrics.
 */
describe('knex adapter contract', () => {
  let env: TestServer;
  let em: EntityManager;

  beforeAll(async () => {
    env = await startTestServer();
    em = env.server.app.orm.em.fork() as EntityManager;
  });
  afterAll(() => env.stop());

  it('runs on the majors it was written for (MikroORM 6 on knex 3, tarn 3, pg 8): rewrite the adapter for others', () => {
    const major = (name: string) =>
      Number((JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version.split('.')[0]);
    expect({ mikroOrm: major('@mikro-orm/core'), knex: major('knex'), tarn: major('tarn'), pg: major('pg') }).toEqual({ mikroOrm: 6, knex: 3, tarn: 3, pg: 8 });
  });

  it("knex's client hands out pooled pg connections carrying knex's connection id", async () => {
    const client = knexClientOf(em);
    const connection = await client.acquireConnection();
    try {
      expect(typeof connection.__knexUid).toBe('string');
      expect(typeof connection.query).toBe('function');
    } finally {
      await client.releaseConnection(connection);
    }
  });

  it("statements report start and end through knex's query events, with the transaction id inside a transaction", async () => {
    const events: StatementEvent[] = [];
    const client = knexClientOf(em);
    const listener = (event: StatementEvent) => events.push(event);
    client.on('query', listener);
    let transactionId: string | undefined;
    try {
      await inTransaction(em, async (tx) => {
        transactionId = await transactionIdOf(tx);
        await query(tx, 'select 1 as one');
      });
    } finally {
      (client as unknown as { off(event: string, listener: unknown): void }).off('query', listener);
    }
    expect(typeof transactionId).toBe('string');
    const mine = events.find((event) => event.sql === 'select 1 as one');
    expect(mine?.__knexTxId).toBe(transactionId);
    expect(typeof mine?.__knexQueryUid).toBe('string');
    expect(typeof mine?.__knexUid).toBe('string');
  });

  it("tarn's pool lists the connections in use, and pg's connection shows its statement in flight", async () => {
    const client = knexClientOf(em);
    const connection = await client.acquireConnection();
    try {
      const running = connection.query({ text: 'select pg_sleep(0.3)', values: [] });
      const pool = ormPools(env.server.app.orm)[0];
      expect(pool.name).toBe('primary');
      expect(pool.pool?.used?.some((entry) => entry.resource === connection)).toBe(true);
      expect(connection.activeQuery).toBeTruthy();
      await running;
      expect(connection.activeQuery).toBeFalsy();
      expect([pool.pool!.numUsed(), pool.pool!.numFree(), pool.pool!.numPendingAcquires()].every(Number.isInteger)).toBe(true);
    } finally {
      await client.releaseConnection(connection);
    }
  });

  it("pg's Client still has the protocol cancel the request timeouts send", () => {
    expect(typeof (Client.prototype as unknown as { cancel?: unknown }).cancel).toBe('function');
  });

  it("MikroORM's driver keeps its read replicas where ormPools reads them", () => {
    expect(Array.isArray((env.server.app.orm.em.getDriver() as unknown as { replicas?: unknown }).replicas)).toBe(true);
  });
});
