import { Client } from 'pg';
import { newId } from '../src/common/ids';
import { modules } from '../src/modules';
import { wireModules } from '../src/modules/wiring';
import {
  AddIdentityDocument, CustomerByIdentityDocument, CustomerDataExportDocument, CustomerDetailDocument, CustomersDocument, EraseCustomerDocument,
  IdentifyCustomerDocument, MergeCustomersDocument, RecordConsentDocument,
} from './generated/graphql';
import { createLocation, createProduct, order, receive } from './support/commerce';
import { createPerson, person, type Person } from './support/customers';
import { record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * GDPR erasure, proven the hard way: after eraseCustomer, every text, varchar, char, json and jsonb
 * column (arrays of them too) of every table in the database is scanned for every personal value the
 * customer ever had, and none may be left.
 */
const PROBE_TABLE = 'erase_probe_visit';

let env: TestServer;
let db: Client;

beforeAll(async () => {
  env = await startTestServer();
  db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  // A later module's table, declared the way modules do: the note is personal, the amount is not.
  await db.query(`create table ${PROBE_TABLE} (id text primary key, customer_id text not null references customer (id), note text, amount_cents int not null)`);
  // Wired as a later module's declaration would be, added to the list of modules.
  wireModules([
    ...modules,
    { name: 'probe', entities: [], resolvers: [], customerData: [{ name: 'eraseProbe', table: PROBE_TABLE, customerColumn: 'customer_id', personalColumns: { note: 'null' } }] },
  ]);
});
afterAll(async () => {
  await db.end();
  await env.stop();
});

interface Hit {
  table: string;
  column: string;
  value: string;
}

/** Every (table, column) holding text in the database, from information_schema. */
async function textColumns(): Promise<{ schema: string; table: string; column: string }[]> {
  const { rows } = await db.query(
    `select c.table_schema as schema, c.table_name as table, c.column_name as column
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema not in ('pg_catalog', 'information_schema')
        and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
             or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar', '_bpchar', '_json', '_jsonb')))
      order by 1, 2, 3`,
  );
  return rows;
}

/** Scans every text column of every table for each value (case-insensitive substring, JSON as text). */
async function scan(values: string[]): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const { schema, table, column } of await textColumns()) {
    const { rows } = await db.query(
      `select v.value from unnest($1::text[]) v(value)
        where exists (select 1 from "${schema}"."${table}" t where t."${column}"::text ilike '%' || v.value || '%')`,
      [values],
    );
    for (const row of rows) hits.push({ table: `${schema}.${table}`, column, value: row.value });
  }
  return hits;
}

