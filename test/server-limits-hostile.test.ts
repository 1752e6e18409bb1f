import request from 'supertest';
import { GRAPHQL_PATH } from '../src/server/app';
import { startTestServer, TOKENS, type GraphQLAnswer as Answer, type TestServer } from './support/server';

/**
 * Documents built to be slow or to slip past the cost limit (issue 13, classes 4 and 5), with the
 * server's default limits: each is answered or refused within a bound, on HTTP POST, HTTP GET and
 * graphql-ws alike, and /healthz keeps answering while they are handled.
 */

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(() => env.stop());

/** `f1{...f0 ...f0} … f21{...f20 ...f20}`: 2^21 paths through 22 fragments in under 900 bytes. */
function fragmentFanOut(levels: number, leaf: string): string {
  let document = `query FanOut { ...f${levels} } fragment f0 on Query { ${leaf} }`;
  for (let i = 1; i <= levels; i++) document += ` fragment f${i} on Query { ...f${i - 1} ...f${i - 1} }`;
  return document;
}

async function overPost(query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await request(env.server.httpServer)
    .post(GRAPHQL_PATH)
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${TOKENS.PARTNER}`)
    .send({ query, variables });
  return res.body as Answer;
}

async function overGet(query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await request(env.server.httpServer)
    .get(GRAPHQL_PATH)
    .query({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) })
    .set('authorization', `Bearer ${TOKENS.PARTNER}`)
    .set('apollo-require-preflight', 'true')
    .set('accept', 'application/json');
  return res.body as Answer;
}

/** One operation over graphql-ws (a client of its own per call). */
const overWs = (query: string, variables?: Record<string, unknown>) => env.wsOnce(query, variables, TOKENS.PARTNER);

const transports = [
  ['HTTP POST', overPost],
  ['HTTP GET', overGet],
  ['graphql-ws', overWs],
] as const;

/** Runs `work` while polling /healthz; returns the answer, how long it took and the slowest health check. */
async function whileHealthChecked<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; slowestHealthMs: number }> {
  let done = false;
  let slowestHealthMs = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await request(env.server.httpServer).get('/healthz');
      expect(res.status).toBe(200);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: performance.now() - started, slowestHealthMs };
  } finally {
    done = true;
    await poll;
  }
}

/** Fan-out within the depth limit: each level spreads the one below `spreads` times under a list. */
function nestedFanOut(levels: number, spreads: number): string {
  let document = `query Nested { customers(first: 1) { edges { node { ...f${levels} } } } } fragment f0 on Customer { id }`;
  for (let i = 1; i <= levels; i++) {
    document += ` fragment f${i} on Customer { mergedFrom { survivor { ${Array.from({ length: spreads }, () => `...f${i - 1}`).join(' ')} } } }`;
  }
  return document;
}

describe('fragment fan-out (issue 13 class 4: the cost walk re-walked every spread)', () => {
  it.each(transports)('refuses the 864-byte f0..f21 document at once over %s while /healthz keeps answering', async (_name, send) => {
    const document = fragmentFanOut(21, '__typename');
    expect(document.length).toBeLessThan(900);
    const { value, ms, slowestHealthMs } = await whileHealthChecked(() => send(document));
    // Its one selection set holds 2^21 fields once the fragments are expanded: refused before validation.
    expect(value.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'QUERY_TOO_COMPLEX' },
        message: 'A selection set of 2097152 fields exceeds the limit of 200; select each field once.',
      }),
    ]);
    expect(ms).toBeLessThan(1_000);
    expect(slowestHealthMs).toBeLessThan(500);
  });

  it.each(transports)('costs a nested fan-out of 20^5 paths exactly and at once over %s', async (_name, send) => {
    const { value, ms, slowestHealthMs } = await whileHealthChecked(() => send(nestedFanOut(5, 20)));
    expect(value.errors).toHaveLength(1);
    expect(value.errors![0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // Exact, not capped: a level costs its merges (an unpaged list, 10 each) times 20 spreads of the one below.
    let cost = 1;
    for (let level = 1; level <= 5; level++) cost = 1 + 10 * (1 + 20 * cost);
    const expected = 3 + cost; // customers(first: 1), edges and node around it
    expect(value.errors![0].message).toMatch(new RegExp(`^Estimated cost ${expected} exceeds`));
    expect(ms).toBeLessThan(1_000);
    expect(slowestHealthMs).toBeLessThan(500);
  });

  it.each(transports)('answers the same nested fan-out with few paths over %s', async (_name, send) => {
    const value = await send(nestedFanOut(3, 2));
    expect(value.errors).toBeUndefined();
    expect(value.data).toEqual({ customers: { edges: expect.any(Array) } });
  });
});

describe('wide selection sets (issue 13 class 4: validation compared the fields of one set pairwise before any limit)', () => {
  const sameField = `{ ${Array.from({ length: 1_200 }, () => 'viewer { role }').join(' ')} }`;
  const sameSpread = `{ ...A } fragment A on Query { ${Array.from({ length: 2_400 }, () => '...B').join(' ')} } fragment B on Query { viewer { role } }`;

  // A query string longer than Node's 16 KiB header limit never reaches GraphQL; GET gets a short one.
  const shortSameField = `{ ${Array.from({ length: 300 }, () => '__typename').join(' ')} }`;

  it.each(transports)('refuses 1,200 copies of one field and 2,400 spreads of one fragment before validating them over %s', async (name, send) => {
    for (const document of name === 'HTTP GET' ? [shortSameField] : [sameField, sameSpread]) {
      const { value, ms, slowestHealthMs } = await whileHealthChecked(() => send(document));
      expect(value.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' }, message: expect.stringMatching(/exceeds the limit of 200/) }),
      ]);
      expect(ms).toBeLessThan(1_000);
      expect(slowestHealthMs).toBeLessThan(500);
    }
  });
});

describe('variable defaults (issue 13 class 5: `$n: Int = 100` sent without variables was costed as 20)', () => {
  const aliases = Array.from(
    { length: 12 },
    (_, i) => `c${i}: customers(first: $n) { edges { node { identities { value } interactions(first: $n) { edges { node { body } } } } } }`,
  ).join(' ');
  const withDefault = `query Defaults($n: Int = 100) { ${aliases} }`;

  it.each(transports)('costs a variable without a value at its default over %s', async (_name, send) => {
    const refused = await send(withDefault);
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // The same document with the value given is refused the same way, and a small value is answered.
    const given = await send(withDefault, { n: 100 });
    expect(given.errors![0].message).toBe(refused.errors![0].message);
    const small = await send(withDefault, { n: 2 });
    expect(small.errors).toBeUndefined();
  });
});
