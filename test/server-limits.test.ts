import { parse } from 'graphql';
import { documentBreadth } from '../src/server/limits';
import { startTestServer, TOKENS, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_MAX_DEPTH: '8', OMNI360_MAX_ALIASES: '5', OMNI360_MAX_TOKENS: '400', OMNI360_MAX_COST: '2000' } });
});
afterAll(() => env.stop());

function nested(depth: number): string {
  let selection = 'id';
  for (let i = 0; i < depth; i++) selection = `mergedFrom { survivor { ${selection} } }`;
  return `{ customers(first: 1) { edges { node { ${selection} } } } }`;
}

describe('query limits', () => {
  it('lets an ordinary customer query through', async () => {
    const res = await env.gql('{ customers(first: 5) { totalCount edges { node { id identities { type value } } } } }');
    expect(res.errors).toBeUndefined();
  });

  it.each([
    ['depth', nested(4), /depth \d+ exceeds the limit of 8/],
    ['aliases', `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`, /6 aliases exceed the limit of 5/],
    ['cost', '{ customers(first: 100) { edges { node { identities { value } consents { purpose } mergedFrom { id } } } } }', /cost \d+ exceeds the limit of 2000/],
    ['cost through variables', ['query Q($n: Int) { customers(first: $n) { edges { node { identities { value } consents { purpose } mergedFrom { id } } } } }', { n: 100 }], /cost/],
    ['tokens', `{ viewer { ${Array.from({ length: 500 }, () => 'role').join(' ')} } }`, /more tha[nt] 400 tokens/],
  ] as const)('rejects a document over the %s limit with QUERY_TOO_COMPLEX over HTTP', async (_name, document, message) => {
    const [query, variables] = Array.isArray(document) ? document : [document, undefined];
    const res = await env.gql(query as string, variables as Record<string, unknown> | undefined);
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors![0].message).toMatch(message);
  });

  it('answers a document with several operations and no operationName with 400 and a coded error, and runs the named one when named', async () => {
    const document = 'query A { viewer { role } } query B { viewer { name } }';
    const unnamed = await env.gql(document);
    expect(unnamed.status).toBe(400);
    expect(unnamed.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('operation name'), extensions: expect.objectContaining({ code: expect.any(String) }) })]);
    expect(unnamed.data).toBeUndefined();
    const res = await fetch(env.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ADMIN}` },
      body: JSON.stringify({ query: document, operationName: 'B' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { viewer: { name: string } } }).data.viewer.name).toEqual(expect.any(String));
  });

  it('refuses subscription operations over HTTP with BAD_REQUEST (they belong to the WebSocket)', async () => {
    const res = await env.gql('subscription Live { interactionAdded { eventId cursor } }');
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('WebSocket') })]);
  });

  it('applies the same limits over graphql-ws', async () => {
    const client = env.ws(TOKENS.ADMIN);
    const errors = await new Promise<unknown[]>((resolve) => {
      client.subscribe({ query: nested(4) }, { next: () => undefined, error: (error) => resolve(error as unknown[]), complete: () => resolve([]) });
    });
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/depth \d+ exceeds/), extensions: { code: 'QUERY_TOO_COMPLEX' } })]);
    const ok = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ viewer { role } }' }, { next: (value) => resolve(value), error: reject, complete: () => undefined });
    });
    expect(ok).toEqual({ data: { viewer: { role: 'ADMIN' } } });
  });
});

describe('documentBreadth', () => {
  it('measures the widest selection set wherever it is nested (under a narrower set, in a fragment)', () => {
    const roles = 'role '.repeat(21);
    expect(documentBreadth(parse(`{ viewer { ${roles}} }`))).toBe(21);
    expect(documentBreadth(parse(`{ a: viewer { role } b: viewer { ${roles}} }`))).toBe(21);
    expect(documentBreadth(parse(`{ viewer { ...V } } fragment V on Viewer { ${roles}}`))).toBe(21);
    expect(documentBreadth(parse(`{ ${'__typename '.repeat(30)}viewer { role } }`))).toBe(31);
  });
});
