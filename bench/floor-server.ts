import http from 'node:http';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { floorCustomer360Sql, floorCustomerListSql, floorOrderSql, floorProductStockSql } from './reference-sql';

/**
 * The raw-SQL floor: a plain node:http handler and a `pg` pool that answer (a) and (b) with ONE
 * hand-written json_agg statement each (prepared), and the pages (i) ProductStock and (k) OrderPage alike, streaming PostgreSQL's JSON text straight back. No
 * GraphQL parsing, validation, resolvers or business rules: the machine's physical limit for the same
 * content. Accepts the same request body as a GraphQL server: {operationName, variables}; an optional
 * `without: ["stats", ...]` leaves top-level Customer fields out (the partial variants of run.ts).
 *
 *   DATABASE_URL=... PORT=4601 node -r ts-node/register/transpile-only bench/floor-server.ts
 */

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
const statements = new Map<string, { name: string; text: string }>();

function statement(operation: string, without: string[]): { name: string; text: string } | undefined {
  const key = `${operation}:${[...without].sort().join(',')}`;
  let found = statements.get(key);
  if (!found) {
    const text =
      operation === 'Customer360'
        ? floorCustomer360Sql(without)
        : operation === 'CustomerList'
          ? floorCustomerListSql(without)
          : operation === 'ProductStock'
            ? floorProductStockSql()
            : operation === 'OrderPage'
              ? floorOrderSql()
              : undefined;
    if (!text) return undefined;
    found = { name: `floor_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text };
    statements.set(key, found);
  }
  return found;
}

function fail(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ message }] }));
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') return fail(res, 404, 'POST /graphql only');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { operationName?: string; variables?: Record<string, unknown>; without?: string[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(res, 400, 'malformed JSON');
    }
    const found = statement(body.operationName ?? '', body.without ?? []);
    if (!found) return fail(res, 400, `unknown operation ${body.operationName}`);
    const values =
      body.operationName === 'Customer360' || body.operationName === 'OrderPage'
        ? [body.variables?.id ?? null]
        : body.operationName === 'ProductStock'
          ? [body.variables?.sku ?? null]
          : [body.variables?.after ?? null];
    pool.query<{ body: string }>({ ...found, values }).then(
      (result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(result.rows[0].body);
      },
      (error: Error) => fail(res, 500, error.message),
    );
  });
});

server.listen(Number(process.env.PORT ?? 4601), '127.0.0.1', () => {
  const address = server.address();
  console.log(`floor listening on ${typeof address === 'object' && address ? address.port : process.env.PORT}`);
});

process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
