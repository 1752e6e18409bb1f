import WebSocket from 'ws';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/** graphql-ws on the same port and path as HTTP: authentication at connection_init, coded errors. */

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

interface WsResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs one operation over graphql-ws and resolves with its first result, or the error it ended with. */
function run(token: string | null, query: string, variables?: Record<string, unknown>): Promise<{ result?: WsResult; error?: unknown }> {
  const client = env.ws(token);
  return new Promise((resolve) => {
    client.subscribe({ query, variables }, {
      next: (result) => resolve({ result: result as WsResult }),
      error: (error) => resolve({ error }),
      complete: () => undefined,
    });
  });
}

/** A raw WebSocket speaking graphql-transport-ws, to watch the close code itself. */
function raw(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(env.wsUrl, 'graphql-transport-ws');
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string; at: number }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
}

describe('graphql-ws', () => {
  it.each(['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'] as const)('runs a query with a valid %s token', async (role) => {
    const { result } = await run(TOKENS[role], '{ viewer { role name } }');
    expect(result).toEqual({ data: { viewer: { role, name: `${role.toLowerCase()}-key` } } });
  });

  it('runs mutations too, with userErrors in the payload as over HTTP', async () => {
    const email = `${unique('ws')}@example.com`;
    const { result } = await run(TOKENS.AGENT, 'mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) { created customer { email } userErrors { code } } }', { e: email });
    expect(result).toEqual({ data: { identifyCustomer: { created: true, customer: { email }, userErrors: [] } } });
    const bad = await run(TOKENS.AGENT, 'mutation { identifyCustomer(input: { identities: [] }) { created userErrors { code field } } }');
    expect(bad.result?.data).toEqual({ identifyCustomer: { created: false, userErrors: [{ code: 'INVALID_VALUE', field: ['input', 'identities'] }] } });
  });

  it('answers a role that may not run an operation with a coded FORBIDDEN error', async () => {
    // Refused by the role policy before execution: graphql-ws's `error` message, as for invalid documents.
    const { error } = await run(TOKENS.PARTNER, '{ customerDataExport(customerId: "cus_00000000000000000000000000") }');
    expect((error as { extensions?: { code?: string; refused?: string[] } }[]).map((item) => [item.extensions?.code, item.extensions?.refused])).toEqual([['FORBIDDEN', ['Query.customerDataExport']]]);
    expect(JSON.stringify(error)).not.toMatch(/Access denied|stack/i);
  });

  it('masks personal data for ANALYST over the socket as over HTTP', async () => {
    const email = `${unique('mask')}@example.com`;
    const created = await run(TOKENS.AGENT, 'mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }] }) { customer { id } } }', { e: email });
    const id = (created.result?.data?.identifyCustomer as { customer: { id: string } }).customer.id;
    const { result } = await run(TOKENS.ANALYST, 'query($id: ID!) { customer(id: $id) { email identities { value } } }', { id });
    expect(result?.data).toEqual({ customer: { email: `${email[0]}***@e***.com`, identities: [{ value: `${email[0]}***@e***.com` }] } });
  });

  it.each([
    ['an unknown token', 'not-a-valid-key-at-all'],
    ['no token at all', null],
  ])('closes the connection with 4403 for %s at connection_init', async (_name, token) => {
    const { error } = await run(token, '{ viewer { role } }');
    expect((error as { code?: number }).code).toBe(4403);
  });

  it('closes with 4403 for a token without the Bearer scheme', async () => {
    const socket = await raw();
    const close = closed(socket);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Basic ${TOKENS.ADMIN}` } }));
    expect((await close).code).toBe(4403);
  });

  it('acknowledges a good token sent by a raw client', async () => {
    const socket = await raw();
    const message = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TOKENS.PARTNER}` } }));
    expect(JSON.parse(await message)).toEqual({ type: 'connection_ack' });
    socket.close(1000);
  });

  it('closes with 4408 when no connection_init arrives within 5 seconds', async () => {
    const started = Date.now();
    const socket = await raw();
    const { code, at } = await closed(socket);
    expect(code).toBe(4408);
    expect(at - started).toBeGreaterThanOrEqual(4_900);
    expect(at - started).toBeLessThan(8_000);
  }, 15_000);
});
