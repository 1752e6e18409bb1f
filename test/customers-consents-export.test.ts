import { Client } from 'pg';
import { newId } from '../src/common/ids';
import { modules } from '../src/modules';
import { wireModules } from '../src/modules/wiring';
import {
  AddIdentityDocument, CustomerDataExportDocument, CustomerDetailDocument, MergeCustomersDocument, RecordConsentDocument,
  type RecordConsentInput,
} from './generated/graphql';
import { createPerson, person, type Person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/** A table of this file's own, declared as a later module would declare its customer-owned rows. */
const PROBE_TABLE = 'export_probe_ticket';

let env: TestServer;
let db: Client;

beforeAll(async () => {
  env = await startTestServer();
  db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  await db.query(`create table ${PROBE_TABLE} (id text primary key, customer_id text not null references customer (id), topic text, amount_cents int)`);
  // Wired as a later module's declaration would be, added to the list of modules.
  wireModules([
    ...modules,
    { name: 'probe', entities: [], resolvers: [], customerData: [{ name: 'exportProbe', table: PROBE_TABLE, customerColumn: 'customer_id', personalColumns: { topic: 'null' } }] },
  ]);
});
afterAll(async () => {
  await db.end();
  await env.stop();
});

async function record(input: RecordConsentInput, token: string = TOKENS.AGENT) {
  const res = await env.ok(RecordConsentDocument, { input }, token);
  expect(res.recordConsent.userErrors).toEqual([]);
  return res.recordConsent.customer!;
}

describe('recordConsent and Customer.consents', () => {
  let customerId: string;

  beforeAll(async () => {
    customerId = (await createPerson(env)).id;
  });

  it('keeps the current state per purpose x channel: the latest record wins', async () => {
    await record({ customerId, purpose: 'MARKETING', channel: 'EMAIL', granted: true, source: 'WEB' });
    const afterWithdrawal = await record({ customerId, purpose: 'MARKETING', channel: 'EMAIL', granted: false, source: 'PHONE' });
    // The payload already shows the new state.
    expect(afterWithdrawal.consents).toEqual([{ purpose: 'MARKETING', channel: 'EMAIL', granted: false, source: 'PHONE', updatedAt: expect.any(String) }]);
    await record({ customerId, purpose: 'MARKETING', channel: 'SMS', granted: true });
    await record({ customerId, purpose: 'PROFILING', channel: 'WEB', granted: true, source: 'WEB' });

    const { customer } = await env.ok(CustomerDetailDocument, { id: customerId }, TOKENS.PARTNER);
    const state = customer!.consents.map(({ purpose, channel, granted, source }) => ({ purpose, channel, granted, source }));
    expect(state).toEqual(expect.arrayContaining([
      { purpose: 'MARKETING', channel: 'EMAIL', granted: false, source: 'PHONE' },
      { purpose: 'MARKETING', channel: 'SMS', granted: true, source: null },
      { purpose: 'PROFILING', channel: 'WEB', granted: true, source: 'WEB' },
    ]));
    expect(state).toHaveLength(3);
    for (const consent of customer!.consents) expect(new Date(consent.updatedAt).toISOString()).toBe(consent.updatedAt);
  });

  it('appends every change to the history (export) and to the event log', async () => {
    const { customerDataExport } = await env.ok(CustomerDataExportDocument, { customerId });
    const history = (customerDataExport as { consents: { purpose: string; channel: string; granted: boolean }[] }).consents;
    expect(history.map((row) => `${row.purpose}/${row.channel}=${row.granted}`)).toEqual([
      'MARKETING/EMAIL=true', 'MARKETING/EMAIL=false', 'MARKETING/SMS=true', 'PROFILING/WEB=true',
    ]);
    const { rows } = await db.query(`select payload from event where customer_id = $1 and type = 'customer.consent_changed' order by id`, [customerId]);
    expect(rows.map((row) => row.payload.granted)).toEqual([true, false, true, true]);
  });

  it('keeps the last of many quick changes as the current state (no tie within a millisecond)', async () => {
    const quick = (await createPerson(env)).id;
    for (let i = 0; i < 15; i++) await record({ customerId: quick, purpose: 'SERVICE', channel: 'SMS', granted: i % 2 === 0 });
    const { customer } = await env.ok(CustomerDetailDocument, { id: quick });
    expect(customer!.consents.map((consent) => consent.granted)).toEqual([true]);
    const { rows } = await db.query(`select count(distinct recorded_at)::int as n from consent where customer_id = $1`, [quick]);
    expect(rows[0].n).toBe(15);
  });

  it('records on the survivor when given a merged-away id', async () => {
    const survivor = await createPerson(env);
    const merged = await createPerson(env);
    await env.ok(MergeCustomersDocument, { input: { survivorId: survivor.id, mergedId: merged.id } });
    const customer = await record({ customerId: merged.id, purpose: 'SERVICE', channel: 'CHAT', granted: true });
    expect(customer.id).toBe(survivor.id);
    expect(customer.consents.map((consent) => consent.purpose)).toEqual(['SERVICE']);
  });

  it.each([
    ['an unknown customer', 'cus_00000000000000000000000000'],
    ['an id that is not a customer id', 'prd_00000000000000000000000000'],
  ])('answers NOT_FOUND for %s', async (_name, id) => {
    const res = await env.ok(RecordConsentDocument, { input: { customerId: id, purpose: 'MARKETING', channel: 'EMAIL', granted: true } });
    expect(res.recordConsent).toEqual({ customer: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'customerId'], message: expect.any(String) }] });
  });
});

