import {
  AddIdentityDocument, CustomerByIdentityDocument, CustomerDetailDocument, CustomersWideDocument, DuplicateCandidatesDocument,
  MergeCustomersDocument, NodeCustomerDocument, RecordConsentDocument,
} from './generated/graphql';
import { createPerson, identify, person, type Person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
let p: Person;
let customerId: string;
let loyalty: string;
let handle: string;
let reason: string;

beforeAll(async () => {
  env = await startTestServer();
  p = person();
  loyalty = unique('LOY');
  handle = unique('handle');
  reason = `Same person per phone call ${unique('note')}`;
  const customer = await createPerson(env, p);
  customerId = customer.id;
  for (const identity of [{ type: 'LOYALTY_CARD' as const, value: loyalty }, { type: 'SOCIAL' as const, value: handle, system: 'instagram' }]) {
    const res = await env.ok(AddIdentityDocument, { input: { customerId, identity } }, TOKENS.AGENT);
    expect(res.addIdentity.userErrors).toEqual([]);
  }
  // A duplicate with the same name merged in, so that the merge lineage (with its free-text reason) exists.
  const twin = await identify(env, { identities: [{ type: 'EMAIL', value: `${unique('twin')}@example.org` }], profile: { firstName: p.firstName, lastName: p.lastName } });
  const merged = await env.ok(MergeCustomersDocument, { input: { survivorId: customerId, mergedId: twin.id, reason } }, TOKENS.AGENT);
  expect(merged.mergeCustomers.userErrors).toEqual([]);
  await env.ok(RecordConsentDocument, { input: { customerId, purpose: 'MARKETING', channel: 'EMAIL', granted: true } }, TOKENS.AGENT);
});
afterAll(() => env.stop());

/** Every clear personal value of the customer, in the forms a response could carry them. */
function clearValues(): string[] {
  return [p.firstName, p.lastName, p.email, p.email.split('@')[0], `+48${p.phone}`, p.phone, p.city, loyalty, handle, reason];
}

function expectNoClearValue(data: unknown): void {
  const json = JSON.stringify(data).toLowerCase();
  for (const value of clearValues()) expect(json).not.toContain(value.toLowerCase());
}

const emailDomain = () => p.email.split('@')[1];
const maskedEmail = () => `${p.email[0]}***@${emailDomain()[0]}***.com`;
const maskedPhone = () => `+48${'*'.repeat(7)}${p.phone.slice(-2)}`;

describe.each(['ANALYST', 'PARTNER'] as const)('personal data for %s', (role) => {
  it('is masked on customer(id): names, e-mail, phone, city, every identity value and the merge reason', async () => {
    const { customer } = await env.ok(CustomerDetailDocument, { id: customerId }, TOKENS[role]);
    expect(customer).toMatchObject({
      id: customerId,
      firstName: `${p.firstName[0]}***`,
      lastName: `${p.lastName[0]}***`,
      displayName: `${p.firstName[0]}*** ${p.lastName[0]}***`,
      email: maskedEmail(),
      phone: maskedPhone(),
      city: `${p.city[0]}***`,
    });
    // Identities added in one call share their timestamp, so their order is not asserted.
    expect(customer!.identities.map((identity) => [identity.type, identity.value])).toEqual(expect.arrayContaining([
      ['EMAIL', maskedEmail()],
      ['PHONE', maskedPhone()],
      ['LOYALTY_CARD', `${loyalty[0]}***`],
      ['SOCIAL', `${handle[0]}***`],
      ['EMAIL', 't***@e***.org'],
    ]));
    expect(customer!.identities).toHaveLength(5);
    expect(customer!.mergedFrom.map((merge) => merge.reason)).toEqual(['***']);
    expectNoClearValue(customer);
  });

  it('is masked in customers pages and node(id); search and customerByIdentity are refused (issue 13 class 2)', async () => {
    const list = await env.ok(CustomersWideDocument, { first: 100 }, TOKENS[role]);
    const mine = list.customers.edges.find((edge) => edge.node.id === customerId);
    expect(mine?.node).toMatchObject({ email: maskedEmail(), phone: maskedPhone(), firstName: `${p.firstName[0]}***` });
    expectNoClearValue(list);
    const searched = await env.gql(CustomersWideDocument, { first: 5, search: p.lastName }, TOKENS[role]);
    expect(searched.errors?.map((error) => [error.extensions?.code, error.extensions?.refused])).toEqual([['FORBIDDEN', ['Query.customers(search)']]]);

    const node = await env.ok(NodeCustomerDocument, { id: customerId }, TOKENS[role]);
    expect(node.node).toMatchObject({ id: customerId, email: maskedEmail(), displayName: `${p.firstName[0]}*** ${p.lastName[0]}***` });
    expectNoClearValue(node);

    const byIdentity = await env.gql(CustomerByIdentityDocument, { identity: { type: 'LOYALTY_CARD', value: loyalty } }, TOKENS[role]);
    expect(byIdentity.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(byIdentity.data ?? null)).not.toContain(customerId);
  });
});

describe('Customer.displayName as masked roles see it', () => {
  it('masks an e-mail shown for lack of a name as an e-mail, and leaves the id of a customer with neither in clear', async () => {
    const email = `${unique('nameless')}@example.com`;
    const byEmail = await identify(env, { identities: [{ type: 'EMAIL', value: email }] });
    const byLoyalty = await identify(env, { identities: [{ type: 'LOYALTY_CARD', value: unique('LOY') }] });
    const shown = async (id: string, token: string) => (await env.ok(CustomerDetailDocument, { id }, token)).customer!.displayName;
    expect(await shown(byEmail.id, TOKENS.AGENT)).toBe(email);
    expect(await shown(byEmail.id, TOKENS.ANALYST)).toBe(`${email[0]}***@e***.com`);
    expect(await shown(byLoyalty.id, TOKENS.ANALYST)).toBe(`Customer ${byLoyalty.id}`);
  });
});

describe('personal data in clear', () => {
  it.each(['ADMIN', 'AGENT'] as const)('is shown to %s on customer(id) and in customers pages', async (role) => {
    const { customer } = await env.ok(CustomerDetailDocument, { id: customerId }, TOKENS[role]);
    expect(customer).toMatchObject({
      firstName: p.firstName,
      lastName: p.lastName,
      displayName: `${p.firstName} ${p.lastName}`,
      email: p.email,
      phone: `+48${p.phone}`,
      city: p.city,
    });
    expect(customer!.identities.map((identity) => identity.value)).toEqual(expect.arrayContaining([p.email, `+48${p.phone}`, loyalty, handle]));
    expect(customer!.mergedFrom[0].reason).toBe(reason);
    const list = await env.ok(CustomersWideDocument, { first: 5, search: p.email }, TOKENS[role]);
    expect(list.customers.edges[0].node).toMatchObject({ id: customerId, email: p.email, phone: `+48${p.phone}` });
  });

  it('is shown in mutation payloads to the writers (ADMIN, AGENT, INGEST)', async () => {
    for (const role of ['ADMIN', 'AGENT', 'INGEST'] as const) {
      const q = person();
      const customer = await createPerson(env, q, TOKENS[role]);
      expect(customer).toMatchObject({ firstName: q.firstName, lastName: q.lastName, email: q.email, phone: `+48${q.phone}` });
    }
    const res = await env.ok(AddIdentityDocument, { input: { customerId, identity: { type: 'EMAIL', value: `${unique('extra')}@example.net` } } }, TOKENS.AGENT);
    expect(res.addIdentity.customer).toMatchObject({ email: p.email, phone: `+48${p.phone}` });
  });

  it('masks duplicate candidates for ANALYST but not for AGENT', async () => {
    const twin = await identify(env, {
      identities: [{ type: 'EMAIL', value: `${p.email.split('@')[0]}@other-${unique()}.example.org` }],
      profile: { firstName: p.firstName, lastName: p.lastName },
    });
    const analyst = await env.ok(DuplicateCandidatesDocument, { customerId }, TOKENS.ANALYST);
    const candidate = analyst.duplicateCandidates.find((entry) => entry.customer.id === twin.id);
    expect(candidate?.customer.displayName).toBe(`${p.firstName[0]}*** ${p.lastName[0]}***`);
    expectNoClearValue(analyst);
    const agent = await env.ok(DuplicateCandidatesDocument, { customerId }, TOKENS.AGENT);
    expect(agent.duplicateCandidates.find((entry) => entry.customer.id === twin.id)?.customer.displayName).toBe(`${p.firstName} ${p.lastName}`);
  });
});
