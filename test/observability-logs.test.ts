import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { safeErrorSerializer } from '../src/observability/logging';
import { createServer, type OmniServer } from '../src/server/app';
import { IdentifyCustomerDocument } from './generated/graphql';
import { createTestDatabase, TOKENS, unique } from './support/server';
import { print } from 'graphql';

/** Structured logs: one JSON line per request with its id, operation, role, duration and outcome; no personal data. */

const lines: Record<string, unknown>[] = [];
let raw = '';
let server: OmniServer;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'info',
    OMNI360_API_KEYS: Object.entries(TOKENS).map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`).join(','),
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'info', base: { service: 'omni360' }, serializers: { err: safeErrorSerializer } }, sink);
  server = await createServer(config, databaseUrl, log);
  await server.listen();
});
afterAll(() => server.stop());

function post(body: unknown, headers: Record<string, string> = {}) {
  let req = request(server.httpServer).post('/graphql').set('authorization', `Bearer ${TOKENS.AGENT}`);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req.send(body as object);
}

describe('request ids', () => {
  it('answers every response with x-request-id: the caller\'s plain id, or a new UUID', async () => {
    const given = await post({ query: '{ __typename }' }, { 'x-request-id': 'gw-1234.abc:7' });
    expect(given.headers['x-request-id']).toBe('gw-1234.abc:7');
    const fresh = await post({ query: '{ __typename }' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Free text (which would end up in the logs) is not taken as an id.
    const unsafe = await post({ query: '{ __typename }' }, { 'x-request-id': 'jane doe <jane@example.com>' });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await request(server.httpServer).get('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('request logs', () => {
  it('log one line per GraphQL request with request id, operation, role, duration and outcome, and no variables', async () => {
    const email = `${unique('log.')}@example.com`;
    const res = await post({
      query: print(IdentifyCustomerDocument),
      variables: { input: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Wieslawa', lastName: 'Loggerska' } } },
    }, { 'x-request-id': 'log-test-1' });
    expect(res.body.errors).toBeUndefined();
    const forbidden = await post({ query: 'mutation Erase { eraseCustomer(input: { customerId: "cus_x" }) { userErrors { code } } }' }, { 'x-request-id': 'log-test-2' });
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const ok = lines.find((line) => line.requestId === 'log-test-1' && line.msg === 'graphql request');
    expect(ok).toMatchObject({ level: 30, service: 'omni360', operation: 'IdentifyCustomer', role: 'AGENT', outcome: 'ok' });
    expect(typeof ok!.ms).toBe('number');
    expect(lines.find((line) => line.requestId === 'log-test-2' && line.msg === 'graphql request')).toMatchObject({ operation: 'Erase', role: 'AGENT', outcome: 'error' });
    // Neither the variables nor anything derived from them reach the log.
    expect(raw).not.toContain(email);
    expect(raw).not.toContain('Wieslawa');
    expect(raw).not.toContain('Loggerska');
  });
});

describe('safeErrorSerializer', () => {
  it('drops values a database error carries: literals in the statement, the detail line, parameters', () => {
    const error = Object.assign(
      new Error(`insert into "identity" ("value") values ('jane@example.com') - duplicate key value violates unique constraint "identity_key"`),
      { code: '23505', constraint: 'identity_key', table: 'identity', detail: 'Key (value)=(jane@example.com) already exists.', parameters: ['jane@example.com'] },
    );
    const out = safeErrorSerializer(error);
    expect(JSON.stringify(out)).not.toContain('jane@example.com');
    expect(out).toMatchObject({ type: 'Error', code: '23505', constraint: 'identity_key', table: 'identity' });
    expect(out.message).toBe(`insert into "identity" ("value") values ('?') - duplicate key value violates unique constraint "identity_key"`);
    expect(out.stack).toEqual(expect.stringContaining("values ('?')"));
  });
});