describe('customerDataExport', () => {
  let p: Person;
  let twin: Person;
  let customerId: string;
  let twinId: string;
  let loyalty: string;
  let topic: string;
  let exported: Record<string, unknown>;

  beforeAll(async () => {
    p = person();
    twin = person();
    loyalty = unique('CARD-');
    topic = unique('Complaint about parcel ');
    customerId = (await createPerson(env, p)).id;
    twinId = (await createPerson(env, twin)).id;
    await env.ok(AddIdentityDocument, { input: { customerId, identity: { type: 'LOYALTY_CARD', value: loyalty } } });
    await record({ customerId, purpose: 'MARKETING', channel: 'EMAIL', granted: true });
    await record({ customerId: twinId, purpose: 'MARKETING', channel: 'SMS', granted: false });
    await db.query(`insert into ${PROBE_TABLE} (id, customer_id, topic, amount_cents) values ($1, $2, $3, 1999)`, [newId('Interaction'), twinId, topic]);
    const merged = await env.ok(MergeCustomersDocument, { input: { survivorId: customerId, mergedId: twinId, reason: 'same person' } });
    expect(merged.mergeCustomers.userErrors).toEqual([]);
    exported = (await env.ok(CustomerDataExportDocument, { customerId }, TOKENS.AGENT)).customerDataExport;
  });

  it('holds the profile, every identity, the consent history and the merged customer', () => {
    expect(exported.customerId).toBe(customerId);
    expect(exported.profile).toMatchObject({ id: customerId, first_name: p.firstName, last_name: p.lastName, city: p.city });
    expect(exported.mergedCustomers).toEqual([expect.objectContaining({ id: twinId, first_name: twin.firstName, merged_into_id: customerId })]);
    expect(exported.merges).toEqual([expect.objectContaining({ survivor_id: customerId, merged_id: twinId, reason: 'same person' })]);
    const identities = (exported.identities as { type: string; value: string }[]).map((identity) => `${identity.type}:${identity.value}`).sort();
    expect(identities).toEqual([
      `EMAIL:${p.email}`, `EMAIL:${twin.email}`, `LOYALTY_CARD:${loyalty}`, `PHONE:+48${p.phone}`, `PHONE:+48${twin.phone}`,
    ].sort());
    expect((exported.consents as { purpose: string; channel: string; granted: boolean }[]).map((row) => `${row.channel}=${row.granted}`).sort())
      .toEqual(['EMAIL=true', 'SMS=false']);
    expect(new Date(exported.exportedAt as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("holds later modules' records, the merged customer's included", () => {
    expect(exported.exportProbe).toEqual([expect.objectContaining({ customer_id: customerId, topic, amount_cents: 1999 })]);
  });

  it('holds the event log of the customer and of the customers merged into it', () => {
    const json = JSON.stringify(exported);
    // Events stay with the id they were written for (the log is history), so the twin's creation is
    // exported from under the twin's id.
    expect(json.match(/"customer\.created"/g)?.length).toBe(2);
    expect(json).toContain('"customer.merged"');
  });

  it('answers the same for the merged-away id, and is refused for unknown ids with BAD_USER_INPUT', async () => {
    const viaTwin = (await env.ok(CustomerDataExportDocument, { customerId: twinId }, TOKENS.ADMIN)).customerDataExport;
    expect({ ...viaTwin, exportedAt: null }).toEqual({ ...exported, exportedAt: null });
    for (const id of ['cus_00000000000000000000000000', 'garbage']) {
      const res = await env.gql(CustomerDataExportDocument, { customerId: id });
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
