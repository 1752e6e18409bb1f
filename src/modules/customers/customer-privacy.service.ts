import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../context/context';
import { customerDataOwners } from '../../common/customer-data';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { isIdOf } from '../../common/ids';
import { inTransaction, placeholders, query, queryOne } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { CustomerStatus } from './customer.enums';
import { resolveSurvivorId } from './customer.service';
import type { CustomerRow, ErasedRecordsType } from './customer.type';
import { CUSTOMER_COLUMNS } from './customer.loaders';

/** Every customer id whose merges lead to `customerId` (itself included). */
async function lineage(ctx: Context, customerId: string): Promise<string[]> {
  const rows = await query<{ id: string }>(
    ctx.em,
    `with recursive tree(id, depth) as (
       select ?::text, 0
       union all
       select c.id, tree.depth + 1 from customer c join tree on c.merged_into_id = tree.id where tree.depth < 32
     ) select id from tree`,
    [customerId],
  );
  return rows.map((row) => row.id);
}

/**
 * `customerDataExport`: everything omni360 holds about the customer (GDPR access and portability),
 * gathered from every module that registered customer data.
 */
export async function exportCustomerData(ctx: Context, customerId: string): Promise<Record<string, unknown>> {
  const survivorId = isIdOf('Customer', customerId) ? await resolveSurvivorId(ctx.em, customerId) : undefined;
  if (!survivorId) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${customerId}.`, ['customerId']);
  const ids = await lineage(ctx, survivorId);
  const profile = await query(ctx.em, `select * from customer where id in (${placeholders(ids.length)}) order by created_at`, ids);
  const data: Record<string, unknown> = {
    exportedAt: new Date().toISOString(),
    customerId: survivorId,
    profile: profile.find((row) => row.id === survivorId),
    mergedCustomers: profile.filter((row) => row.id !== survivorId),
    merges: await query(
      ctx.em,
      `select * from customer_merge where survivor_id in (${placeholders(ids.length)}) or merged_id in (${placeholders(ids.length)}) order by merged_at`,
      [...ids, ...ids],
    ),
  };
  for (const owner of customerDataOwners()) {
    if (!owner.exportRows) {
      data[owner.name] = await query(ctx.em, `select * from "${owner.table}" where "${owner.customerColumn}" in (${placeholders(ids.length)})`, ids);
      continue;
    }
    // Rows of owners that do not move on merge (the event log) stay under the merged-away ids.
    const rows: unknown[] = [];
    for (const id of ids) rows.push(...(await owner.exportRows(ctx.em, id)));
    data[owner.name] = rows;
  }
  return data;
}

/**
 * Locks every customer row the erasure of `id` touches (the survivor `id` resolves to, everything
 * merged into it, and `id` itself) in id order, as merges and undoMerge lock theirs: the three
 * serialise and never deadlock. Once the locks are held it resolves again: a merge or an undo that
 * held a row may have moved the person while this waited; then the new set is locked too.
 */
async function lockForErasure(em: EntityManager, ctx: Context, id: string): Promise<string> {
  const rowsOf = async (survivorId: string) => [...new Set([id, ...(await lineage({ ...ctx, em }, survivorId))])].sort();
  for (let attempt = 0; attempt < 8; attempt++) {
    const survivorId = isIdOf('Customer', id) ? await resolveSurvivorId(em, id) : undefined;
    if (!survivorId) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${id}.`, ['input', 'customerId']);
    const ids = await rowsOf(survivorId);
    await query(em, `select id from customer where id in (${placeholders(ids.length)}) order by id for update`, ids);
    // READ COMMITTED: statements after the wait see what the transactions waited for committed.
    if ((await resolveSurvivorId(em, id)) === survivorId && (await rowsOf(survivorId)).join() === ids.join()) return survivorId;
  }
  throw new DomainError(CommonErrorCode.CONFLICT, `Customer ${id} keeps being merged; retry the erasure.`, ['input', 'customerId']);
}

/**
 * `eraseCustomer`: anonymises personal data in every table that holds it (the customer, customers
 * merged into it, and every registered module's rows, event payloads included), keeps non-personal
 * records for accounting, and reports what it erased.
 */
export async function eraseCustomer(ctx: Context, input: { customerId: string; reason?: string | null }): Promise<{ customer: CustomerRow; erased: ErasedRecordsType[] }> {
  return inTransaction(ctx.em, async (em) => {
    const survivorId = await lockForErasure(em, ctx, input.customerId);
    const current = await queryOne<{ status: string }>(em, `select status from customer where id = ?`, [survivorId]);
    if (current?.status === CustomerStatus.ERASED) {
      throw new DomainError(CommonErrorCode.CUSTOMER_ERASED, `Customer ${survivorId} was already erased.`, ['input', 'customerId']);
    }
    const ids = await lineage({ ...ctx, em }, survivorId);
    const list = placeholders(ids.length);
    const erased: ErasedRecordsType[] = [];
    const customers = await query(
      em,
      `update customer set first_name = null, last_name = null, locale = null, city = null, search_text = '',
              status = 'ERASED', erased_at = now(), updated_at = now()
        where id in (${list}) returning id`,
      ids,
    );
    erased.push({ name: 'customer', rows: customers.length });
    const merges = await query(em, `update customer_merge set reason = null where (survivor_id in (${list}) or merged_id in (${list})) and reason is not null returning id`, [...ids, ...ids]);
    erased.push({ name: 'mergeReasons', rows: merges.length });
    for (const owner of customerDataOwners()) {
      let rows = 0;
      const columns = Object.entries(owner.personalColumns ?? {});
      if (columns.length > 0) {
        const set = columns.map(([column, expression]) => `"${column}" = ${expression}`).join(', ');
        rows += (await query(em, `update "${owner.table}" set ${set} where "${owner.customerColumn}" in (${list}) returning 1`, ids)).length;
      }
      if (owner.erase) {
        for (const id of ids) rows += await owner.erase(em, id);
      }
      if (columns.length > 0 || owner.erase) erased.push({ name: owner.name, rows });
    }
    await appendEvents(em, [{ type: 'customer.erased', customerId: survivorId, payload: { customerId: survivorId } }]);
    const customer = await queryOne<CustomerRow>(em, `select ${CUSTOMER_COLUMNS} from customer c where c.id = ?`, [survivorId]);
    return { customer: customer!, erased };
  });
}
