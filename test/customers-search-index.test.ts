import { Client } from 'pg';
import { numbered } from '../src/database/sql';
import { CustomersDocument } from './generated/graphql';
import { createPerson, person, type Person } from './support/customers';
import { startTestServer, type TestServer } from './support/server';

/**
 * customers(search) must be served by the pg_trgm index, not by reading every customer. The proof runs
 * the exact statements (SQL and bindings) the server sent for a real search again, against a table of
 * 30 000 customers with fresh statistics, with the settings of the server's connections (generic plans,
 * no JIT; no enable_* switched off), and reads the plans PostgreSQL ran, those of the statements inside
 * customer_search_page() included (auto_explain, nested statements): they must read
 * customer_search_trgm and never sequentially scan the customer table.
 */

let env: TestServer;
let target: Person;
let targetId: string;
const BULK = 30_000;

beforeAll(async () => {
  env = await startTestServer();
  target = person();
  targetId = (await createPerson(env, target)).id;
  const db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into customer (id, first_name, last_name, city, search_text, created_by)
       select 'cus_zz' || lpad(g::text, 24, '0'), 'fn' || substr(md5(g::text), 1, 8), 'ln' || substr(md5('l' || g), 1, 10), 'city' || (g % 500),
              lower(concat_ws(' ', 'fn' || substr(md5(g::text), 1, 8), 'ln' || substr(md5('l' || g), 1, 10), 'city' || (g % 500),
                    'user' || g || '@' || substr(md5('d' || g), 1, 6) || '.example.com', '+4850' || lpad(g::text, 7, '0'))),
              'bulk-load'
         from generate_series(1, $1::int) g`,
      [BULK],
    );
    // What autovacuum does after a bulk load: table statistics, and the GIN index's own statistics
    // (its metapage counts), which the planner's cost of a trigram scan depends on.
    await db.query('vacuum analyze customer');
  } finally {
    await db.end();
  }
}, 60_000);
afterAll(() => env.stop());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** Runs a search over HTTP, capturing every statement (with its bindings) that touched the customer table. */
async function captureSearch(search: string): Promise<{ ids: string[]; totalCount: number; statements: { sql: string; bindings: unknown[] }[] }> {
  const knex = env.server.app.orm.em.getConnection().getKnex();
  const statements: { sql: string; bindings: unknown[] }[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => {
    if (/\b(from|join) customer c\b/.test(q.sql)) statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
  };
  knex.on('query', listener);
  try {
    const res = await env.ok(CustomersDocument, { first: 20, search });
    return { ids: res.customers.edges.map((edge) => edge.node.id), totalCount: res.customers.totalCount, statements };
  } finally {
    knex.off('query', listener);
  }
}

/** The plans PostgreSQL ran for `sql`, nested statements (a function's EXECUTE) included. */
async function plansRun(sql: string, bindings: unknown[]): Promise<PlanNode[][]> {
  const db = new Client({ connectionString: env.databaseUrl });
  const plans: PlanNode[][] = [];
  db.on('notice', (notice) => {
    const text = notice.message ?? '';
    const json = text.slice(text.indexOf('{'));
    if (text.includes('"Plan"')) plans.push(flatten((JSON.parse(json) as { Plan: PlanNode }).Plan));
  });
  await db.connect();
  try {
    await db.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on;
      set auto_explain.log_format = json; set client_min_messages = log; set plan_cache_mode = force_generic_plan; set jit = off`);
    await db.query({ name: 'search_under_test', text: numbered(sql), values: bindings });
    return plans;
  } finally {
    await db.end();
  }
}

describe('customers(search) uses the trigram index', () => {
  it.each([
    ['a last-name fragment', () => target.lastName.slice(3, 11)],
    ['an e-mail fragment', () => target.email.split('@')[0].slice(2)],
    ['"601 234" style phone digits', () => `${target.phone.slice(0, 3)} ${target.phone.slice(3, 6)} ${target.phone.slice(6, 8)}`],
  ])('for %s: no sequential scan of customer, customer_search_trgm read by the page and the count', async (_name, fragment) => {
    const result = await captureSearch(fragment());
    expect(result.ids).toContain(targetId);
    expect(result.totalCount).toBeLessThan(10);
    // The page and its totalCount.
    expect(result.statements).toHaveLength(2);
    for (const statement of result.statements) {
      const plans = await plansRun(statement.sql, statement.bindings);
      const nodes = plans.flat();
      const seqScans = nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'customer');
      expect(seqScans).toEqual([]);
      expect(nodes.map((node) => node['Index Name']).filter(Boolean)).toContain('customer_search_trgm');
    }
  });

  it('has enough rows for the planner to care', async () => {
    const res = await env.ok(CustomersDocument, { first: 1 });
    expect(res.customers.totalCount).toBeGreaterThan(BULK);
  });
});
