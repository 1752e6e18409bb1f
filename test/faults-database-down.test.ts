import request from 'supertest';
import { createTestDatabase, startTestServer, type TestServer } from './support/server';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

let env: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  const url = await createTestDatabase();
  const target = new URL(url);
  proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  env = await startTestServer({ databaseUrl: throughProxy(url, proxy) });
});
afterAll(async () => {
  proxy.restore();
  await env.stop();
  await proxy.stop();
});

const QUERY = '{ customers(first: 1) { totalCount } }';

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('while PostgreSQL is unreachable', () => {
  it('answers /readyz 503 and fails requests fast with DATABASE_UNAVAILABLE, then recovers by itself', async () => {
    expect((await env.gql(QUERY)).data).toEqual({ customers: { totalCount: 0 } });
    expect((await request(env.server.httpServer).get('/readyz')).status).toBe(200);

    proxy.cut();
    const ready = await request(env.server.httpServer).get('/readyz');
    expect(ready.status).toBe(503);
    expect((await request(env.server.httpServer).get('/healthz')).status).toBe(200);

    const started = Date.now();
    const failed = await env.gql(QUERY);
    const elapsed = Date.now() - started;
    expect(failed.errors?.map((error) => error.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);
    expect(JSON.stringify(failed)).not.toMatch(/ECONNREFUSED|at .*\.js|stack/i);
    expect(elapsed).toBeLessThan(8_000);

    proxy.restore();
    const recovered = await eventually(() => env.gql(QUERY), (res) => !res.errors, 15_000);
    expect(recovered.data).toEqual({ customers: { totalCount: 0 } });
    expect((await request(env.server.httpServer).get('/readyz')).status).toBe(200);
  });
});
