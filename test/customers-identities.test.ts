import {
  AddIdentityDocument, CustomerByIdentityDocument, CustomerDocument, CustomersDocument, IdentifyCustomerDocument, type IdentityInput,
} from './generated/graphql';
import { createPerson, identify, person, type Person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
let p: Person;
let customerId: string;
let loyalty: string;
let handle: string;
let crmKey: string;

beforeAll(async () => {
  env = await startTestServer();
  p = person();
  loyalty = unique('PL-');
  handle = unique('jan.k');
  crmKey = unique('CRM-');
  customerId = (await identify(env, {
    identities: [
      { type: 'EMAIL', value: p.email },
      { type: 'PHONE', value: p.phone },
      { type: 'LOYALTY_CARD', value: loyalty },
      { type: 'SOCIAL', value: handle, system: 'instagram' },
      { type: 'EXTERNAL', value: crmKey, system: 'legacy-crm' },
    ],
    profile: { firstName: p.firstName, lastName: p.lastName },
  })).id;
});
afterAll(() => env.stop());

async function byIdentity(identity: IdentityInput, token: string = TOKENS.AGENT): Promise<string | null> {
  const res = await env.ok(CustomerByIdentityDocument, { identity }, token);
  return res.customerByIdentity?.id ?? null;
}

describe('customerByIdentity', () => {
  it.each([
    ['e-mail with spaces and capitals', () => ({ type: 'EMAIL', value: `  ${p.email.toUpperCase()} ` })],
    ['phone in national format', () => ({ type: 'PHONE', value: p.phone })],
    ['phone with spaces', () => ({ type: 'PHONE', value: `${p.phone.slice(0, 3)} ${p.phone.slice(3, 6)} ${p.phone.slice(6)}` })],
    ['phone in E.164', () => ({ type: 'PHONE', value: `+48${p.phone}` })],
    ['phone with dashes and country code', () => ({ type: 'PHONE', value: `+48 ${p.phone.slice(0, 3)}-${p.phone.slice(3, 6)}-${p.phone.slice(6)}` })],
    ['phone with the 0048 prefix', () => ({ type: 'PHONE', value: `0048${p.phone}` })],
    ['loyalty card with surrounding spaces', () => ({ type: 'LOYALTY_CARD', value: `  ${loyalty}\t` })],
    ['social handle with the system in capitals', () => ({ type: 'SOCIAL', value: handle, system: ' Instagram ' })],
    ['external key', () => ({ type: 'EXTERNAL', value: ` ${crmKey} `, system: 'LEGACY-CRM' })],
  ] as const)('finds the customer by %s', async (_name, identity) => {
    expect(await byIdentity(identity() as IdentityInput)).toBe(customerId);
  });

  it.each([
    ['an unknown e-mail', { type: 'EMAIL', value: `${'nobody'}-${Date.now()}@example.com` }],
    ['the handle under another system', { type: 'SOCIAL', value: 'x', system: 'facebook' }],
    ['a malformed e-mail', { type: 'EMAIL', value: 'not-an-email' }],
    ['a value that is not a phone', { type: 'PHONE', value: 'abc' }],
    ['a social handle without system', { type: 'SOCIAL', value: 'someone' }],
    ['a loyalty value that only differs in case', { type: 'LOYALTY_CARD', value: 'pl-nothing' }],
  ] as const)('answers null for %s', async (_name, identity) => {
    const res = await env.gql(CustomerByIdentityDocument, { identity: identity as IdentityInput });
    expect(res.errors).toBeUndefined();
    expect(res.data?.customerByIdentity).toBeNull();
  });

  it('keeps e-mail case-insensitive but loyalty numbers exact', async () => {
    expect(await byIdentity({ type: 'LOYALTY_CARD', value: loyalty.toLowerCase() })).toBeNull();
    expect(await byIdentity({ type: 'EMAIL', value: p.email.toUpperCase() })).toBe(customerId);
  });
});

describe('addIdentity', () => {
  it('attaches a normalised identity, remembers where it was first seen, and makes it searchable', async () => {
    const phone = `+48 ${person().phone}`;
    const res = await env.ok(AddIdentityDocument, { input: { customerId, identity: { type: 'PHONE', value: phone }, channel: 'PHONE' } }, TOKENS.AGENT);
    expect(res.addIdentity.userErrors).toEqual([]);
    const added = res.addIdentity.customer!.identities.find((identity) => identity.value === phone.replace(/\s/g, ''));
    expect(added).toMatchObject({ type: 'PHONE', firstSeenChannel: 'PHONE', verified: false, system: null });
    expect(await byIdentity({ type: 'PHONE', value: phone })).toBe(customerId);
    const search = await env.ok(CustomersDocument, { search: phone.slice(-7) });
    expect(search.customers.edges.map((edge) => edge.node.id)).toEqual([customerId]);
  });

  it('is a no-op for an identity the customer already owns (no duplicate, no error)', async () => {
    const before = (await env.ok(CustomerDocument, { id: customerId })).customer!.identities.length;
    const res = await env.ok(AddIdentityDocument, { input: { customerId, identity: { type: 'EMAIL', value: ` ${p.email.toUpperCase()}` } } });
    expect(res.addIdentity.userErrors).toEqual([]);
    expect(res.addIdentity.customer!.identities).toHaveLength(before);
  });

  it('answers CONFLICT naming the owner when another customer owns the identity, and changes nothing', async () => {
    const other = await createPerson(env);
    const res = await env.ok(AddIdentityDocument, { input: { customerId: other.id, identity: { type: 'LOYALTY_CARD', value: loyalty } } });
    expect(res.addIdentity.customer).toBeNull();
    expect(res.addIdentity.userErrors).toEqual([{ code: 'CONFLICT', field: ['input', 'identity', 'value'], message: expect.stringContaining(customerId) }]);
    expect(await byIdentity({ type: 'LOYALTY_CARD', value: loyalty })).toBe(customerId);
    expect((await env.ok(CustomerDocument, { id: other.id })).customer!.identities).toHaveLength(2);
  });

  it.each([
    ['an unknown customer id', 'cus_00000000000000000000000000', 'NOT_FOUND', ['input', 'customerId']],
    ['an id of another type', 'ord_00000000000000000000000000', 'NOT_FOUND', ['input', 'customerId']],
    ['garbage', 'hello', 'NOT_FOUND', ['input', 'customerId']],
  ])('answers %s with a coded user error', async (_name, id, code, field) => {
    const res = await env.ok(AddIdentityDocument, { input: { customerId: id, identity: { type: 'EMAIL', value: `${unique()}@example.com` } } });
    expect(res.addIdentity).toEqual({ customer: null, userErrors: [{ code, field, message: expect.any(String) }] });
  });

  it.each([
    ['a phone too short', { type: 'PHONE', value: '12' }, ['input', 'identity', 'value']],
    ['an e-mail without domain', { type: 'EMAIL', value: 'jan@' }, ['input', 'identity', 'value']],
    ['an external key without system', { type: 'EXTERNAL', value: 'key-1' }, ['input', 'identity', 'system']],
    ['a blank value', { type: 'LOYALTY_CARD', value: '   ' }, ['input', 'identity', 'value']],
    ['a value of 321 characters', { type: 'LOYALTY_CARD', value: 'x'.repeat(321) }, ['input', 'identity', 'value']],
    ['a system of 65 characters', { type: 'SOCIAL', value: 'handle', system: 's'.repeat(65) }, ['input', 'identity', 'system']],
  ] as const)('answers INVALID_VALUE at the field for %s', async (_name, identity, field) => {
    const res = await env.ok(AddIdentityDocument, { input: { customerId, identity: identity as IdentityInput } });
    expect(res.addIdentity.userErrors).toEqual([{ code: 'INVALID_VALUE', field, message: expect.any(String) }]);
  });

  it('keeps identities in the order they were given, so the first e-mail and phone given are the primary ones', async () => {
    const [first, second] = [`${unique('first')}@example.com`, `${unique('second')}@example.com`];
    const [phoneA, phoneB] = [person().phone, person().phone];
    const created = await identify(env, {
      identities: [
        { type: 'PHONE', value: phoneA }, { type: 'EMAIL', value: first }, { type: 'EMAIL', value: second }, { type: 'PHONE', value: phoneB },
      ],
    });
    expect(created.identities.map((identity) => identity.value)).toEqual([`+48${phoneA}`, first, second, `+48${phoneB}`]);
    expect(created).toMatchObject({ email: first, phone: `+48${phoneA}`, displayName: first });
  });

  it('attaches new identities found by identifyCustomer to the matched customer', async () => {
    const card = unique('CARD-');
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: p.email }, { type: 'LOYALTY_CARD', value: card }], channel: 'STORE' } });
    expect(res.identifyCustomer).toMatchObject({ created: false, customer: { id: customerId }, userErrors: [] });
    expect(await byIdentity({ type: 'LOYALTY_CARD', value: card })).toBe(customerId);
  });
});
