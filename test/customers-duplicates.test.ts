import { DuplicateCandidatesDocument, EraseCustomerDocument, MergeCustomersDocument } from './generated/graphql';
import { createPerson, identify, person, type Person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
let jan: Person;
let janId: string;
let handle: string;

beforeAll(async () => {
  env = await startTestServer();
  jan = person();
  handle = unique('jk_');
  janId = (await identify(env, {
    identities: [{ type: 'EMAIL', value: jan.email }, { type: 'PHONE', value: jan.phone }, { type: 'SOCIAL', value: handle, system: 'instagram' }],
    profile: { firstName: jan.firstName, lastName: jan.lastName, city: jan.city },
  })).id;
});
afterAll(() => env.stop());

async function candidates(customerId: string, token: string = TOKENS.AGENT) {
  const res = await env.ok(DuplicateCandidatesDocument, { customerId }, token);
  return res.duplicateCandidates;
}

describe('duplicateCandidates', () => {
  let samePhone: string;
  let sameLocalAndName: string;
  let sameNameAndCity: string;
  let sameHandle: string;
  let unrelated: string;
  let sameNameManyIdentities: string;

  beforeAll(async () => {
    // The same nine digits under another country code: typed without a prefix in the wrong region.
    samePhone = (await identify(env, { identities: [{ type: 'PHONE', value: `+420 ${jan.phone}` }] })).id;
    const [local, domain] = jan.email.split('@');
    sameLocalAndName = (await identify(env, {
      identities: [{ type: 'EMAIL', value: `${local.replace('.', '')}+shop@other-${domain}` }],
      // One letter off (never the same letter: a generated name may end in y already).
      profile: { firstName: jan.firstName, lastName: `${jan.lastName.slice(0, -1)}${jan.lastName.endsWith('y') ? 'x' : 'y'}` },
    })).id;
    sameNameAndCity = (await identify(env, {
      identities: [{ type: 'EMAIL', value: `${unique('x')}@example.org` }],
      profile: { firstName: jan.firstName, lastName: jan.lastName, city: jan.city.toUpperCase() },
    })).id;
    sameHandle = (await identify(env, { identities: [{ type: 'SOCIAL', value: handle, system: 'facebook' }] })).id;
    unrelated = (await createPerson(env)).id;
    // Regression: the name signal filtered on the whole search text (names plus every identity), so a
    // customer with many identities fell under the trigram threshold although the name was identical.
    sameNameManyIdentities = (await identify(env, {
      identities: [
        { type: 'EMAIL', value: `${unique('first-address')}@mail-${unique()}.example.com` },
        { type: 'EMAIL', value: `${unique('second-address')}@work-${unique()}.example.com` },
        { type: 'PHONE', value: person().phone },
        { type: 'LOYALTY_CARD', value: unique('LOYALTY-CARD-NUMBER-') },
        { type: 'EXTERNAL', value: unique('external-key-'), system: 'erp' },
      ],
      profile: { firstName: jan.firstName, lastName: jan.lastName },
    })).id;
  });

  it('scores each candidate with readable reasons, best first, never the customer itself', async () => {
    const found = await candidates(janId);
    const byId = new Map(found.map((candidate) => [candidate.customer.id, candidate]));
    expect(byId.has(janId)).toBe(false);
    expect(byId.has(unrelated)).toBe(false);

    expect(byId.get(samePhone)).toMatchObject({ reasons: ['same normalised phone'], score: 0.6 });
    expect(byId.get(sameHandle)).toMatchObject({ reasons: ['same social value in another system'], score: 0.5 });
    expect(byId.get(sameNameAndCity)).toMatchObject({ reasons: ['similar name (1.00) and same city'], score: 0.6 });
    expect(byId.get(sameNameManyIdentities)).toMatchObject({ reasons: ['similar name (1.00)'], score: 0.35 });
    const localAndName = byId.get(sameLocalAndName)!;
    expect(localAndName.reasons).toEqual(expect.arrayContaining(['same e-mail local part', expect.stringMatching(/^similar name \(0\.\d\d\)$/)]));
    expect(localAndName.score).toBeGreaterThan(0.5);

    for (const candidate of found) {
      expect(candidate.score).toBeGreaterThan(0);
      expect(candidate.score).toBeLessThanOrEqual(1);
      expect(candidate.reasons.length).toBeGreaterThan(0);
    }
    const scores = found.map((candidate) => candidate.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
  });

  it('works from the other side too, and for ANALYST (reasons carry no personal data)', async () => {
    const fromPhone = await candidates(samePhone, TOKENS.ANALYST);
    expect(fromPhone.map((candidate) => candidate.customer.id)).toContain(janId);
    const reasons = fromPhone.flatMap((candidate) => candidate.reasons).join(' ');
    expect(reasons).not.toContain(jan.phone);
    expect(reasons).not.toContain(jan.lastName);
  });

  it('drops candidates once merged away or erased, and answers for a merged-away id as for its survivor', async () => {
    const merged = await env.ok(MergeCustomersDocument, { input: { survivorId: janId, mergedId: sameHandle } });
    expect(merged.mergeCustomers.userErrors).toEqual([]);
    const erased = await env.ok(EraseCustomerDocument, { input: { customerId: sameNameAndCity } }, TOKENS.ADMIN);
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    const ids = (await candidates(janId)).map((candidate) => candidate.customer.id);
    expect(ids).not.toContain(sameHandle);
    expect(ids).not.toContain(sameNameAndCity);
    expect(ids).toEqual(expect.arrayContaining([samePhone, sameLocalAndName]));
    expect((await candidates(sameHandle)).map((candidate) => candidate.customer.id)).toEqual(ids);
  });

  it('answers an unknown customer with BAD_USER_INPUT', async () => {
    for (const customerId of ['cus_00000000000000000000000000', 'nope']) {
      const res = await env.gql(DuplicateCandidatesDocument, { customerId });
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
