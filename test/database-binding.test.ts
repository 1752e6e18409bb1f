import type { EntityManager } from '@mikro-orm/postgresql';
import { inTransaction, query, queryOne, queryPrepared, queryRead } from '../src/database/sql';
import { startTestServer, type TestServer } from './support/server';

/**
 * Regression: query() interpolated its parameters client-side (MikroORM's formatQuery) inside a
 * transaction but bound them as `$n` outside one, so one statement gave two answers: a `?` inside a
 * quoted literal was taken for a placeholder inside a transaction (`select '?' as literal, ? as value`
 * with ['v'] read `''v''` and NULL). Every helper now binds server-side, inside a transaction or not.
 */
describe('sql.ts binds parameters one way inside and outside a transaction', () => {
  let env: TestServer;
  let em: EntityManager;

  beforeAll(async () => {
    env = await startTestServer();
    em = env.server.app.orm.em.fork() as EntityManager;
  });
  afterAll(() => env.stop());

  const LITERAL = `select '?' as literal, ?::text as value`;
  type Row = { literal: string; value: string | null };

  const helpers: [string, (em: EntityManager, sql: string, params: unknown[]) => Promise<Row[]>][] = [
    ['query', (em, sql, params) => query<Row>(em, sql, params)],
    ['queryPrepared', (em, sql, params) => queryPrepared<Row>(em, sql, params)],
    ['queryRead', (em, sql, params) => queryRead<Row>(em, sql, params)],
  ];

  it.each(helpers)('%s: a quoted ? is text, not a placeholder, outside a transaction', async (_name, run) => {
    expect(await run(em, LITERAL, ['v'])).toEqual([{ literal: '?', value: 'v' }]);
  });

  it.each(helpers)('%s: a quoted ? is text, not a placeholder, inside a transaction', async (_name, run) => {
    const rows = await inTransaction(em, (tx) => run(tx, LITERAL, ['v']));
    expect(rows).toEqual([{ literal: '?', value: 'v' }]);
  });

  it('a value with quotes, a ? and a backslash reaches PostgreSQL unchanged on both routes', async () => {
    const value = `o'brien ? \\ "x" $1`;
    const outside = await queryOne<{ value: string }>(em, 'select ?::text as value', [value]);
    const inside = await inTransaction(em, (tx) => queryOne<{ value: string }>(tx, 'select ?::text as value', [value]));
    expect(outside).toEqual({ value });
    expect(inside).toEqual({ value });
  });

  it('the statement text PostgreSQL receives carries $n placeholders inside a transaction too (bound, not inlined)', async () => {
    // pg_stat_activity shows the text of this very statement: bound parameters leave `$1` in it.
    const inside = await inTransaction(em, (tx) =>
      queryOne<{ text: string }>(tx, `select query as text from pg_stat_activity where pid = pg_backend_pid() and ?::int = 1`, [1]),
    );
    expect(inside?.text).toContain('$1');
    expect(inside?.text).not.toContain('?');
  });
});
