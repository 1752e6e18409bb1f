import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * Trusted documents: with OMNI360_TRUSTED_DOCUMENTS, PARTNER and ANALYST tokens (the default of
 * OMNI360_TRUSTED_DOCUMENTS_ROLES) may run only documents of the manifest, sent as full text or as an
 * Apollo persisted-query hash; other roles are unaffected. The same on HTTP and graphql-ws.
 */

const VIEWER = 'query Viewer { viewer { role name } }';
// interactionAdded: a subscription PARTNER may run (stockChanged is internal under the role policy).
const CONTACTS = 'subscription Contacts { interactionAdded { eventId cursor } }';
const UNLISTED = '{ viewer { role } }';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let env: TestServer;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-trusted-'));
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ [sha(VIEWER)]: VIEWER, [sha(CONTACTS)]: CONTACTS }));
  env = await startTestServer({ env: { OMNI360_TRUSTED_DOCUMENTS: manifest, OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(async () => {
  await env.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Body {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(token: string, body: Record<string, unknown>): Promise<{ status: number; body: Body }> {
  const res = await request(env.server.httpServer).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${token}`).send(body);
  return { status: res.status, body: res.body as Body };
}

const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha(text) } });
const codes = (body: Body) => body.errors?.map((error) => error.extensions?.code);

describe('trusted documents over HTTP', () => {
  it.each(['PARTNER', 'ANALYST'] as const)('runs a listed document for %s, sent as full text or as a hash', async (role) => {
    const expected = { data: { viewer: { role, name: `${role.toLowerCase()}-key` } } };
    expect((await post(TOKENS[role], { query: VIEWER })).body).toEqual(expected);
    expect((await post(TOKENS[role], { extensions: persisted(VIEWER) })).body).toEqual(expected);
    expect((await post(TOKENS[role], { query: VIEWER, extensions: persisted(VIEWER) })).body).toEqual(expected);
  });

  it.each(['PARTNER', 'ANALYST'] as const)('refuses any other document for %s with TRUSTED_DOCUMENT_REQUIRED', async (role) => {
    const res = await post(TOKENS[role], { query: UNLISTED });
    expect(res.status).toBe(403);
    expect(codes(res.body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(res.body.data).toBeUndefined();
    // A listed document with a single character changed is another document.
    expect(codes((await post(TOKENS[role], { query: `${VIEWER} ` })).body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    // A listed hash does not vouch for a different text.
    expect(codes((await post(TOKENS[role], { query: UNLISTED, extensions: persisted(VIEWER) })).body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await post(TOKENS.PARTNER, { extensions: persisted(UNLISTED) });
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    // ... and the usual retry with the text does not register it for a restricted role.
    expect(codes((await post(TOKENS.PARTNER, { query: UNLISTED, extensions: persisted(UNLISTED) })).body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(codes((await post(TOKENS.PARTNER, { extensions: persisted(UNLISTED) })).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    // Nor can an unrestricted role register it for them through Apollo's persisted-query cache.
    expect((await post(TOKENS.ADMIN, { query: UNLISTED, extensions: persisted(UNLISTED) })).body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect((await post(TOKENS.ADMIN, { extensions: persisted(UNLISTED) })).body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect(codes((await post(TOKENS.PARTNER, { extensions: persisted(UNLISTED) })).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('applies to GET requests too', async () => {
    const get = (token: string, params: Record<string, string>) => request(env.server.httpServer).get('/graphql').query(params)
      .set('authorization', `Bearer ${token}`).set('apollo-require-preflight', 'true').set('accept', 'application/json');
    const hashed = await get(TOKENS.PARTNER, { extensions: JSON.stringify(persisted(VIEWER)) });
    expect(hashed.body).toEqual({ data: { viewer: { role: 'PARTNER', name: 'partner-key' } } });
    const unlisted = await get(TOKENS.PARTNER, { query: UNLISTED });
    expect(unlisted.status).toBe(403);
    expect(codes(unlisted.body as Body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it.each(['ADMIN', 'AGENT', 'INGEST'] as const)('leaves %s unaffected, and lets it use the manifest\'s hashes', async (role) => {
    expect((await post(TOKENS[role], { query: UNLISTED })).body).toEqual({ data: { viewer: { role } } });
    expect((await post(TOKENS[role], { extensions: persisted(VIEWER) })).body).toEqual({ data: { viewer: { role, name: `${role.toLowerCase()}-key` } } });
  });

  it('still refuses an unauthenticated request first', async () => {
    const res = await request(env.server.httpServer).post('/graphql').set('content-type', 'application/json').send({ query: UNLISTED });
    expect(codes(res.body as Body)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('trusted documents over graphql-ws', () => {
  /** Sends one subscribe message; resolves with the first result or the error it ended with. */
  function run(token: string, payload: { query: string; extensions?: Record<string, unknown> }): Promise<Body> {
    const client = env.ws(token);
    return new Promise((resolve) => {
      client.subscribe(payload, {
        next: (result) => resolve(result as Body),
        error: (error) => resolve({ errors: error as Body['errors'] }),
        complete: () => undefined,
      });
    });
  }

  it('runs listed documents for PARTNER, as text or as a hash with an empty text', async () => {
    const expected = { data: { viewer: { role: 'PARTNER', name: 'partner-key' } } };
    expect(await run(TOKENS.PARTNER, { query: VIEWER })).toEqual(expected);
    expect(await run(TOKENS.PARTNER, { query: '', extensions: persisted(VIEWER) })).toEqual(expected);
  });

  it('refuses other documents for ANALYST and PARTNER, and unknown hashes', async () => {
    expect(codes(await run(TOKENS.ANALYST, { query: UNLISTED }))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(codes(await run(TOKENS.PARTNER, { query: 'subscription { stockChanged { eventId } }' }))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(codes(await run(TOKENS.PARTNER, { query: '', extensions: persisted(UNLISTED) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('opens a listed subscription for PARTNER by its hash', async () => {
    const before = env.server.app.events.stats().opened;
    const client = env.ws(TOKENS.PARTNER);
    const errors: unknown[] = [];
    const dispose = client.subscribe({ query: '', extensions: persisted(CONTACTS) }, { next: () => undefined, error: (error) => errors.push(error), complete: () => undefined });
    const deadline = Date.now() + 10_000;
    while (env.server.app.events.stats().opened === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(env.server.app.events.stats().opened).toBe(before + 1);
    expect(errors).toEqual([]);
    dispose();
  });

  it('leaves AGENT unaffected', async () => {
    expect(await run(TOKENS.AGENT, { query: UNLISTED })).toEqual({ data: { viewer: { role: 'AGENT' } } });
    expect(await run(TOKENS.AGENT, { query: '', extensions: persisted(VIEWER) })).toEqual({ data: { viewer: { role: 'AGENT', name: 'agent-key' } } });
  });
});
