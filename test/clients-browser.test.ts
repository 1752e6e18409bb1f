import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * A browser page on another origin (issue 14, point 1): a page served from http://localhost:<port>
 * calls omni360 on http://127.0.0.1:<port> in headless Chromium: a query (preflighted: it carries a
 * token), a mutation, and a subscription over graphql-ws; another origin is refused. Needs Debian's
 * chromium (`apt-get install chromium`); skipped with a message where it is absent.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available) console.warn(`clients-browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
const describeBrowser = available ? describe : describe.skip;

describeBrowser('a browser page on another origin', () => {
  let env: TestServer;
  let browser: BrowserContext;
  let page: http.Server;
  let pageOrigin: string;
  let profile: string;

  beforeAll(async () => {
    page = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>front end</title><p>omni360 front end</p>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://localhost:${(page.address() as { port: number }).port}`;
    env = await startTestServer({ env: { OMNI360_CORS_ORIGINS: pageOrigin } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-chromium-'));
    // A fresh profile (playwright passes it as --user-data-dir) and no background traffic.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.stop();
    await new Promise((resolve) => page?.close(resolve));
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('runs a query, a mutation and a subscription from its own origin', async () => {
    const tab = await browser.newPage();
    await tab.goto(pageOrigin);
    const email = `${unique('browser')}@example.com`;
    const outcome = await tab.evaluate(
      async ({ url, wsUrl, token, email }) => {
        const post = async <T>(query: string, variables: Record<string, unknown> = {}) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query, variables }),
          });
          return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as { data?: T } };
        };
        const query = await post<{ viewer: { role: string } }>('{ viewer { role } }');
        const mutation = await post<{ identifyCustomer: { created: boolean; customer: { id: string } } }>(
          'mutation($e: String!) { identifyCustomer(input: { identities: [{ type: EMAIL, value: $e }], channel: WEB }) { created customer { id } } }',
          { e: email },
        );
        const customerId = mutation.body.data!.identifyCustomer.customer.id;
        // graphql-transport-ws by hand: the page has no bundler, and the protocol is small.
        const event = await new Promise((resolve, reject) => {
          const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
          const timer = setTimeout(() => reject(new Error('no event in 10 s')), 10_000);
          socket.onerror = () => reject(new Error('socket error'));
          socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
          socket.onmessage = async (message) => {
            const data = JSON.parse(message.data);
            if (data.type === 'connection_ack') {
              socket.send(
                JSON.stringify({
                  id: '1',
                  type: 'subscribe',
                  payload: {
                    query: 'subscription($c: ID!) { interactionAdded(filter: { customerId: $c }) { interaction { body channel } } }',
                    variables: { c: customerId },
                  },
                }),
              );
              await new Promise((done) => setTimeout(done, 500));
              const recorded = await post<{ recordInteraction: { created: boolean } }>(
                'mutation($c: ID!, $x: String!) { recordInteraction(input: { source: "browser", externalId: $x, channel: CHAT, direction: INBOUND, customer: { id: $c }, body: "from the browser" }) { created } }',
                { c: customerId, x: email },
              );
              if (!recorded.body.data?.recordInteraction.created) reject(new Error(JSON.stringify(recorded.body)));
            }
            if (data.type === 'next') {
              clearTimeout(timer);
              socket.close(1000);
              resolve(data.payload.data.interactionAdded.interaction);
            }
          };
        });
        return { query, created: mutation.body.data!.identifyCustomer.created, event };
      },
      { url: env.url, wsUrl: env.wsUrl, token: TOKENS.AGENT, email },
    );
    expect(outcome.query.status).toBe(200);
    expect(outcome.query.body).toEqual({ data: { viewer: { role: 'AGENT' } } });
    expect(outcome.query.requestId).toMatch(/^[0-9a-f-]{36}$/); // exposed to the page
    expect(outcome.created).toBe(true);
    expect(outcome.event).toEqual({ body: 'from the browser', channel: 'CHAT' });
    await tab.close();
  }, 60_000);

  it('is refused from an origin that is not listed, over HTTP and WebSocket', async () => {
    const other = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_CORS_ORIGINS: 'https://app.example.com' } });
    const tab = await browser.newPage();
    try {
      await tab.goto(pageOrigin);
      const outcome = await tab.evaluate(
        async ({ url, wsUrl, token }) => {
          const http = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: '{"query":"{ __typename }"}',
          }).then(
            () => 'answered',
            (error) => `refused: ${error.name}`,
          );
          const ws = await new Promise((resolve) => {
            const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
            socket.onopen = () => resolve('open');
            socket.onclose = (event) => resolve(`closed: ${event.code}`);
          });
          return { http, ws };
        },
        { url: other.url, wsUrl: other.wsUrl, token: TOKENS.AGENT },
      );
      expect(outcome).toEqual({ http: 'refused: TypeError', ws: 'closed: 1006' });
    } finally {
      await tab.close();
      await other.stop();
    }
  }, 60_000);
});
