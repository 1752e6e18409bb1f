import { SignJWT } from 'jose';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';
import { waitUntil } from './support/interactions';

/**
 * Issue 13 class 7: a token's authority ends when the token does, also on an open WebSocket; tokens
 * without `exp` have a maximum lifetime; JWT subjects and API-key names are different writers.
 */

const SECRET = 'a-test-jwt-secret-of-at-least-32-characters';
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_JWT_SECRET: SECRET, OMNI360_JWT_MAX_LIFETIME_SECONDS: '600', OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(() => env.stop());

function sign(claims: Record<string, unknown>, options: { expiresIn?: string | number; issuedAt?: number | null } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (options.issuedAt !== null) jwt = jwt.setIssuedAt(options.issuedAt);
  if (options.expiresIn !== undefined) jwt = jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

const VIEWER = '{ viewer { role name } }';

describe('a JWT that expires on an open WebSocket', () => {
  it('closes the socket with 4403 at exp, ending its live subscription, and refuses what comes after', async () => {
    const token = await sign({ role: 'ADMIN', sub: 'short-lived' }, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    let closeCode: number | undefined;
    const client = env.ws(token, {
      on: {
        closed: (event) => {
          closeCode = (event as { code: number }).code;
        },
      },
    });
    const ended: unknown[] = [];
    client.subscribe(
      { query: 'subscription { interactionAdded { eventId } }' },
      {
        next: () => undefined,
        error: (error) => ended.push(error),
        complete: () => ended.push('complete'),
      },
    );
    // The token works while it is valid.
    const before = await new Promise((resolve, reject) => {
      client.subscribe({ query: VIEWER }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(before).toEqual({ data: { viewer: { role: 'ADMIN', name: 'short-lived' } } });
    expect(closeCode).toBeUndefined();

    await waitUntil(() => closeCode !== undefined, 6_000, 'the socket to close at exp');
    expect(closeCode).toBe(4403);
    expect(ended).toHaveLength(1);
    // The same token on a new socket is refused at connection.
    let refusedWith: number | undefined;
    const again = env.ws(token, {
      on: {
        closed: (event) => {
          refusedWith = (event as { code: number }).code;
        },
      },
    });
    await new Promise((resolve) => {
      again.subscribe({ query: VIEWER }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
    });
    expect(refusedWith).toBe(4403);
  }, 20_000);

  it("keeps an API key's socket open (API keys do not expire)", async () => {
    const client = env.ws(TOKENS.AGENT);
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: VIEWER }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { viewer: { role: 'AGENT', name: 'agent-key' } } });
  });
});

describe('JWTs without exp (OMNI360_JWT_MAX_LIFETIME_SECONDS=600)', () => {
  it('accepts one issued within the lifetime, refuses one issued before it and one without iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = await env.gql(VIEWER, undefined, await sign({ role: 'AGENT', sub: 'fresh' }, { issuedAt: now - 60 }));
    expect(fresh.data).toEqual({ viewer: { role: 'AGENT', name: 'fresh' } });
    for (const token of [
      await sign({ role: 'AGENT', sub: 'old' }, { issuedAt: now - 601 }),
      await sign({ role: 'AGENT', sub: 'ageless' }, { issuedAt: null }),
    ]) {
      const res = await env.gql(VIEWER, undefined, token);
      expect(res.status).toBe(401);
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe("writer identity: a JWT whose subject is an API key's name is another writer", () => {
  it('does not let an INGEST JWT with sub "ingest-key" read what the INGEST API key wrote, nor the reverse', async () => {
    const byKey = await env.ok<{ identifyCustomer: { customer: { id: string } } }, unknown>(
      'mutation I($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } } }',
      { input: { identities: [{ type: 'EMAIL', value: `${unique('w')}@example.com` }] } },
      TOKENS.INGEST,
    );
    const jwt = await sign({ role: 'INGEST', sub: 'ingest-key' }, { expiresIn: '5m' });
    const read = (id: string, token: string) => env.gql('query C($id: ID!) { customer(id: $id) { id } }', { id }, token);

    expect((await read(byKey.identifyCustomer.customer.id, TOKENS.INGEST)).data).toEqual({ customer: { id: byKey.identifyCustomer.customer.id } });
    expect((await read(byKey.identifyCustomer.customer.id, jwt)).errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    const byJwt = await env.ok<{ identifyCustomer: { customer: { id: string } } }, unknown>(
      'mutation I($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } } }',
      { input: { identities: [{ type: 'EMAIL', value: `${unique('j')}@example.com` }] } },
      jwt,
    );
    expect((await read(byJwt.identifyCustomer.customer.id, jwt)).data).toEqual({ customer: { id: byJwt.identifyCustomer.customer.id } });
    expect((await read(byJwt.identifyCustomer.customer.id, TOKENS.INGEST)).errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
