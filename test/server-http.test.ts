import request from 'supertest';
import { startTestServer, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('health endpoints', () => {
  it('answers /healthz while the process is up, without a token', async () => {
    const res = await request(env.server.httpServer).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz when the database answers, without a token', async () => {
    const res = await request(env.server.httpServer).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });
});

describe('GraphiQL', () => {
  let page: request.Response;

  beforeAll(async () => {
    page = await request(env.server.httpServer).get('/graphql').set('accept', BROWSER_ACCEPT);
  });

  it('is served at GET /graphql to browsers, as text/html, without a token', () => {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<div id="graphiql">');
  });

  it('references no external http(s) URL and keeps to its own origin by CSP', () => {
    expect(page.text).not.toMatch(/https?:\/\//i);
    expect(page.text).not.toMatch(/(src|href)=["']\/\//i);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/connect-src[^;]*ws:/);
  });

  it('serves every script and stylesheet it references itself, with 200 and the right type', async () => {
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    const names = assets.map((asset) => asset.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['graphiql.css', 'react.js', 'react-dom.js', 'graphql-ws.js', 'graphiql.js']));
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      const res = await request(env.server.httpServer).get(asset).buffer(true).parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.headers['content-type']).toMatch(asset.endsWith('.css') ? /^text\/css/ : /javascript/);
      expect((res.body as Buffer).length).toBeGreaterThan(5_000);
    }
  });

  it('ships the globals the page uses: React, ReactDOM, GraphiQL.createFetcher and the graphql-ws client', async () => {
    const body = async (name: string) => (await request(env.server.httpServer).get(`/graphiql-assets/${name}`)).text;
    expect(page.text).toContain('graphqlWs.createClient');
    expect(page.text).toContain('GraphiQL.createFetcher');
    expect(await body('graphql-ws.js')).toContain('graphqlWs');
    expect(await body('graphiql.js')).toContain('createFetcher');
    expect(await body('react.js')).toMatch(/React/);
    expect(await body('react-dom.js')).toMatch(/createRoot/);
  });

  it('makes the Authorization header easy to set, for HTTP and for subscriptions', () => {
    expect(page.text).toContain('isHeadersEditorEnabled: true');
    expect(page.text).toContain('Authorization');
    // The key printed at first start arrives in the URL fragment and lands in the Headers tab.
    expect(page.text).toContain('#&]token=');
    // The WebSocket client sends the same header as connectionParams.authorization.
    expect(page.text).toMatch(/connectionParams[^]*authorization/);
  });

  it('answers 404 for an asset it does not have', async () => {
    expect((await request(env.server.httpServer).get('/graphiql-assets/evil.js')).status).toBe(404);
    expect((await request(env.server.httpServer).get('/graphiql-assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('leaves GET /graphql to GraphQL for clients asking JSON', async () => {
    const res = await request(env.server.httpServer).get('/graphql').set('accept', 'application/json');
    expect(res.headers['content-type']).not.toMatch(/text\/html/);
  });
});

describe('GraphiQL off', () => {
  it('is not served when OMNI360_GRAPHIQL=false', async () => {
    const off = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_GRAPHIQL: 'false' } });
    try {
      const res = await request(off.server.httpServer).get('/graphql').set('accept', BROWSER_ACCEPT);
      expect(res.text).not.toContain('<div id="graphiql">');
      expect((await request(off.server.httpServer).get('/graphiql-assets/graphiql.js')).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