describe('eraseCustomer', () => {
  let p: Person;
  let twin: Person;
  let customerId: string;
  let twinId: string;
  let personalValues: string[];
  let erasedReport: { name: string; rows: number }[];

  beforeAll(async () => {
    p = person();
    twin = person();
    const loyalty = unique('LOYALTY');
    const handle = unique('insta.handle');
    const crmKey = unique('CRMKEY');
    const mergeReason = `Caller confirmed ${unique('secret-detail')}`;
    const note = `Visited the store with ${unique('private-note')}`;
    const eventNote = unique('event-note');
    customerId = (await createPerson(env, p)).id;
    twinId = (await createPerson(env, twin)).id;
    for (const identity of [
      { type: 'LOYALTY_CARD' as const, value: loyalty },
      { type: 'SOCIAL' as const, value: handle, system: 'instagram' },
      { type: 'EXTERNAL' as const, value: crmKey, system: 'crm' },
    ]) {
      expect((await env.ok(AddIdentityDocument, { input: { customerId, identity } })).addIdentity.userErrors).toEqual([]);
    }
    await env.ok(RecordConsentDocument, { input: { customerId, purpose: 'MARKETING', channel: 'EMAIL', granted: true, source: 'WEB' } });
    await env.ok(RecordConsentDocument, { input: { customerId: twinId, purpose: 'PROFILING', channel: 'SMS', granted: false } });
    await db.query(`insert into ${PROBE_TABLE} (id, customer_id, note, amount_cents) values ($1, $2, $3, 4200)`, [newId('Order'), twinId, note]);
    // An event a later module published with personal values in its payload (the log is erased too).
    await db.query(`insert into event (type, customer_id, payload) values ('probe.visited', $1, $2)`, [twinId, JSON.stringify({ note: eventNote, email: twin.email, amountCents: 4200 })]);
    // Issue 13 class 9: an idempotency key that carries the address (Message-ID style, copied into the
    // event payload), and the stored input hashes that would confirm a guessed body or e-mail.
    const messageId = `<${unique('msg')}.${twin.email}>`;
    const interaction = await record(env, { customer: { id: twinId }, channel: 'EMAIL', source: 'imap', externalId: messageId, body: 'Where is my parcel?' });
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 5);
    const placed = await order(env, { channel: 'WEB', customer: { id: twinId }, lines: [{ sku: product.sku, quantity: 1 }] });
    const [{ input_hash: inputHash }] = (await db.query(`select input_hash from interaction where id = $1`, [interaction.id])).rows;
    const [{ request_hash: requestHash }] = (await db.query(`select request_hash from "order" where id = $1`, [placed.id])).rows;
    const merged = await env.ok(MergeCustomersDocument, { input: { survivorId: customerId, mergedId: twinId, reason: mergeReason } });
    expect(merged.mergeCustomers.userErrors).toEqual([]);

    personalValues = [
      p.firstName, p.lastName, p.city, p.email, p.email.split('@')[0], `+48${p.phone}`, p.phone,
      twin.firstName, twin.lastName, twin.city, twin.email, `+48${twin.phone}`, twin.phone,
      loyalty, handle, crmKey, mergeReason, note, eventNote, messageId, inputHash, requestHash,
    ];
    // Sanity: before erasure the scan finds every value somewhere (so it can find them at all).
    const before = new Set((await scan(personalValues)).map((hit) => hit.value));
    expect(personalValues.filter((value) => !before.has(value))).toEqual([]);

    const res = await env.ok(EraseCustomerDocument, { input: { customerId, reason: 'Data subject request #1' } }, TOKENS.ADMIN);
    expect(res.eraseCustomer.userErrors).toEqual([]);
    erasedReport = res.eraseCustomer.erased;
    expect(res.eraseCustomer.customer).toMatchObject({
      id: customerId, status: 'ERASED', displayName: 'Erased customer', firstName: null, lastName: null, email: null, phone: null, city: null, identities: [],
    });
  });

  it('leaves none of the personal values in any text or JSON column of any table', async () => {
    expect(await scan(personalValues)).toEqual([]);
  });

  it('reports what it erased, per kind of record', () => {
    const report = Object.fromEntries(erasedReport.map((entry) => [entry.name, entry.rows]));
    expect(report).toMatchObject({ customer: 2, identities: 7, eraseProbe: 1, mergeReasons: 1 });
    expect(report.events).toBeGreaterThanOrEqual(1);
  });

  it('keeps the non-personal records: customers, consents, merges, amounts, events', async () => {
    const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params)).rows[0].n);
    expect(await count(`select count(*) as n from customer where id in ($1, $2) and status = 'ERASED' and erased_at is not null`, [customerId, twinId])).toBe(2);
    expect(await count(`select count(*) as n from consent where customer_id = $1`, [customerId])).toBe(2);
    expect(await count(`select count(*) as n from customer_merge where survivor_id = $1`, [customerId])).toBe(1);
    expect(await count(`select count(*) as n from ${PROBE_TABLE} where customer_id = $1 and amount_cents = 4200 and note is null`, [customerId])).toBe(1);
    expect(await count(`select count(*) as n from event where customer_id = $1 and type = 'probe.visited' and (payload->>'amountCents')::int = 4200`, [twinId])).toBe(1);
    expect(await count(`select count(*) as n from event where customer_id = $1 and type = 'customer.erased'`, [customerId])).toBe(1);
    const { customer } = await env.ok(CustomerDetailDocument, { id: customerId });
    expect(customer!.consents).toHaveLength(2);
    expect(customer!.mergedFrom).toEqual([expect.objectContaining({ mergedCustomerId: twinId, reason: null })]);
  });

  it('makes the erased identities unknown, the customer unsearchable, and the export empty of personal data', async () => {
    expect((await env.ok(CustomerByIdentityDocument, { identity: { type: 'EMAIL', value: p.email } })).customerByIdentity).toBeNull();
    expect((await env.ok(CustomersDocument, { search: p.lastName })).customers.totalCount).toBe(0);
    const exported = JSON.stringify((await env.ok(CustomerDataExportDocument, { customerId })).customerDataExport).toLowerCase();
    for (const value of personalValues) expect(exported).not.toContain(value.toLowerCase());
  });

  it('answers CUSTOMER_ERASED when erased again, through either id', async () => {
    for (const id of [customerId, twinId]) {
      const res = await env.ok(EraseCustomerDocument, { input: { customerId: id } }, TOKENS.ADMIN);
      expect(res.eraseCustomer).toEqual({ customer: null, erased: [], userErrors: [{ code: 'CUSTOMER_ERASED', field: ['input', 'customerId'], message: expect.any(String) }] });
    }
  });

  it('lets the same e-mail identify a brand-new customer afterwards', async () => {
    const res = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'EMAIL', value: p.email }] } });
    expect(res.identifyCustomer).toMatchObject({ created: true, userErrors: [] });
    expect(res.identifyCustomer.customer!.id).not.toBe(customerId);
  });

  it('answers NOT_FOUND for an unknown customer', async () => {
    const res = await env.ok(EraseCustomerDocument, { input: { customerId: 'cus_00000000000000000000000000' } }, TOKENS.ADMIN);
    expect(res.eraseCustomer.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['input', 'customerId'], message: expect.any(String) }]);
  });

  it('erases a customer that was never merged just as well', async () => {
    const q = person();
    const { id } = await createPerson(env, q);
    const res = await env.ok(EraseCustomerDocument, { input: { customerId: id } }, TOKENS.ADMIN);
    expect(res.eraseCustomer.userErrors).toEqual([]);
    expect(await scan([q.firstName, q.lastName, q.email, q.phone, q.city])).toEqual([]);
  });
});
