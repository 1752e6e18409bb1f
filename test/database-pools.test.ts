import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { endPool } from '../src/database/pools';
import { createTestDatabase } from './support/server';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

/**
 * Regression (CI, Node 22, the first hour's second start): Ctrl-C right after start-up logged
 * "event hub: idle connection lost" with a stack. pg-pool's end() resolves before the connections
 * are closed, and the embedded PostgreSQL, stopped next, ended the sessions still open itself.
 * endPool() resolves only when the server has no session of the pool left.
 */
describe('endPool', () => {
  let url: string;
  // The pool's connections reach the database 30 ms late: a Terminate still on its way is visible.
  let proxy: TcpProxy;
  beforeAll(async () => {
    url = await createTestDatabase();
    const target = new URL(url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432), undefined, 30);
    await proxy.start();
  });
  afterAll(() => proxy.stop());

  let admin: Client;
  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(() => admin.end());

  /** Ends the sessions of `applicationName` as a stopping server does, answering how many there were. */
  async function terminateSessionsOf(applicationName: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1', [
      applicationName,
    ]);
    return rows[0].n;
  }

  it.each([
    ['all idle', 0],
    ['one released after end() was called', 20],
  ])('resolves once every session of the pool has left the server: %s', async (_case, releaseAfterMs) => {
    for (let round = 0; round < 3; round++) {
      const applicationName = `omni360-pools-test-${randomBytes(4).toString('hex')}`;
      const pool = new Pool({ connectionString: throughProxy(url, proxy), application_name: applicationName, max: 6 });
      const errors: Error[] = [];
      pool.on('error', (error) => errors.push(error));
      const clients = await Promise.all(Array.from({ length: 6 }, () => pool.connect()));
      const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [applicationName]);
      expect(rows[0].n).toBe(6);
      const late = releaseAfterMs ? clients.slice(0, 1) : [];
      for (const client of clients.slice(late.length)) client.release();
      const ended = endPool(pool);
      setTimeout(() => late.forEach((client) => client.release()), releaseAfterMs);
      await ended;
      // The embedded database is stopped right after the pools end: nothing of the pool may be left.
      expect(await terminateSessionsOf(applicationName)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toEqual([]);
    }
  });

  it('resolves at once for a pool that never connected', async () => {
    const pool = new Pool({ connectionString: url });
    await endPool(pool);
    expect(pool.ended).toBe(true);
  });
});
