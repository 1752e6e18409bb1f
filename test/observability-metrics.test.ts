import { print } from 'graphql';
import { Client } from 'pg';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { IdentifyCustomerDocument, InteractionAddedDocument } from './generated/graphql';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/** GET /metrics: Prometheus text, every documented name, values that move with traffic. */

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

async function scrape(target: TestServer = env, authorization?: string): Promise<string> {
  let req = request(target.server.httpServer).get('/metrics');
  if (authorization) req = req.set('authorization', authorization);
  const res = await req;
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The value of one sample, matched by name and exact label set (`{}` for none); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(',');
    if (got === wanted) return Number(match[3]);
  }
  return undefined;
}

const PROBE = 'query MetricsProbe { viewer { role } }';

describe('GET /metrics', () => {
  it('serves every documented metric name in the Prometheus text format', async () => {
    await env.ok(PROBE);
    const text = await scrape();
    for (const name of [
      'omni360_graphql_requests_total', 'omni360_graphql_request_duration_seconds', 'omni360_graphql_errors_total',
      'omni360_websocket_connections', 'omni360_subscriptions_active', 'omni360_event_log_lag_events', 'omni360_event_log_lag_seconds',
      'omni360_db_pool_used', 'omni360_db_pool_free', 'omni360_db_pool_pending', 'omni360_relay_active',
      'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'omni360_db_pool_used', { pool: 'primary' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'omni360_db_pool_pending', { pool: 'primary' })).toBe(0);
    expect(sample(text, 'omni360_relay_active')).toBe(0);
  });

  it('counts requests and latency by operation, and outcomes ok, user_error and error', async () => {
    const before = await scrape();
    const okBefore = sample(before, 'omni360_graphql_requests_total', { operation: 'MetricsProbe', outcome: 'ok' }) ?? 0;
    const countBefore = sample(before, 'omni360_graphql_request_duration_seconds_count', { operation: 'MetricsProbe' }) ?? 0;
    await env.ok(PROBE);
    await env.ok(PROBE);
    // A userError in a mutation payload.
    const invalid = await env.ok(IdentifyCustomerDocument, { input: { identities: [] } });
    expect(invalid.identifyCustomer.userErrors.map((error) => error.code)).toEqual(['INVALID_VALUE']);
    // A top-level FORBIDDEN: PARTNER may not identify customers.
    const forbidden = await env.gql(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@example.com` }] } }, TOKENS.PARTNER);
    expect(forbidden.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    // Refused before any operation is known.
    expect((await env.gql(PROBE, undefined, 'not-a-valid-token-000000')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const after = await scrape();
    expect(sample(after, 'omni360_graphql_requests_total', { operation: 'MetricsProbe', outcome: 'ok' })).toBe(okBefore + 2);
    expect(sample(after, 'omni360_graphql_request_duration_seconds_count', { operation: 'MetricsProbe' })).toBe(countBefore + 2);
    expect(sample(after, 'omni360_graphql_request_duration_seconds_sum', { operation: 'MetricsProbe' })).toBeGreaterThan(0);
    expect(sample(after, 'omni360_graphql_requests_total', { operation: 'IdentifyCustomer', outcome: 'user_error' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'omni360_graphql_requests_total', { operation: 'IdentifyCustomer', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    for (const code of ['INVALID_VALUE', 'FORBIDDEN', 'UNAUTHENTICATED']) {
      expect((sample(after, 'omni360_graphql_errors_total', { code }) ?? 0) - (sample(before, 'omni360_graphql_errors_total', { code }) ?? 0)).toBe(1);
    }
  });

  it('never puts personal data or client-chosen garbage in labels', async () => {
    const email = `${unique('pii.')}@example.com`;
    await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Zbigniewa' } } });
    // An operation name is chosen by the client: one that is no GraphQL name never becomes a label.
    await request(env.server.httpServer).post('/graphql').set('authorization', `Bearer ${TOKENS.ADMIN}`)
      .send({ query: PROBE, operationName: 'x"} 1\nfake_metric 2' });
    const text = await scrape();
    expect(text).not.toContain(email);
    expect(text).not.toContain('Zbigniewa');
    expect(text).not.toMatch(/^fake_metric/m);
  });

  it('tracks open WebSocket connections and subscriptions', async () => {
    const before = await scrape();
    expect(sample(before, 'omni360_websocket_connections')).toBe(0);
    expect(sample(before, 'omni360_subscriptions_active')).toBe(0);
    const client = env.ws(TOKENS.AGENT);
    const unsubscribe = client.subscribe({ query: print(InteractionAddedDocument) }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    let during = '';
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      during = await scrape();
      if (sample(during, 'omni360_subscriptions_active') === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sample(during, 'omni360_websocket_connections')).toBe(1);
    expect(sample(during, 'omni360_subscriptions_active')).toBe(1);
    unsubscribe();
    await client.dispose();
    let after = '';
    while (Date.now() < deadline + 5_000) {
      after = await scrape();
      if (sample(after, 'omni360_websocket_connections') === 0 && sample(after, 'omni360_subscriptions_active') === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sample(after, 'omni360_websocket_connections')).toBe(0);
    expect(sample(after, 'omni360_subscriptions_active')).toBe(0);
  });

  it('reports the event-log lag: events held back behind a running transaction count, and drain to 0', async () => {
    async function until(check: (text: string) => boolean): Promise<string> {
      let text = '';
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        text = await scrape();
        if (check(text)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return text;
    }
    // An older transaction with an id that is still running: later events cannot be delivered before it ends.
    const blocker = new Client({ connectionString: env.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select pg_current_xact_id()');
      await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@example.com` }] } });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const held = await until((text) => (sample(text, 'omni360_event_log_lag_events') ?? 0) >= 1);
      expect(sample(held, 'omni360_event_log_lag_events')).toBeGreaterThanOrEqual(1);
      expect(sample(held, 'omni360_event_log_lag_seconds')).toBeGreaterThan(0.5);
    } finally {
      await blocker.query('commit');
      await blocker.end();
    }
    const drained = await until((text) => sample(text, 'omni360_event_log_lag_events') === 0);
    expect(sample(drained, 'omni360_event_log_lag_events')).toBe(0);
    expect(sample(drained, 'omni360_event_log_lag_seconds')).toBe(0);
  });
});

describe('GET /metrics protection and switch', () => {
  it('requires the bearer token when OMNI360_METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_METRICS_TOKEN: token } });
    try {
      const anonymous = await request(guarded.server.httpServer).get('/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.text).not.toContain('omni360_');
      expect((await request(guarded.server.httpServer).get('/metrics').set('authorization', `Bearer ${token}x`)).status).toBe(401);
      expect(await scrape(guarded, `Bearer ${token}`)).toContain('omni360_graphql_requests_total');
    } finally {
      await guarded.stop();
    }
  });

  it('refuses a short token, naming the variable', () => {
    expect(() => loadConfig({ OMNI360_METRICS_TOKEN: 'short' })).toThrow(/OMNI360_METRICS_TOKEN/);
    expect(loadConfig({}).metrics).toEqual({ enabled: true, token: undefined });
  });

  it('is absent with OMNI360_METRICS=false', async () => {
    const off = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_METRICS: 'false' } });
    try {
      expect(off.server.metrics).toBeUndefined();
      expect((await request(off.server.httpServer).get('/metrics')).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
