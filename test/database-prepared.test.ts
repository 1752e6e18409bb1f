import { customer } from './support/commerce';
import { startTestServer } from './support/server';

/**
 * Hot reads run as named prepared statements (planned once per connection). Behind a transaction-mode
 * pooler that cannot keep them, OMNI360_DB_PREPARED_STATEMENTS=false sends them unnamed.
 */
describe('prepared statements', () => {
  it.each([['true', true], ['false', false]])('OMNI360_DB_PREPARED_STATEMENTS=%s: named statements on the connection: %s', async (setting, named) => {
    // One pooled connection, so the statements of the read and the check below share a session.
    const env = await startTestServer({ env: { OMNI360_DB_POOL_MAX: '1', OMNI360_DB_PREPARED_STATEMENTS: setting } });
    try {
      const { id } = await customer(env);
      const { customer: found } = await env.ok<{ customer: { id: string; stats: { orderCount: number } } }, { id: string }>(
        'query One($id: ID!) { customer(id: $id) { id stats { orderCount } } }', { id },
      );
      expect(found).toEqual({ id, stats: { orderCount: 0 } });
      const rows = await env.server.app.orm.em.getConnection().execute<{ name: string }[]>(`select name from pg_prepared_statements where name like 'omni\\_%'`);
      expect(rows.length > 0).toBe(named);
    } finally {
      await env.stop();
    }
  });

  it('pooled connections run without JIT (a generic plan of a page over a large table would be compiled on every execution)', async () => {
    const env = await startTestServer({ env: { OMNI360_DB_POOL_MAX: '1' } });
    try {
      const rows = await env.server.app.orm.em.getConnection().execute<{ jit: string; mode: string }[]>(
        `select current_setting('jit') as jit, current_setting('plan_cache_mode') as mode`,
      );
      expect(rows).toEqual([{ jit: 'off', mode: 'force_generic_plan' }]);
    } finally {
      await env.stop();
    }
  });
});
