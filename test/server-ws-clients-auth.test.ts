import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { SLOW_SUBSCRIBER_CLOSE_CODE } from '../src/server/websocket';
import { WS_AUTH_EXPECTED, WS_AUTH_REFUSED } from '../src/server/ws-auth';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * WebSocket authentication in the forms clients send, close reasons that say what was expected, and
 * close codes that graphql-ws clients treat as the server means them (issue 14, point 4).
 */
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

/** Runs `{ viewer { role } }` over a graphql-ws client with these connectionParams; the role, or the close. */
async function viewerWith(connectionParams: Record<string, unknown>): Promise<{ role?: string; close?: { code: number; reason: string } }> {
  const client: Client = createClient({ url: env.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
  try {
    return await new Promise((resolve) => {
      client.subscribe<{ viewer: { role: string } }>(
        { query: '{ viewer { role } }' },
        {
          next: (result) => resolve({ role: result.data?.viewer.role }),
          error: (error) =>
            resolve({ close: { code: (error as { code: number; reason: string }).code, reason: (error as { code: number; reason: string }).reason } }),
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe('WebSocket authentication', () => {
  it.each([
    ['authorization', { authorization: `Bearer ${TOKENS.AGENT}` }],
    ['Authorization', { Authorization: `Bearer ${TOKENS.AGENT}` }],
    ['headers.Authorization', { headers: { Authorization: `Bearer ${TOKENS.AGENT}` } }],
    ['headers.authorization', { headers: { authorization: `bearer ${TOKENS.AGENT}` } }],
  ])('accepts the token as connectionParams.%s', async (_form, params) => {
    expect(await viewerWith(params)).toEqual({ role: 'AGENT' });
  });

  it.each([
    ['no token', {}],
    ['a token without the Bearer scheme', { authorization: TOKENS.AGENT }],
    ['a token under another name', { token: TOKENS.AGENT }],
    ['a non-string', { authorization: 42 }],
  ])('closes with 4403 and a reason saying what was expected for %s (it used to say only "Forbidden")', async (_form, params) => {
    expect(await viewerWith(params)).toEqual({ close: { code: 4403, reason: WS_AUTH_EXPECTED } });
    expect(WS_AUTH_EXPECTED).toBe('Forbidden: send connectionParams { authorization: "Bearer <token>" }');
  });

  it('closes with 4403 "unknown or invalid token" for a well-formed token it does not know', async () => {
    expect(await viewerWith({ authorization: 'Bearer not-a-key-of-this-server' })).toEqual({ close: { code: 4403, reason: WS_AUTH_REFUSED } });
  });
});

describe('the slow-subscriber close code', () => {
  it('is one a graphql-ws client retries (4429 made it give up for good)', async () => {
    // A server that acknowledges and then closes the way omni360 closes a slow subscriber.
    const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let connections = 0;
    fake.on('connection', (socket) => {
      connections += 1;
      socket.on('message', () => {
        socket.send(JSON.stringify({ type: 'connection_ack' }));
        if (connections === 1) setTimeout(() => socket.close(SLOW_SUBSCRIBER_CLOSE_CODE, 'subscriber too slow; resume with your last cursor'), 20);
      });
    });
    await new Promise((resolve) => fake.once('listening', resolve));
    const url = `ws://127.0.0.1:${(fake.address() as { port: number }).port}`;
    const closes: number[] = [];
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 3,
      retryWait: async () => undefined,
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    try {
      const deadline = Date.now() + 5_000;
      while (connections < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closes).toEqual([SLOW_SUBSCRIBER_CLOSE_CODE]);
      expect(connections).toBe(2);
    } finally {
      await client.dispose();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
