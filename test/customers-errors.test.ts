import { CommonErrorCode } from '../src/common/errors';
import { CustomerErrorCode } from '../src/modules/customers/customer.errors';
import {
  AddIdentityDocument, EraseCustomerDocument, IdentifyCustomerDocument, MergeCustomersDocument, RecordConsentDocument, UndoMergeDocument,
  type IdentityInput,
} from './generated/graphql';
import { createPerson } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Every user error code of the customers module, on every mutation that can answer it: the code, the
 * field path, exactly one error, and a null object beside it. The last test checks that no code of
 * customer.errors.ts (nor a common code the module uses) went untested.
 */

let env: TestServer;
const seen = new Set<string>();

beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

type Payload = { userErrors: { code: string; field?: string[] | null; message: string }[] } & Record<string, unknown>;

function expectOneError(payload: Payload, code: string, field: string[], objectKeys: string[]): void {
  expect(payload.userErrors).toEqual([{ code, field, message: expect.any(String) }]);
  expect(payload.userErrors[0].message.length).toBeGreaterThan(10);
  for (const key of objectKeys) expect(payload[key]).toBeNull();
  seen.add(code);
}

const NO_CUSTOMER = 'cus_00000000000000000000000000';
const email = () => ({ type: 'EMAIL' as const, value: `${unique('err')}@example.com` });

async function erasedCustomer(): Promise<string> {
  const { id } = await createPerson(env);
  const res = await env.ok(EraseCustomerDocument, { input: { customerId: id } }, TOKENS.ADMIN);
  expect(res.eraseCustomer.userErrors).toEqual([]);
  return id;
}

describe('identifyCustomer', () => {
  it.each([
    ['no identity at all', [], ['input', 'identities']],
    ['more than 20 identities', Array.from({ length: 21 }, email), ['input', 'identities']],
    ['a malformed e-mail in second place', [email(), { type: 'EMAIL', value: 'jan@@example' }], ['input', 'identities', '1', 'value']],
    ['a phone that cannot be one', [{ type: 'PHONE', value: '+48 12' }], ['input', 'identities', '0', 'value']],
    ['a social identity without system', [{ type: 'SOCIAL', value: 'jan' }], ['input', 'identities', '0', 'system']],
  ] as const)('INVALID_VALUE for %s', async (_name, identities, field) => {
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: identities as unknown as IdentityInput[] } });
    expectOneError(res.identifyCustomer as Payload, CommonErrorCode.INVALID_VALUE, field as unknown as string[], ['customer']);
    expect(res.identifyCustomer.created).toBe(false);
  });

  it('INVALID_VALUE for a profile field over 200 characters', async () => {
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [email()], profile: { lastName: 'x'.repeat(201) } } });
    expectOneError(res.identifyCustomer as Payload, CommonErrorCode.INVALID_VALUE, ['input', 'profile', 'lastName'], ['customer']);
  });

  it('CONFLICT naming both customers, and nothing is attached to either', async () => {
    const [a, b] = [await createPerson(env), await createPerson(env)];
    const third = email();
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: a.email! }, { type: 'PHONE', value: b.phone! }, third] } });
    expectOneError(res.identifyCustomer as Payload, CommonErrorCode.CONFLICT, ['input', 'identities'], ['customer']);
    expect(res.identifyCustomer.userErrors[0].message).toContain(a.id);
    expect(res.identifyCustomer.userErrors[0].message).toContain(b.id);
    const after = await env.ok(IdentifyCustomerDocument, { input: { identities: [third] } });
    expect(after.identifyCustomer.created).toBe(true);
  });
});

describe('addIdentity', () => {
  it('NOT_FOUND for an unknown customer', async () => {
    const res = await env.ok(AddIdentityDocument, { input: { customerId: NO_CUSTOMER, identity: email() } });
    expectOneError(res.addIdentity as Payload, CommonErrorCode.NOT_FOUND, ['input', 'customerId'], ['customer']);
  });

  it('INVALID_VALUE for a malformed identity', async () => {
    const { id } = await createPerson(env);
    const res = await env.ok(AddIdentityDocument, { input: { customerId: id, identity: { type: 'PHONE', value: 'call me' } } });
    expectOneError(res.addIdentity as Payload, CommonErrorCode.INVALID_VALUE, ['input', 'identity', 'value'], ['customer']);
  });

  it('CONFLICT when another customer owns the identity', async () => {
    const [a, b] = [await createPerson(env), await createPerson(env)];
    const res = await env.ok(AddIdentityDocument, { input: { customerId: a.id, identity: { type: 'EMAIL', value: b.email! } } });
    expectOneError(res.addIdentity as Payload, CommonErrorCode.CONFLICT, ['input', 'identity', 'value'], ['customer']);
  });

  it('CUSTOMER_ERASED for an erased customer', async () => {
    const res = await env.ok(AddIdentityDocument, { input: { customerId: await erasedCustomer(), identity: email() } });
    expectOneError(res.addIdentity as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'customerId'], ['customer']);
  });
});

describe('recordConsent', () => {
  it('NOT_FOUND for an unknown customer', async () => {
    const res = await env.ok(RecordConsentDocument, { input: { customerId: NO_CUSTOMER, purpose: 'SERVICE', channel: 'CHAT', granted: true } });
    expectOneError(res.recordConsent as Payload, CommonErrorCode.NOT_FOUND, ['input', 'customerId'], ['customer']);
  });

  it('CUSTOMER_ERASED for an erased customer', async () => {
    const res = await env.ok(RecordConsentDocument, { input: { customerId: await erasedCustomer(), purpose: 'SERVICE', channel: 'CHAT', granted: true } });
    expectOneError(res.recordConsent as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'customerId'], ['customer']);
  });
});

