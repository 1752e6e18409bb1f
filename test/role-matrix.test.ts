import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { buildOmniSchema } from '../src/server/schema';
import type { AuthzRow } from './authz/types';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * The role matrix: every operation of the schema, run as every role, over the real transports (HTTP for
 * queries and mutations, graphql-ws for subscriptions). Rows live next to each module's tests in
 * test/authz/<module>.authz.ts; an operation without a row fails the suite by name.
 */

const ROLES = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'] as const;
type RoleName = (typeof ROLES)[number];
type Outcome = 'allowed' | 'FORBIDDEN' | string;

const AUTHZ_DIR = path.join(__dirname, 'authz');

interface LoadedRow extends AuthzRow {
  file: string;
}

function loadRows(): LoadedRow[] {
  return fs
    .readdirSync(AUTHZ_DIR)
    .filter((file) => file.endsWith('.authz.ts'))
    .sort()
    .flatMap((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(path.join(AUTHZ_DIR, file)) as { rows?: AuthzRow[] };
      if (!Array.isArray(loaded.rows)) throw new Error(`test/authz/${file} must export \`rows: AuthzRow[]\``);
      return loaded.rows.map((row) => ({ ...row, file }));
    });
}

const rows = loadRows();

/** Codes that mean the request never reached the resolver for a reason other than the role. */
const NOT_REACHED = new Set(['UNAUTHENTICATED', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'INTERNAL_SERVER_ERROR', 'QUERY_TOO_COMPLEX', 'RATE_LIMITED']);

/**
 * How a response reads in the matrix: `allowed` when the resolver ran (a domain refusal such as
 * BAD_USER_INPUT for an unknown id still counts: the role got through), `FORBIDDEN` when every error
 * is FORBIDDEN, anything else spelled out so that a failure says what happened.
 */
function outcomeOf(errors: readonly { message?: string; extensions?: Record<string, unknown> }[] | undefined): Outcome {
  if (!errors || errors.length === 0) return 'allowed';
  const codes = errors.map((error) => String(error.extensions?.code ?? `no code: ${error.message}`));
  if (codes.every((code) => code === 'FORBIDDEN')) return 'FORBIDDEN';
  if (codes.some((code) => code === 'FORBIDDEN' || NOT_REACHED.has(code) || code.startsWith('no code'))) return `unexpected: ${codes.join(', ')}`;
  return 'allowed';
}

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

async function runHttp(row: AuthzRow, token: string | null): Promise<{ status: number; outcome: Outcome }> {
  const res = await env.gql(row.document, row.variables, token);
  return { status: res.status, outcome: outcomeOf(res.errors) };
}

/**
 * Subscribes over graphql-ws. A refusal arrives quickly as an error (in a `next` result or an `error`
 * message); an allowed subscription simply stays open, so silence for a short while means allowed.
 */
async function runSubscription(row: AuthzRow, token: string | null): Promise<Outcome> {
  const client = env.ws(token);
  try {
    return await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve('allowed');
      }, 750);
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(outcome);
      };
      const unsubscribe = client.subscribe(
        { query: row.document, variables: row.variables },
        {
          next: (result) => {
            if (result.errors?.length) settle(outcomeOf(result.errors as never));
          },
          error: (error) => {
            if (Array.isArray(error)) settle(outcomeOf(error));
            else if (error && typeof error === 'object' && 'code' in error) settle(`closed: ${(error as { code: number }).code}`);
            else settle(`unexpected: ${String(error)}`);
          },
          complete: () => settle('allowed'),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe('role matrix', () => {
  it('has a row in test/authz/*.authz.ts for every Query, Mutation and Subscription field of the schema', () => {
    const schema = buildOmniSchema();
    const roots = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const;
    const missing: string[] = [];
    for (const [kind, type] of roots) {
      for (const name of Object.keys(type?.getFields() ?? {}).sort()) {
        if (!rows.some((row) => row.kind === kind && row.operation === name)) missing.push(`${kind} ${name}`);
      }
    }
    if (missing.length > 0) {
      throw new Error(
        `${missing.length} operation(s) of the schema have no role-matrix row. Add one per operation to ` +
          `test/authz/<module>.authz.ts (export const rows: AuthzRow[]):\n  - ${missing.join('\n  - ')}`,
      );
    }
  });

  it('has rows that name real operations, once each, with a valid document calling exactly that operation', () => {
    const schema = buildOmniSchema();
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${row.kind} ${row.operation}`;
      if (seen.has(key)) problems.push(`${row.file}: ${key} has two rows`);
      seen.add(key);
      const root = row.kind === 'query' ? schema.getQueryType() : row.kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      if (!root?.getFields()[row.operation]) {
        problems.push(`${row.file}: ${key} is not an operation of the schema`);
        continue;
      }
      let document;
      try {
        document = parse(row.document);
      } catch (error) {
        problems.push(`${row.file}: ${key}: ${(error as Error).message}`);
        continue;
      }
      const errors = validate(schema, document);
      if (errors.length > 0) problems.push(`${row.file}: ${key}: ${errors.map((error) => error.message).join('; ')}`);
      const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
      const fields = operations.flatMap((operation) =>
        operation.selectionSet.selections.map((selection) => (selection.kind === Kind.FIELD ? `${operation.operation} ${selection.name.value}` : '?')),
      );
      if (fields.length !== 1 || fields[0] !== key) problems.push(`${row.file}: ${key}: the document must call exactly that one operation, it calls ${fields.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  const cases = rows.map((row) => [`${row.kind} ${row.operation} (${row.file})`, row] as const);
  it.each(cases)('%s: allowed roles get through, every other role gets FORBIDDEN', async (_name, row) => {
    const expected = Object.fromEntries(ROLES.map((role) => [role, row.allowed.includes(role) ? 'allowed' : 'FORBIDDEN'])) as Record<RoleName, Outcome>;
    const actual = {} as Record<RoleName, Outcome>;
    await Promise.all(
      ROLES.map(async (role) => {
        actual[role] = row.kind === 'subscription' ? await runSubscription(row, TOKENS[role]) : (await runHttp(row, TOKENS[role])).outcome;
      }),
    );
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s: anonymous callers are refused with UNAUTHENTICATED', async (_name, row) => {
    if (row.kind === 'subscription') {
      // graphql-ws checks the token at connection_init and closes with 4403.
      expect(await runSubscription(row, null)).toBe('closed: 4403');
      return;
    }
    const res = await env.gql(row.document, row.variables, null);
    expect(res.status).toBe(401);
    expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});
