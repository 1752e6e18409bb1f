import { CustomerByIdentityDocument, CustomerDocument, MergeCustomersDocument, NodeCustomerDocument, ViewerDocument } from './generated/graphql';
import { createPerson, person } from './support/customers';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * INGEST tokens (store systems, web shop back ends) write customers and read back only what they wrote:
 * another writer's customer is FORBIDDEN, an unknown one is null.
 */

const SHOP = 'test-ingest-shop-secret-0000';
const POS = 'test-ingest-pos-secret-00000';

let env: TestServer;
beforeAll(async () => {
  const keys = [
    ...Object.entries(TOKENS).map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`),
    `INGEST:web-shop:${SHOP}`,
    `INGEST:store-pos:${POS}`,
  ];
  env = await startTestServer({ env: { OMNI360_API_KEYS: keys.join(',') } });
});
afterAll(() => env.stop());

function codes(res: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] {
  return (res.errors ?? []).map((error) => error.extensions?.code);
}

describe('INGEST reads back only the customers it created', () => {
  it('knows which writer it is', async () => {
    expect((await env.ok(ViewerDocument, {}, SHOP)).viewer).toEqual({ role: 'INGEST', name: 'web-shop', piiMasked: false });
  });

  it('reads its own customer by id and by identity, in clear', async () => {
    const p = person();
    const mine = await createPerson(env, p, SHOP);
    expect((await env.ok(CustomerDocument, { id: mine.id }, SHOP)).customer).toMatchObject({ id: mine.id, email: p.email, lastName: p.lastName });
    expect((await env.ok(CustomerByIdentityDocument, { identity: { type: 'PHONE', value: p.phone } }, SHOP)).customerByIdentity?.id).toBe(mine.id);
  });

  it.each([
    ['an AGENT', TOKENS.AGENT],
    ['another INGEST key', POS],
  ])('gets FORBIDDEN for a customer created by %s by id, and null by identity (as for nobody: no oracle of who exists)', async (_name, writer) => {
    const p = person();
    const theirs = await createPerson(env, p, writer);
    const byId = await env.gql(CustomerDocument, { id: theirs.id }, SHOP);
    expect(codes(byId)).toEqual(['FORBIDDEN']);
    expect(byId.data?.customer).toBeNull();
    const byIdentity = await env.gql(CustomerByIdentityDocument, { identity: { type: 'EMAIL', value: p.email } }, SHOP);
    expect(codes(byIdentity)).toEqual([]);
    expect(byIdentity.data?.customerByIdentity).toBeNull();
    // The writer itself still reads it.
    expect((await env.ok(CustomerDocument, { id: theirs.id }, writer)).customer?.id).toBe(theirs.id);
  });

  it('gets null, not FORBIDDEN, for ids and identities that name nobody', async () => {
    expect((await env.ok(CustomerDocument, { id: 'cus_00000000000000000000000000' }, SHOP)).customer).toBeNull();
    expect((await env.ok(CustomerByIdentityDocument, { identity: { type: 'EMAIL', value: 'nobody-ingest@example.com' } }, SHOP)).customerByIdentity).toBeNull();
  });

  it('follows a merge: its customer merged into an AGENT-created one is no longer its to read', async () => {
    const mine = await createPerson(env, person(), SHOP);
    const agents = await createPerson(env, person(), TOKENS.AGENT);
    await env.ok(MergeCustomersDocument, { input: { survivorId: agents.id, mergedId: mine.id } }, TOKENS.AGENT);
    expect(codes(await env.gql(CustomerDocument, { id: mine.id }, SHOP))).toEqual(['FORBIDDEN']);
  });

  it('may not use node(id) or list customers at all', async () => {
    const mine = await createPerson(env, person(), SHOP);
    expect(codes(await env.gql(NodeCustomerDocument, { id: mine.id }, SHOP))).toEqual(['FORBIDDEN']);
    expect(codes(await env.gql('{ customers(first: 1) { totalCount } }', undefined, SHOP))).toEqual(['FORBIDDEN']);
  });
});
