import request from 'supertest';
import { startTestServer, TOKENS, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_RATE_LIMIT_PER_SECOND: '2', OMNI360_RATE_LIMIT_BURST: '5' } });
});
afterAll(() => env.stop());

describe('rate limiting per API key', () => {
  it('answers HTTP 429 with Retry-After once a key has used its burst, without touching other keys', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    let code: unknown;
    for (let i = 0; i < 8; i++) {
      const res = await request(env.server.httpServer).post('/graphql').set('content-type', 'application/json')
        .set('authorization', `Bearer ${TOKENS.ANALYST}`).send({ query: '{ viewer { role } }' });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers['retry-after'];
        code = res.body.errors?.[0]?.extensions?.code;
      }
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(code).toBe('RATE_LIMITED');
    const other = await env.gql('{ viewer { role } }', undefined, TOKENS.PARTNER);
    expect(other.status).toBe(200);
  });

  it('answers a coded error on the WebSocket', async () => {
    const client = env.ws(TOKENS.AGENT);
    const results: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      results.push(await new Promise((resolve) => {
        client.subscribe({ query: '{ viewer { role } }' }, { next: (value) => resolve(value), error: (error) => resolve(error), complete: () => undefined });
      }));
    }
    expect(results.slice(0, 5)).toEqual(Array(5).fill({ data: { viewer: { role: 'AGENT' } } }));
    expect(results.slice(5)).toContainEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })]);
  });
});
