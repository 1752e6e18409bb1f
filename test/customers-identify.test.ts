import { CustomerDocument, IdentifyCustomerDocument } from './generated/graphql';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

describe('identifyCustomer', () => {
  it('creates a customer from normalised identities and finds it again by any of them', async () => {
    const local = unique('jan.');
    const first = await env.ok(IdentifyCustomerDocument, {
      input: {
        identities: [{ type: 'EMAIL', value: `  ${local.toUpperCase()}@Example.COM ` }, { type: 'PHONE', value: '601 234 567' }],
        profile: { firstName: 'Jan', lastName: 'Kowalski' },
        channel: 'WEB',
      },
    }, TOKENS.AGENT);
    expect(first.identifyCustomer.userErrors).toEqual([]);
    expect(first.identifyCustomer.created).toBe(true);
    const customer = first.identifyCustomer.customer!;
    expect(customer.email).toBe(`${local}@example.com`);
    expect(customer.phone).toBe('+48601234567');
    expect(customer.identities.map((identity) => identity.firstSeenChannel)).toEqual(['WEB', 'WEB']);

    const again = await env.ok(IdentifyCustomerDocument, {
      input: { identities: [{ type: 'PHONE', value: '+48 601-234-567' }, { type: 'LOYALTY_CARD', value: ` ${local}-card ` }], channel: 'STORE' },
    }, TOKENS.AGENT);
    expect(again.identifyCustomer.created).toBe(false);
    expect(again.identifyCustomer.customer!.id).toBe(customer.id);
    const loyalty = again.identifyCustomer.customer!.identities.find((identity) => identity.type === 'LOYALTY_CARD');
    expect(loyalty).toMatchObject({ value: `${local}-card`, firstSeenChannel: 'STORE' });
  });

  it('answers CONFLICT naming both customers when identities belong to two of them', async () => {
    const a = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@a.com` }] } });
    const b = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@b.com` }] } });
    const both = await env.ok(IdentifyCustomerDocument, {
      input: { identities: [{ type: 'EMAIL', value: a.identifyCustomer.customer!.email! }, { type: 'EMAIL', value: b.identifyCustomer.customer!.email! }] },
    });
    expect(both.identifyCustomer.customer).toBeNull();
    expect(both.identifyCustomer.userErrors).toHaveLength(1);
    expect(both.identifyCustomer.userErrors[0].code).toBe('CONFLICT');
    expect(both.identifyCustomer.userErrors[0].message).toContain(a.identifyCustomer.customer!.id);
    expect(both.identifyCustomer.userErrors[0].message).toContain(b.identifyCustomer.customer!.id);
  });

  it('creates exactly one customer from twenty concurrent calls with the same new e-mail', async () => {
    const email = `${unique('race')}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: email }] } }, TOKENS.INGEST)),
    );
    const ids = new Set(results.map((result) => result.identifyCustomer.customer!.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.identifyCustomer.created)).toHaveLength(1);
    const read = await env.ok(CustomerDocument, { id: [...ids][0] });
    expect(read.customer!.email).toBe(email);
  });

  it.each([
    [{ type: 'EMAIL', value: 'not-an-email' }, ['input', 'identities', '0', 'value']],
    [{ type: 'PHONE', value: '12' }, ['input', 'identities', '0', 'value']],
    [{ type: 'SOCIAL', value: '@jan' }, ['input', 'identities', '0', 'system']],
  ] as const)('rejects %o with INVALID_VALUE at the field', async (identity, field) => {
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [identity] } });
    expect(res.identifyCustomer.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field })]);
  });

  it('refuses anonymous requests with UNAUTHENTICATED and unknown keys likewise', async () => {
    for (const token of [null, 'not-a-key']) {
      const res = await env.gql(CustomerDocument, { id: 'cus_x' }, token);
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
