import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import request from 'supertest';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/** Bearer tokens: API keys, HS256 JWTs (OMNI360_JWT_SECRET) and JWKS-verified JWTs (OMNI360_JWKS_URL). */

const SECRET = 'a-test-jwt-secret-of-at-least-32-characters';
const VIEWER = '{ viewer { role name piiMasked } }';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_JWT_SECRET: SECRET } });
});
afterAll(() => env.stop());

function hs256(claims: Record<string, unknown>, secret = SECRET, expiresIn: string | number = '5m'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}

function codeOf(res: { errors?: { extensions?: Record<string, unknown> }[] }): unknown {
  return res.errors?.map((error) => error.extensions?.code).join(',');
}

describe('API keys', () => {
  it('accept the Bearer scheme in any case', async () => {
    const res = await env.gql(VIEWER, undefined, null);
    expect(res.status).toBe(401);
    const lower = await request(env.server.httpServer).post('/graphql').set('content-type', 'application/json')
      .set('authorization', `bearer ${TOKENS.AGENT}`).send({ query: VIEWER });
    expect(lower.body.data.viewer.role).toBe('AGENT');
    const basic = await request(env.server.httpServer).post('/graphql').set('content-type', 'application/json')
      .set('authorization', `Basic ${TOKENS.AGENT}`).send({ query: VIEWER });
    expect(basic.status).toBe(401);
    expect(basic.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['a prefix of a real key', TOKENS.ADMIN.slice(0, -1)],
    ['a real key with a suffix', `${TOKENS.ADMIN}x`],
    ['another case', TOKENS.ADMIN.toUpperCase()],
  ])('refuse %s with UNAUTHENTICATED', async (_name, token) => {
    const res = await env.gql(VIEWER, undefined, token);
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});

describe('HS256 JWTs', () => {
  it.each(['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'] as const)('take the role from the role claim (%s) and the name from sub', async (role) => {
    const token = await hs256({ role, sub: `user-${role.toLowerCase()}` });
    const data = await env.ok(VIEWER, undefined, token);
    expect(data).toEqual({ viewer: { role, name: `user-${role.toLowerCase()}`, piiMasked: role === 'ANALYST' || role === 'PARTNER' } });
  });

  it('apply the role: a PARTNER JWT is FORBIDDEN from the GDPR export', async () => {
    const res = await env.gql('{ customerDataExport(customerId: "cus_00000000000000000000000000") }', undefined, await hs256({ role: 'PARTNER', sub: 'p' }));
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('authenticate graphql-ws connections through connectionParams.authorization', async () => {
    const client = env.ws(await hs256({ role: 'ANALYST', sub: 'ws-user' }));
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: VIEWER }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { viewer: { role: 'ANALYST', name: 'ws-user', piiMasked: true } } });
  });

  it.each([
    ['a bad signature', () => hs256({ role: 'ADMIN', sub: 'x' }, 'another-secret-that-is-also-32-characters-long')],
    ['a tampered payload', async () => {
      const [header, , signature] = (await hs256({ role: 'PARTNER', sub: 'x' })).split('.');
      return `${header}.${Buffer.from(JSON.stringify({ role: 'ADMIN', sub: 'x' })).toString('base64url')}.${signature}`;
    }],
    ['an expired token', () => hs256({ role: 'ADMIN', sub: 'x' }, SECRET, Math.floor(Date.now() / 1000) - 60)],
    ['no role claim', () => hs256({ sub: 'x' })],
    ['an unknown role', () => hs256({ role: 'ROOT', sub: 'x' })],
    ['alg none', async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'ADMIN' })).toString('base64url')}.`],
  ])('refuse %s with UNAUTHENTICATED (HTTP 401)', async (_name, make) => {
    const res = await env.gql(VIEWER, undefined, await make());
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(res.data ?? null).toBeNull();
  });

  it('refuse a bad signature on graphql-ws with close code 4403', async () => {
    const client = env.ws(await hs256({ role: 'ADMIN', sub: 'x' }, 'another-secret-that-is-also-32-characters-long'));
    const error = await new Promise((resolve) => {
      client.subscribe({ query: VIEWER }, { next: () => resolve('unexpected result'), error: resolve, complete: () => undefined });
    });
    expect((error as { code?: number }).code).toBe(4403);
  });

  it('still accept API keys alongside', async () => {
    expect(((await env.ok(VIEWER, undefined, TOKENS.INGEST)) as { viewer: unknown }).viewer).toMatchObject({ role: 'INGEST', name: 'ingest-key' });
  });
});

describe('JWKS-verified JWTs', () => {
  let jwks: http.Server;
  let jwksEnv: TestServer;
  let privateKey: KeyLike;
  let otherKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    jwksEnv = await startTestServer({ databaseUrl: env.databaseUrl, env: { OMNI360_JWKS_URL: url } });
  });
  afterAll(async () => {
    await jwksEnv.stop();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const rs256 = (key: KeyLike, claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuedAt().setExpirationTime('5m').sign(key);

  it('accepts a token signed by a key of the set, with its role claim', async () => {
    const data = (await jwksEnv.ok(VIEWER, undefined, await rs256(privateKey, { role: 'AGENT', sub: 'sso-user' }))) as { viewer: unknown };
    expect(data.viewer).toEqual({ role: 'AGENT', name: 'sso-user', piiMasked: false });
  });

  it('refuses a token signed by a key outside the set', async () => {
    const res = await jwksEnv.gql(VIEWER, undefined, await rs256(otherKey, { role: 'ADMIN', sub: 'x' }));
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});

