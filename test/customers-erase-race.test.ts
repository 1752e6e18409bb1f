import type { Client } from 'pg';
import { EraseCustomerDocument, MergeCustomersDocument, UndoMergeDocument } from './generated/graphql';
import { createPerson, person, type Person } from './support/customers';
import { rawClient, record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * Issue 13 class 8: erasure racing a merge or an undoMerge. The interleaving is forced, not left to luck:
 * a raw connection holds the row lock of a customer while the merge (or undo) and then the erasure
 * queue behind it; PostgreSQL grants the row to its waiters in arrival order, so the merge runs first
 * and the erasure must notice, after its wait, that the person moved.
 */

let env: TestServer;
let db: Client;

beforeAll(async () => {
  env = await startTestServer();
  db = await rawClient(env);
});
afterAll(async () => {
  await db.end();
  await env.stop();
});

/** Backends of this database waiting for a lock. */
async function waiting(): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
  return rows[0].n;
}

/** Holds `for update` on the customers' rows in a transaction of its own until `release` is called. */
async function holdRows(ids: string[]): Promise<{ release: () => Promise<void> }> {
  const blocker = await rawClient(env);
  await blocker.query('begin');
  await blocker.query('select id from customer where id = any($1) order by id for update', [ids]);
  return {
    release: async () => {
      await blocker.query('commit');
      await blocker.end();
    },
  };
}

/** Where a person's values still are: identities, interaction bodies, profile names. */
async function traces(p: Person, body: string): Promise<string[]> {
  const { rows } = await db.query(
    `select 'identity' as place from identity where value in ($1, $2)
     union all select 'interaction' from interaction where body = $3
     union all select 'customer' from customer where first_name = $4 or last_name = $5`,
    [p.email, `+48${p.phone}`, body, p.firstName, p.lastName],
  );
  return rows.map((row) => row.place);
}

describe('eraseCustomer serialises with mergeCustomers and undoMerge', () => {
  it("erasure of V queued behind a merge V -> S erases the person on S (before: success reported, V's e-mail, phone and bodies left on S)", async () => {
    const v = person();
    const vId = (await createPerson(env, v)).id;
    const sId = (await createPerson(env)).id;
    const body = `private ${v.lastName}`;
    await record(env, { customer: { id: vId }, body });
    expect(await traces(v, body)).not.toEqual([]);

    const hold = await holdRows([vId]);
    const before = await waiting();
    const merge = env.gql(MergeCustomersDocument, { input: { survivorId: sId, mergedId: vId } }, TOKENS.AGENT);
    await waitUntil(async () => (await waiting()) >= before + 1, 10_000, 'the merge to wait for the row');
    const erase = env.gql(EraseCustomerDocument, { input: { customerId: vId } }, TOKENS.ADMIN);
    await waitUntil(async () => (await waiting()) >= before + 2, 10_000, 'the erasure to wait for the row');
    await hold.release();

    const [merged, erased] = await Promise.all([merge, erase]);
    expect(merged.data?.mergeCustomers.userErrors).toEqual([]);
    expect(erased.data?.eraseCustomer.userErrors).toEqual([]);
    expect(erased.data?.eraseCustomer.customer?.id).toBe(sId);
    expect(await traces(v, body)).toEqual([]);
    const { rows } = await db.query(`select id, status from customer where id in ($1, $2) order by id`, [vId, sId]);
    expect(rows.map((row) => row.status)).toEqual(['ERASED', 'ERASED']);
  });

  it('erasure of V queued behind undoMerge of V -> S erases V only (before: the survivor S, another person by then, was erased and V kept)', async () => {
    const v = person();
    const s = person();
    const vId = (await createPerson(env, v)).id;
    const sId = (await createPerson(env, s)).id;
    const body = `private ${v.lastName}`;
    await record(env, { customer: { id: vId }, body });
    const mergeRes = await env.ok(MergeCustomersDocument, { input: { survivorId: sId, mergedId: vId } }, TOKENS.AGENT);
    const mergeId = mergeRes.mergeCustomers.merge!.id;

    const hold = await holdRows([sId, vId]);
    const before = await waiting();
    const undo = env.gql(UndoMergeDocument, { input: { mergeId } }, TOKENS.AGENT);
    await waitUntil(async () => (await waiting()) >= before + 1, 10_000, 'the undo to wait for the rows');
    const erase = env.gql(EraseCustomerDocument, { input: { customerId: vId } }, TOKENS.ADMIN);
    await waitUntil(async () => (await waiting()) >= before + 2, 10_000, 'the erasure to wait for the row');
    await hold.release();

    const [undone, erased] = await Promise.all([undo, erase]);
    expect(undone.data?.undoMerge.userErrors).toEqual([]);
    expect(erased.data?.eraseCustomer.userErrors).toEqual([]);
    expect(erased.data?.eraseCustomer.customer?.id).toBe(vId);
    expect(await traces(v, body)).toEqual([]);
    const { rows } = await db.query(`select id, status from customer where id in ($1, $2)`, [vId, sId]);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({ [vId]: 'ERASED', [sId]: 'ACTIVE' });
    // S keeps its own person's data.
    expect((await db.query(`select count(*)::int as n from identity where customer_id = $1 and value = $2`, [sId, s.email])).rows[0].n).toBe(1);
  });
});
