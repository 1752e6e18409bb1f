import request from 'supertest';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * NODE_ENV=production: introspection and field suggestions ("Did you mean ...?") are off unless asked
 * for, on HTTP and on graphql-ws alike; GraphiQL is not served.
 */

let production: TestServer;
let opened: TestServer;
beforeAll(async () => {
  production = await startTestServer({ env: { NODE_ENV: 'production' } });
  // The same database, production with both switched on explicitly.
  opened = await startTestServer({
    databaseUrl: production.databaseUrl,
    env: { NODE_ENV: 'production', OMNI360_INTROSPECTION: 'true', OMNI360_FIELD_SUGGESTIONS: 'true' },
  });
});
afterAll(async () => {
  await production?.stop();
  await opened?.stop();
});

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

/** Runs one operation over graphql-ws and returns its errors (none: []). */
function wsErrors(env: TestServer, query: string): Promise<Errors> {
  const client = env.ws(TOKENS.ADMIN);
  return new Promise((resolve) => {
    client.subscribe({ query }, {
      next: (result) => resolve((result.errors as Errors) ?? []),
      error: (error) => resolve(error as Errors),
      complete: () => undefined,
    });
  });
}

const MISSPELT = '{ viewer { rol } }';
const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPE_INTROSPECTION = '{ __type(name: "Customer") { fields { name } } }';

describe('production', () => {
  it('hides field suggestions over HTTP', async () => {
    const res = await production.gql(MISSPELT);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].message).toBe('Cannot query field "rol" on type "Viewer".');
    expect(JSON.stringify(res.errors)).not.toMatch(/Did you mean/);
  });

  it('hides field suggestions over graphql-ws', async () => {
    const errors = await wsErrors(production, MISSPELT);
    expect(errors).toEqual([expect.objectContaining({ message: 'Cannot query field "rol" on type "Viewer".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
  });

  it.each([INTROSPECTION, TYPE_INTROSPECTION])('refuses introspection over HTTP: %s', async (query) => {
    const res = await production.gql(query);
    expect(res.status).toBe(400);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors![0].message).toMatch(/introspection/i);
  });

  it.each([INTROSPECTION, TYPE_INTROSPECTION])('refuses introspection over graphql-ws: %s', async (query) => {
    const errors = await wsErrors(production, query);
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(errors![0].message).toMatch(/introspection/i);
  });

  it('still answers __typename, which is no introspection of the schema', async () => {
    expect((await production.gql('{ __typename viewer { role } }')).data).toEqual({ __typename: 'Query', viewer: { role: 'ADMIN' } });
  });

  it('does not serve GraphiQL', async () => {
    const res = await request(production.server.httpServer).get('/graphql').set('accept', 'text/html');
    expect(res.headers['content-type'] ?? '').not.toMatch(/text\/html/);
  });
});

describe('production with OMNI360_INTROSPECTION=true and OMNI360_FIELD_SUGGESTIONS=true', () => {
  it('answers introspection on both transports', async () => {
    expect((await opened.gql(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(await wsErrors(opened, INTROSPECTION)).toEqual([]);
  });

  it('suggests fields on both transports', async () => {
    expect((await opened.gql(MISSPELT)).errors![0].message).toMatch(/Did you mean "role"\?/);
    expect((await wsErrors(opened, MISSPELT))![0].message).toMatch(/Did you mean "role"\?/);
  });
});
