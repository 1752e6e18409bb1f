import { Client } from 'pg';
import { newId } from '../src/common/ids';
import { modules } from '../src/modules';
import { wireModules } from '../src/modules/wiring';
import {
  AddIdentityDocument, CustomerByIdentityDocument, CustomerDetailDocument, CustomersDocument, MergeCustomersDocument, NodeCustomerDocument,
  RecordConsentDocument, UndoMergeDocument, type CustomerDetailFragment,
} from './generated/graphql';
import { createPerson, person, type Person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Merges move whatever any module declares as customer-owned. To prove it without another module,
 * this file declares a table of its own (as a later module would, in its index.ts) and wires it.
 */
const PROBE_TABLE = 'merge_probe_note';

let env: TestServer;
let db: Client;

beforeAll(async () => {
  env = await startTestServer();
  db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  await db.query(`create table ${PROBE_TABLE} (id text primary key, customer_id text not null references customer (id), note text)`);
  // Wired as a later module's declaration would be, added to the list of modules.
  wireModules([
    ...modules,
    { name: 'probe', entities: [], resolvers: [], customerData: [{ name: 'mergeProbe', table: PROBE_TABLE, customerColumn: 'customer_id', personalColumns: { note: 'null' } }] },
  ]);
});
afterAll(async () => {
  await db.end();
  await env.stop();
});

async function probeRow(customerId: string): Promise<string> {
  const id = newId('Order');
  await db.query(`insert into ${PROBE_TABLE} (id, customer_id, note) values ($1, $2, $3)`, [id, customerId, unique('note')]);
  return id;
}

async function probeRowsOf(customerId: string): Promise<string[]> {
  const { rows } = await db.query(`select id from ${PROBE_TABLE} where customer_id = $1 order by id`, [customerId]);
  return rows.map((row) => row.id as string);
}

async function detail(id: string, token: string = TOKENS.AGENT): Promise<CustomerDetailFragment> {
  const res = await env.ok(CustomerDetailDocument, { id }, token);
  return res.customer!;
}

const identityKeys = (customer: CustomerDetailFragment) => customer.identities.map((identity) => `${identity.type}:${identity.value}`).sort();
const consentKeys = (customer: CustomerDetailFragment) =>
  customer.consents.map((consent) => `${consent.purpose}/${consent.channel}=${consent.granted}`).sort();

async function consent(customerId: string, purpose: 'MARKETING' | 'PROFILING' | 'SERVICE', channel: 'EMAIL' | 'SMS' | 'WEB', granted: boolean) {
  const res = await env.ok(RecordConsentDocument, { input: { customerId, purpose, channel, granted, source: 'WEB' } }, TOKENS.AGENT);
  expect(res.recordConsent.userErrors).toEqual([]);
}

async function eventTypes(customerId: string): Promise<string[]> {
  const { rows } = await db.query(`select type from event where customer_id = $1 order by id`, [customerId]);
  return rows.map((row) => row.type as string);
}

describe('mergeCustomers -> read the merged id -> undoMerge', () => {
  let a: Person;
  let b: Person;
  let survivorId: string;
  let mergedId: string;
  let survivorBefore: CustomerDetailFragment;
  let mergedBefore: CustomerDetailFragment;
  let mergeId: string;
  let survivorProbe: string;
  let mergedProbes: string[];

  beforeAll(async () => {
    a = person();
    b = person();
    survivorId = (await createPerson(env, a)).id;
    mergedId = (await createPerson(env, b)).id;
    await consent(survivorId, 'MARKETING', 'EMAIL', true);
    await consent(mergedId, 'MARKETING', 'SMS', true);
    await consent(mergedId, 'PROFILING', 'WEB', false);
    survivorProbe = await probeRow(survivorId);
    mergedProbes = [await probeRow(mergedId), await probeRow(mergedId)].sort();
    survivorBefore = await detail(survivorId);
    mergedBefore = await detail(mergedId);
  });

  it('moves identities, consents and registered rows to the survivor and records the merge', async () => {
    const reason = 'Same phone, confirmed by the customer on a call';
    const res = await env.ok(MergeCustomersDocument, { input: { survivorId, mergedId, reason } }, TOKENS.AGENT);
    expect(res.mergeCustomers.userErrors).toEqual([]);
    const { customer, merge } = res.mergeCustomers;
    mergeId = merge!.id;
    expect(mergeId).toMatch(/^mrg_[0-9a-z]{26}$/);
    expect(merge).toMatchObject({ mergedCustomerId: mergedId, reason, undoneAt: null, survivor: { id: survivorId } });
    expect(customer!.id).toBe(survivorId);
    expect(identityKeys(customer!)).toEqual([...identityKeys(survivorBefore), ...identityKeys(mergedBefore)].sort());
    expect(consentKeys(customer!)).toEqual(['MARKETING/EMAIL=true', 'MARKETING/SMS=true', 'PROFILING/WEB=false']);
    expect(customer!.mergedFrom.map((entry) => entry.id)).toEqual([mergeId]);
    // Profile fields stay the survivor's.
    expect(customer).toMatchObject({ firstName: a.firstName, lastName: a.lastName, email: a.email });
    expect(await probeRowsOf(survivorId)).toEqual([survivorProbe, ...mergedProbes].sort());
    expect(await probeRowsOf(mergedId)).toEqual([]);
    expect(await eventTypes(survivorId)).toContain('customer.merged');
  });

  it('resolves the merged id to the survivor everywhere: customer(id), node(id), customerByIdentity; lists show it once', async () => {
    expect((await detail(mergedId)).id).toBe(survivorId);
    expect((await env.ok(NodeCustomerDocument, { id: mergedId })).node).toMatchObject({ id: survivorId, email: a.email });
    const byOldEmail = await env.ok(CustomerByIdentityDocument, { identity: { type: 'EMAIL', value: b.email } });
    expect(byOldEmail.customerByIdentity?.id).toBe(survivorId);
    const byOldPhone = await env.ok(CustomersDocument, { search: b.phone });
    expect(byOldPhone.customers.edges.map((edge) => edge.node.id)).toEqual([survivorId]);
    const byOldName = await env.ok(CustomersDocument, { search: b.lastName });
    expect(byOldName.customers.edges.map((edge) => edge.node.id)).not.toContain(mergedId);
  });

  it('keeps new data of the survivor when the merge is undone, and puts back exactly what was moved', async () => {
    const later = `${unique('later')}@example.com`;
    await env.ok(AddIdentityDocument, { input: { customerId: survivorId, identity: { type: 'EMAIL', value: later } } });
    await consent(survivorId, 'SERVICE', 'EMAIL', true);
    const laterProbe = await probeRow(survivorId);

    const res = await env.ok(UndoMergeDocument, { input: { mergeId } }, TOKENS.AGENT);
    expect(res.undoMerge.userErrors).toEqual([]);
    expect(res.undoMerge.merge).toMatchObject({ id: mergeId, mergedCustomerId: mergedId, undoneAt: expect.any(String) });
    const restored = res.undoMerge.customer!;
    expect(restored.id).toBe(mergedId);
    expect(identityKeys(restored)).toEqual(identityKeys(mergedBefore));
    expect(consentKeys(restored)).toEqual(consentKeys(mergedBefore));
    expect(restored).toMatchObject({ firstName: b.firstName, lastName: b.lastName, email: b.email, status: 'ACTIVE' });

    const survivor = await detail(survivorId);
    expect(identityKeys(survivor)).toEqual([...identityKeys(survivorBefore), `EMAIL:${later}`].sort());
    expect(consentKeys(survivor)).toEqual(['MARKETING/EMAIL=true', 'SERVICE/EMAIL=true']);
    expect(await probeRowsOf(mergedId)).toEqual(mergedProbes);
    expect(await probeRowsOf(survivorId)).toEqual([survivorProbe, laterProbe].sort());
    // The lineage keeps the undone merge.
    expect(survivor.mergedFrom).toEqual([expect.objectContaining({ id: mergeId, mergedCustomerId: mergedId, undoneAt: expect.any(String) })]);
    expect(await eventTypes(survivorId)).toContain('customer.merge_undone');
  });

  it('makes the merged id its own customer again', async () => {
    expect((await detail(mergedId)).id).toBe(mergedId);
    expect((await env.ok(CustomerByIdentityDocument, { identity: { type: 'EMAIL', value: b.email } })).customerByIdentity?.id).toBe(mergedId);
    const search = await env.ok(CustomersDocument, { search: b.phone });
    expect(search.customers.edges.map((edge) => edge.node.id)).toEqual([mergedId]);
  });

  it('answers ALREADY_UNDONE for a second undo', async () => {
    const res = await env.ok(UndoMergeDocument, { input: { mergeId } });
    expect(res.undoMerge).toEqual({ customer: null, merge: null, userErrors: [{ code: 'ALREADY_UNDONE', field: ['input', 'mergeId'], message: expect.any(String) }] });
  });

  it('can merge the same pair again after an undo', async () => {
    const res = await env.ok(MergeCustomersDocument, { input: { survivorId, mergedId } });
    expect(res.mergeCustomers.userErrors).toEqual([]);
    expect((await detail(mergedId)).id).toBe(survivorId);
    expect((await detail(survivorId)).mergedFrom.map((entry) => [entry.mergedCustomerId, Boolean(entry.undoneAt)])).toEqual([[mergedId, false], [mergedId, true]]);
  });
});

describe('chains of merges', () => {
  it('follows a chain: C into B, then B into A, so customer(C) is A; undo is last-in first-out', async () => {
    const [a, b, c] = [await createPerson(env), await createPerson(env), await createPerson(env)];
    const cProbe = await probeRow(c.id);
    const first = await env.ok(MergeCustomersDocument, { input: { survivorId: b.id, mergedId: c.id } });
    const second = await env.ok(MergeCustomersDocument, { input: { survivorId: a.id, mergedId: b.id } });
    expect([first.mergeCustomers.userErrors, second.mergeCustomers.userErrors]).toEqual([[], []]);
    expect((await detail(c.id)).id).toBe(a.id);
    expect((await env.ok(NodeCustomerDocument, { id: c.id })).node?.id).toBe(a.id);
    expect(identityKeys(await detail(a.id))).toEqual([a, b, c].flatMap((x) => [`EMAIL:${x.email}`, `PHONE:${x.phone}`]).sort());
    expect(await probeRowsOf(a.id)).toEqual([cProbe]);
    // A's lineage holds both merges; the survivor field, like every customer reference, resolves to A now.
    expect((await detail(a.id)).mergedFrom.map((merge) => [merge.id, merge.mergedCustomerId, merge.survivor.id])).toEqual([
      [second.mergeCustomers.merge!.id, b.id, a.id],
      [first.mergeCustomers.merge!.id, c.id, a.id],
    ]);

    // Undoing C->B while B sits inside A would hand C's rows back from A behind A's back: refused.
    const early = await env.ok(UndoMergeDocument, { input: { mergeId: first.mergeCustomers.merge!.id } });
    expect(early.undoMerge.userErrors).toEqual([{ code: 'ALREADY_MERGED', field: ['input', 'mergeId'], message: expect.stringContaining(second.mergeCustomers.merge!.id) }]);

    const undoSecond = await env.ok(UndoMergeDocument, { input: { mergeId: second.mergeCustomers.merge!.id } });
    expect(undoSecond.undoMerge.userErrors).toEqual([]);
    expect((await detail(c.id)).id).toBe(b.id);
    expect(await probeRowsOf(b.id)).toEqual([cProbe]);
    const undoFirst = await env.ok(UndoMergeDocument, { input: { mergeId: first.mergeCustomers.merge!.id } });
    expect(undoFirst.undoMerge.userErrors).toEqual([]);
    expect(await probeRowsOf(c.id)).toEqual([cProbe]);
    for (const x of [a, b, c]) expect(identityKeys(await detail(x.id))).toEqual([`EMAIL:${x.email}`, `PHONE:${x.phone}`].sort());
  });

  it('lets exactly one of two opposite concurrent merges of the same pair win, without deadlock', async () => {
    const [x, y] = [await createPerson(env), await createPerson(env)];
    const results = await Promise.all([
      env.ok(MergeCustomersDocument, { input: { survivorId: x.id, mergedId: y.id } }),
      env.ok(MergeCustomersDocument, { input: { survivorId: y.id, mergedId: x.id } }),
    ]);
    const codes = results.map((result) => result.mergeCustomers.userErrors.map((error) => error.code).join(',') || 'ok').sort();
    expect(codes).toEqual(['ALREADY_MERGED', 'ok']);
  });
});

describe('mergeCustomers user errors', () => {
  it.each([
    ['SAME_CUSTOMER when both ids are the same', async () => {
      const x = await createPerson(env);
      return { input: { survivorId: x.id, mergedId: x.id }, code: 'SAME_CUSTOMER', field: ['input', 'mergedId'] };
    }],
    ['NOT_FOUND for an unknown survivor', async () => {
      const x = await createPerson(env);
      return { input: { survivorId: 'cus_00000000000000000000000000', mergedId: x.id }, code: 'NOT_FOUND', field: ['input', 'survivorId'] };
    }],
    ['NOT_FOUND for a merged id that is not a customer id', async () => {
      const x = await createPerson(env);
      return { input: { survivorId: x.id, mergedId: 'mrg_00000000000000000000000000' }, code: 'NOT_FOUND', field: ['input', 'mergedId'] };
    }],
    ['ALREADY_MERGED when the merged customer was merged before', async () => {
      const [x, y, z] = [await createPerson(env), await createPerson(env), await createPerson(env)];
      await env.ok(MergeCustomersDocument, { input: { survivorId: x.id, mergedId: y.id } });
      return { input: { survivorId: z.id, mergedId: y.id }, code: 'ALREADY_MERGED', field: ['input', 'mergedId'] };
    }],
    ['ALREADY_MERGED when the survivor was merged away', async () => {
      const [x, y, z] = [await createPerson(env), await createPerson(env), await createPerson(env)];
      await env.ok(MergeCustomersDocument, { input: { survivorId: x.id, mergedId: y.id } });
      return { input: { survivorId: y.id, mergedId: z.id }, code: 'ALREADY_MERGED', field: ['input', 'survivorId'] };
    }],
  ])('%s', async (_name, setup) => {
    const { input, code, field } = await setup();
    const res = await env.ok(MergeCustomersDocument, { input });
    expect(res.mergeCustomers).toEqual({ customer: null, merge: null, userErrors: [{ code, field, message: expect.any(String) }] });
  });

  it('NOT_FOUND from undoMerge for an unknown or malformed merge id', async () => {
    for (const mergeId of ['mrg_00000000000000000000000000', 'cus_00000000000000000000000000', 'x']) {
      const res = await env.ok(UndoMergeDocument, { input: { mergeId } });
      expect(res.undoMerge.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['input', 'mergeId'], message: expect.any(String) }]);
    }
  });
});
