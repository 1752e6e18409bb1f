import { Client } from 'pg';
import type { Principal } from '../src/common/auth';
import { DomainError } from '../src/common/errors';
import { createContext } from '../src/context/context';
import { inTransaction } from '../src/database/sql';
import { resolveCustomerRef } from '../src/modules/customers/customer.service';
import type { CustomerRefInput } from '../src/modules/customers/customer.inputs';
import { CustomerByIdentityDocument, EraseCustomerDocument, IdentifyCustomerDocument, MergeCustomersDocument } from './generated/graphql';
import { createPerson, person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * resolveCustomerRef is how every other module (orders, interactions, ...) turns `{ id | identities |
 * profile }` into a customer inside its own transaction. It is called here in-process, against the
 * running server's database, exactly as those modules call it.
 */

let env: TestServer;
let db: Client;
beforeAll(async () => {
  env = await startTestServer();
  db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await env.stop();
});

const AGENT: Principal = { role: 'AGENT', name: 'agent-key', via: 'api-key' };
const FIELD = ['input', 'customer'];

type Outcome = { id: string; created: boolean } | { code: string; field?: string[]; message: string };

async function resolve(ref: CustomerRefInput): Promise<Outcome> {
  const ctx = createContext(env.server.app, AGENT);
  try {
    const result = await inTransaction(ctx.em, (em) => resolveCustomerRef(ctx, em, ref, 'STORE' as never, FIELD));
    return { id: result.customer.id, created: result.created };
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
}

async function ownerOf(value: string): Promise<string | undefined> {
  const { rows } = await db.query('select customer_id from identity where value = $1', [value]);
  return rows[0]?.customer_id;
}

describe('resolveCustomerRef', () => {
  it('creates from new identities, then finds the same customer again', async () => {
    const email = `${unique('ref')}@example.com`;
    const first = await resolve({ identities: [{ type: 'EMAIL' as never, value: email }], profile: { firstName: 'Ref' } });
    expect(first).toEqual({ id: expect.stringMatching(/^cus_/), created: true });
    expect(await resolve({ identities: [{ type: 'EMAIL' as never, value: email.toUpperCase() }] })).toEqual({ id: (first as { id: string }).id, created: false });
  });

  it('resolves an id, following merges to the survivor', async () => {
    const [a, b] = [await createPerson(env), await createPerson(env)];
    expect(await resolve({ id: a.id })).toEqual({ id: a.id, created: false });
    await env.ok(MergeCustomersDocument, { input: { survivorId: a.id, mergedId: b.id } });
    expect(await resolve({ id: b.id })).toEqual({ id: a.id, created: false });
  });

  it('attaches identities given with a known id to that customer (regression: answered CONFLICT with a phantom id)', async () => {
    const customer = await createPerson(env);
    const card = unique('CARD-');
    expect(await resolve({ id: customer.id, identities: [{ type: 'LOYALTY_CARD' as never, value: card }, { type: 'EMAIL' as never, value: customer.email! }] }))
      .toEqual({ id: customer.id, created: false });
    expect(await ownerOf(card)).toBe(customer.id);
    expect((await env.ok(CustomerByIdentityDocument, { identity: { type: 'LOYALTY_CARD', value: card } })).customerByIdentity?.id).toBe(customer.id);
  });

  it('answers CONFLICT naming the owner when an identity given with an id belongs to someone else, and attaches nothing', async () => {
    const [mine, theirs] = [await createPerson(env), await createPerson(env)];
    const card = unique('CARD-');
    const outcome = await resolve({ id: mine.id, identities: [{ type: 'LOYALTY_CARD' as never, value: card }, { type: 'EMAIL' as never, value: theirs.email! }] });
    expect(outcome).toEqual({ code: 'CONFLICT', field: [...FIELD, 'identities'], message: expect.stringContaining(theirs.id) });
    expect(await ownerOf(card)).toBeUndefined();
  });

  it.each([
    ['neither id nor identities', {}, 'INVALID_VALUE', FIELD],
    ['an unknown id', { id: 'cus_00000000000000000000000000' }, 'NOT_FOUND', [...FIELD, 'id']],
    ['a malformed identity', { identities: [{ type: 'PHONE', value: 'x' }] }, 'INVALID_VALUE', [...FIELD, 'identities', '0', 'value']],
    ['a profile field too long', { identities: [{ type: 'EMAIL', value: 'long@example.com' }], profile: { lastName: 'x'.repeat(201) } }, 'INVALID_VALUE', [...FIELD, 'profile', 'lastName']],
  ])('answers %s with a coded error at the caller\'s field', async (_name, ref, code, field) => {
    expect(await resolve(ref as CustomerRefInput)).toEqual({ code, field, message: expect.any(String) });
  });

  it('answers CUSTOMER_ERASED for an erased customer', async () => {
    const { id } = await createPerson(env);
    await env.ok(EraseCustomerDocument, { input: { customerId: id } }, TOKENS.ADMIN);
    expect(await resolve({ id })).toEqual({ code: 'CUSTOMER_ERASED', field: [...FIELD, 'id'], message: expect.any(String) });
  });
});

describe('identification racing a merge', () => {
  it('never strands a new identity on a customer merged away meanwhile', async () => {
    for (let round = 0; round < 8; round++) {
      const survivor = await createPerson(env);
      const p = person();
      const merged = await createPerson(env, p);
      const fresh = `${unique('race')}@example.com`;
      const [identified, merge] = await Promise.all([
        env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: p.email }, { type: 'EMAIL', value: fresh }] } }),
        env.ok(MergeCustomersDocument, { input: { survivorId: survivor.id, mergedId: merged.id } }),
      ]);
      expect(identified.identifyCustomer.userErrors).toEqual([]);
      expect(merge.mergeCustomers.userErrors).toEqual([]);
      // Whichever came first, the new identity ends with the survivor, never on the merged-away row.
      expect(await ownerOf(fresh)).toBe(survivor.id);
      expect(await ownerOf(p.email)).toBe(survivor.id);
    }
  });
});
