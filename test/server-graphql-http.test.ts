import http from 'node:http';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * POST /graphql with a JSON body is served on node:http in front of Express (src/server/graphql-http.ts);
 * the rest goes to Express. Both answer alike: request ids, the 1 MiB limit, coded errors for bodies
 * that are not JSON, and Apollo's own answers.
 */
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

/** A raw request, so bodies, lengths and encodings are exactly what the test says. */
function send(headers: Record<string, string>, body: string | Buffer[], method = 'POST'): Promise<Answer> {
  const url = new URL(env.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method, headers: { authorization: `Bearer ${TOKENS.ADMIN}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] }).errors[0];

describe('POST /graphql', () => {
  it('answers a query, with the caller\'s request id or a new one, and a content length', async () => {
    const given = await send({ ...JSON_TYPE, 'x-request-id': 'edge-42' }, JSON.stringify({ query: '{ __typename }' }));
    expect(given.status).toBe(200);
    expect(JSON.parse(given.body)).toEqual({ data: { __typename: 'Query' } });
    expect(given.headers['x-request-id']).toBe('edge-42');
    expect(given.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
    expect(Number(given.headers['content-length'])).toBe(Buffer.byteLength(given.body));
    const fresh = await send({ ...JSON_TYPE, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ query: '{ __typename }' }));
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body that is not JSON, or not an object, with 400 BAD_REQUEST', async () => {
    for (const body of ['{"query": ', 'query { __typename }', '"a string"', '42']) {
      const answer = await send(JSON_TYPE, body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(codeOf(answer)).toEqual({ message: 'Malformed request body: send JSON.', extensions: { code: 'BAD_REQUEST' } });
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('refuses a body over 1 MiB with 413, whether its length is declared or streamed', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } });
    const declared = await send(JSON_TYPE, big);
    expect(declared.status).toBe(413);
    expect(codeOf(declared)).toEqual({ message: 'Request body too large (limit 1 MiB).', extensions: { code: 'BAD_REQUEST' } });
    const streamed = await send({ ...JSON_TYPE, 'transfer-encoding': 'chunked' }, [Buffer.from(big.slice(0, 600_000)), Buffer.from(big.slice(600_000))]);
    expect(streamed.status).toBe(413);
    expect(codeOf(streamed).message).toBe('Request body too large (limit 1 MiB).');
  });

  it('leaves other bodies to Express, which answers them as before', async () => {
    const latin = await send({ 'content-type': 'application/json; charset=latin1' }, JSON.stringify({ query: '{ __typename }' }));
    expect(latin.status).toBe(415);
    const text = await send({ 'content-type': 'text/plain' }, '{ __typename }');
    expect(text.status).toBe(400);
    expect(text.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const malformed = await send({ 'content-type': 'application/json', 'content-encoding': 'identity' }, '{"query": ');
    expect(codeOf(malformed)).toEqual({ message: 'Malformed request body: send JSON.', extensions: { code: 'BAD_REQUEST' } });
  });

  it('keeps Apollo\'s answers: no token is 401, no query 400', async () => {
    const url = new URL(env.url);
    const noToken = await new Promise<number>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: JSON_TYPE }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.end(JSON.stringify({ query: '{ viewer { role } }' }));
    });
    expect(noToken).toBe(401);
    expect((await send(JSON_TYPE, '{}')).status).toBe(400);
    expect((await send(JSON_TYPE, '')).status).toBe(400);
  });
});

describe('a client that goes away mid-body', () => {
  it('leaves the server answering the next request', async () => {
    const url = new URL(env.url);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...JSON_TYPE, 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"query": "{ __typ');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const next = await send(JSON_TYPE, JSON.stringify({ query: '{ __typename }' }));
    expect(JSON.parse(next.body)).toEqual({ data: { __typename: 'Query' } });
  });
});
