import { IdentifyCustomerDocument } from './generated/graphql';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

async function newCustomer(): Promise<string> {
  const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: `${unique()}@payloads.example` }] } });
  return res.identifyCustomer.customer!.id;
}

describe('mutation payloads carry what they changed', () => {
  it('recordConsent returns the recorded consent, which is the current state', async () => {
    const customerId = await newCustomer();
    const res = await env.ok(`mutation($input: RecordConsentInput!) {
      recordConsent(input: $input) { consent { purpose channel granted source updatedAt } customer { consents { purpose channel granted } } userErrors { code } } }`,
    { input: { customerId, purpose: 'MARKETING', channel: 'SMS', granted: true, source: 'STORE' } }, TOKENS.AGENT) as {
      recordConsent: { consent: { purpose: string; channel: string; granted: boolean; source: string; updatedAt: string }; customer: { consents: unknown[] }; userErrors: unknown[] };
    };
    expect(res.recordConsent.userErrors).toEqual([]);
    expect(res.recordConsent.consent).toMatchObject({ purpose: 'MARKETING', channel: 'SMS', granted: true, source: 'STORE' });
    expect(Date.parse(res.recordConsent.consent.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.recordConsent.customer.consents).toEqual([{ purpose: 'MARKETING', channel: 'SMS', granted: true }]);
  });

  it('addIdentity returns the identity as stored (normalised)', async () => {
    const customerId = await newCustomer();
    const res = await env.ok(`mutation($input: AddIdentityInput!) {
      addIdentity(input: $input) { identity { type value firstSeenChannel } userErrors { code } } }`,
    { input: { customerId, identity: { type: 'PHONE', value: '601 999 123' }, channel: 'PHONE' } }, TOKENS.AGENT) as {
      addIdentity: { identity: { type: string; value: string; firstSeenChannel: string }; userErrors: unknown[] };
    };
    expect(res.addIdentity).toEqual({ identity: { type: 'PHONE', value: '+48601999123', firstSeenChannel: 'PHONE' }, userErrors: [] });
    const failed = await env.ok(`mutation($input: AddIdentityInput!) { addIdentity(input: $input) { identity { value } userErrors { code } } }`,
      { input: { customerId: 'cus_00000000000000000000000000', identity: { type: 'EMAIL', value: `${unique()}@x.example` } } }) as {
      addIdentity: { identity: unknown; userErrors: { code: string }[] };
    };
    expect(failed.addIdentity).toEqual({ identity: null, userErrors: [{ code: 'NOT_FOUND' }] });
  });
});

describe('NUL characters (PostgreSQL text cannot hold them)', () => {
  it('are an INVALID_VALUE at the field in names, identities and merge reasons, and a BAD_USER_INPUT in search', async () => {
    const profile = await env.ok(IdentifyCustomerDocument, {
      input: { identities: [{ type: 'EMAIL', value: `${unique()}@nul.example` }], profile: { firstName: 'A\u0000na' } },
    });
    expect(profile.identifyCustomer.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'profile', 'firstName'] })]);
    const identity = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'LOYALTY_CARD', value: 'PL-\u00001' }] } });
    expect(identity.identifyCustomer.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'identities', '0', 'value'] })]);
    const [a, b] = [await newCustomer(), await newCustomer()];
    const merge = await env.ok(`mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } userErrors { code field } } }`,
      { input: { survivorId: a, mergedId: b, reason: 'same\u0000person' } }) as { mergeCustomers: { merge: unknown; userErrors: unknown[] } };
    expect(merge.mergeCustomers).toEqual({ merge: null, userErrors: [{ code: 'INVALID_VALUE', field: ['input', 'reason'] }] });
    const search = await env.gql(`query($s: String) { customers(search: $s) { totalCount } }`, { s: 'ko\u0000wal' });
    expect(search.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
