import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * Regression: a mismatched `operationName` answered 500 "Internal server error" (a query) or 400
 * "Cannot read properties of undefined (reading 'principal')" (a subscription posted over HTTP, as
 * GraphiQL does with a just-pasted one) from the compiled path, because Apollo hands its executor the
 * resolved operation's name (null) and graphql-js then ran the document's only operation without a
 * context; graphql-ws answered "Unable to identify operation". Every path now answers
 * `Unknown operation named "…".` with OPERATION_RESOLUTION_FAILURE.
 */
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  const url = new URL(env.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers: { authorization: `Bearer ${TOKENS.ADMIN}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const DOCUMENTS = {
  query: 'query Probe { __typename }',
  subscription: 'subscription Contacts { interactionAdded { eventId } }',
};

/** Each HTTP path the server has: node:http's JSON fast path, Express (a gzipped body), and GET. */
const HTTP_PATHS: Record<string, (query: string, operationName: string) => Promise<Answer>> = {
  'POST (node:http path)': (query, operationName) => send('POST', '/graphql', { 'content-type': 'application/json' }, JSON.stringify({ query, operationName })),
  'POST (Express path)': (query, operationName) =>
    send('POST', '/graphql', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ query, operationName }))),
  GET: (query, operationName) => send('GET', `/graphql?${new URLSearchParams({ query, operationName })}`, {}),
};

describe('a mismatched operationName', () => {
  for (const [path, post] of Object.entries(HTTP_PATHS)) {
    for (const [kind, query] of Object.entries(DOCUMENTS)) {
      if (path === 'GET' && kind === 'subscription') continue;
      it(`answers Unknown operation named over ${path} for a ${kind}`, async () => {
        const answer = await post(query, 'Other');
        expect(answer.status).toBe(400);
        expect(answer.body.errors).toEqual([{ message: 'Unknown operation named "Other".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }]);
        expect(answer.body.data).toBeUndefined();
      });
    }
  }

  it('still runs the named operation of several over every HTTP path', async () => {
    for (const post of Object.values(HTTP_PATHS)) {
      const answer = await post('query A { a: __typename } query B { b: __typename }', 'B');
      expect(answer).toEqual({ status: 200, body: { data: { b: 'Query' } } });
    }
  });

  for (const [kind, query] of Object.entries(DOCUMENTS)) {
    it(`answers Unknown operation named over WebSocket for a ${kind}`, async () => {
      const client = env.ws();
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query, operationName: 'Other' },
          { next: (value) => resolve({ next: value }), error: (error) => resolve({ error }), complete: () => resolve('complete') },
        );
      });
      expect(outcome).toEqual({ error: [{ message: 'Unknown operation named "Other".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] });
    });
  }
});
