import type { PgEventHub } from '../src/modules/events/event-hub';
import { IdentifyCustomerDocument } from './generated/graphql';
import { createTestDatabase, startTestServer, unique, type TestServer } from './support/server';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

/**
 * OMNI360_DIRECT_DATABASE_URL: the session connections (the event hub's LISTEN connection and log reader,
 * the relay) use it, so that DATABASE_URL may point at a transaction-pooling PgBouncer. Here the "direct"
 * URL goes through a TCP proxy: cutting it drops the LISTEN connection while requests carry on.
 */

let env: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  const target = new URL(databaseUrl);
  proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  env = await startTestServer({ databaseUrl, env: { OMNI360_DIRECT_DATABASE_URL: throughProxy(databaseUrl, proxy) } });
});
afterAll(async () => {
  await env.stop();
  await proxy.stop();
});

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('OMNI360_DIRECT_DATABASE_URL', () => {
  it('carries the LISTEN connection, while requests use DATABASE_URL', async () => {
    const hub = env.server.app.events as PgEventHub;
    await until('the hub to listen', () => hub.isListening());
    proxy.cut();
    try {
      await until('the LISTEN connection to drop', () => !hub.isListening());
      // The request pool does not go through the direct URL: the API keeps working.
      const created = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@example.com` }] } });
      expect(created.identifyCustomer.userErrors).toEqual([]);
    } finally {
      proxy.restore();
    }
    await until('the hub to listen again', () => hub.isListening());
  });
});