describe('mergeCustomers', () => {
  it('SAME_CUSTOMER', async () => {
    const { id } = await createPerson(env);
    const res = await env.ok(MergeCustomersDocument, { input: { survivorId: id, mergedId: id } });
    expectOneError(res.mergeCustomers as Payload, CustomerErrorCode.SAME_CUSTOMER, ['input', 'mergedId'], ['customer', 'merge']);
  });

  it('NOT_FOUND naming the side that is unknown', async () => {
    const { id } = await createPerson(env);
    const left = await env.ok(MergeCustomersDocument, { input: { survivorId: NO_CUSTOMER, mergedId: id } });
    expectOneError(left.mergeCustomers as Payload, CommonErrorCode.NOT_FOUND, ['input', 'survivorId'], ['customer', 'merge']);
    const right = await env.ok(MergeCustomersDocument, { input: { survivorId: id, mergedId: NO_CUSTOMER } });
    expectOneError(right.mergeCustomers as Payload, CommonErrorCode.NOT_FOUND, ['input', 'mergedId'], ['customer', 'merge']);
  });

  it('ALREADY_MERGED', async () => {
    const [a, b, c] = [await createPerson(env), await createPerson(env), await createPerson(env)];
    await env.ok(MergeCustomersDocument, { input: { survivorId: a.id, mergedId: b.id } });
    const res = await env.ok(MergeCustomersDocument, { input: { survivorId: c.id, mergedId: b.id } });
    expectOneError(res.mergeCustomers as Payload, CustomerErrorCode.ALREADY_MERGED, ['input', 'mergedId'], ['customer', 'merge']);
  });

  it('CUSTOMER_ERASED on either side', async () => {
    const erased = await erasedCustomer();
    const { id } = await createPerson(env);
    const asMerged = await env.ok(MergeCustomersDocument, { input: { survivorId: id, mergedId: erased } });
    expectOneError(asMerged.mergeCustomers as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'mergedId'], ['customer', 'merge']);
    const asSurvivor = await env.ok(MergeCustomersDocument, { input: { survivorId: erased, mergedId: id } });
    expectOneError(asSurvivor.mergeCustomers as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'survivorId'], ['customer', 'merge']);
  });
});

describe('undoMerge', () => {
  it('NOT_FOUND, ALREADY_UNDONE and CUSTOMER_ERASED', async () => {
    const missing = await env.ok(UndoMergeDocument, { input: { mergeId: 'mrg_00000000000000000000000000' } });
    expectOneError(missing.undoMerge as Payload, CommonErrorCode.NOT_FOUND, ['input', 'mergeId'], ['customer', 'merge']);

    const [a, b] = [await createPerson(env), await createPerson(env)];
    const merge = (await env.ok(MergeCustomersDocument, { input: { survivorId: a.id, mergedId: b.id } })).mergeCustomers.merge!;
    expect((await env.ok(UndoMergeDocument, { input: { mergeId: merge.id } })).undoMerge.userErrors).toEqual([]);
    const twice = await env.ok(UndoMergeDocument, { input: { mergeId: merge.id } });
    expectOneError(twice.undoMerge as Payload, CustomerErrorCode.ALREADY_UNDONE, ['input', 'mergeId'], ['customer', 'merge']);

    const [c, d] = [await createPerson(env), await createPerson(env)];
    const merged = (await env.ok(MergeCustomersDocument, { input: { survivorId: c.id, mergedId: d.id } })).mergeCustomers.merge!;
    await env.ok(EraseCustomerDocument, { input: { customerId: c.id } }, TOKENS.ADMIN);
    const afterErasure = await env.ok(UndoMergeDocument, { input: { mergeId: merged.id } });
    expectOneError(afterErasure.undoMerge as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'mergeId'], ['customer', 'merge']);
  });

  it('ALREADY_MERGED while the survivor sits merged inside another customer', async () => {
    const [a, b, c] = [await createPerson(env), await createPerson(env), await createPerson(env)];
    const first = (await env.ok(MergeCustomersDocument, { input: { survivorId: b.id, mergedId: c.id } })).mergeCustomers.merge!;
    await env.ok(MergeCustomersDocument, { input: { survivorId: a.id, mergedId: b.id } });
    const res = await env.ok(UndoMergeDocument, { input: { mergeId: first.id } });
    expectOneError(res.undoMerge as Payload, CustomerErrorCode.ALREADY_MERGED, ['input', 'mergeId'], ['customer', 'merge']);
  });
});

describe('eraseCustomer', () => {
  it('NOT_FOUND and CUSTOMER_ERASED', async () => {
    const missing = await env.ok(EraseCustomerDocument, { input: { customerId: NO_CUSTOMER } }, TOKENS.ADMIN);
    expectOneError(missing.eraseCustomer as Payload, CommonErrorCode.NOT_FOUND, ['input', 'customerId'], ['customer']);
    expect(missing.eraseCustomer.erased).toEqual([]);
    const again = await env.ok(EraseCustomerDocument, { input: { customerId: await erasedCustomer() } }, TOKENS.ADMIN);
    expectOneError(again.eraseCustomer as Payload, CommonErrorCode.CUSTOMER_ERASED, ['input', 'customerId'], ['customer']);
  });
});

describe('coverage of the codes', () => {
  it('has exercised every code of customer.errors.ts and every common code the customers module answers', () => {
    const expected = [
      ...Object.values(CustomerErrorCode),
      CommonErrorCode.NOT_FOUND, CommonErrorCode.INVALID_VALUE, CommonErrorCode.CONFLICT, CommonErrorCode.CUSTOMER_ERASED,
    ].sort();
    expect([...seen].sort()).toEqual(expected);
  });
});
