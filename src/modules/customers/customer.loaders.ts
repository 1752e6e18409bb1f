import type { Context } from '../../context/context';
import { groupBy, indexBy, makeLoader } from '../../context/loaders';
import { placeholders, query, queryPrepared, textArray } from '../../database/sql';
import type { ConsentType, CustomerMergeType, CustomerRow, IdentityType_ } from './customer.type';

export const CUSTOMER_COLUMNS = `c.id, c.first_name as "firstName", c.last_name as "lastName", c.locale, c.city, c.status,
  c.created_at as "createdAt", c.created_by as "createdBy"`;

/** Every identity of customer `c`, oldest first, as JSON in IdentitiesByCustomerLoader's row shape. */
const EMBEDDED_IDENTITIES = `coalesce((
  select json_agg(json_build_object('id', i.id, 'customerId', i.customer_id, 'type', i.type, 'system', nullif(i.system, ''),
           'value', i.value, 'verified', i.verified, 'firstSeenChannel', i.first_seen_channel, 'addedAt', i.added_at)
         order by i.added_at, i.id)
    from identity i where i.customer_id = c.id), '[]'::json)`;

/**
 * Customers by id, following merges: an id merged away resolves to its survivor (through any chain of
 * merges), so every reader of a merged id sees one customer. The identities come in the same statement
 * and prime IdentitiesByCustomerLoader: nearly every customer view shows some (displayName, email,
 * phone, identities), and a customer has a handful.
 */
export function CustomerByIdLoader(ctx: Context) {
  return makeLoader<string, CustomerRow | null>((ids) => customersById(ctx, ids));
}

async function customersById(ctx: Context, ids: readonly string[]): Promise<(CustomerRow | null)[]> {
  const rows = await queryPrepared<CustomerRow & { requested: string; identities: IdentityType_[] }>(
    ctx.em,
    `with recursive chain(requested, id, merged_into, depth) as (
       select c.id, c.id, c.merged_into_id, 0 from customer c where c.id = any(?::text[])
       union all
       select chain.requested, c.id, c.merged_into_id, chain.depth + 1
         from chain join customer c on c.id = chain.merged_into where chain.depth < 32
     )
     select chain.requested, ${CUSTOMER_COLUMNS}, ${EMBEDDED_IDENTITIES} as identities
       from chain join customer c on c.id = chain.id where chain.merged_into is null`,
    [textArray(ids)],
  );
  const identities = ctx.loaders.get(IdentitiesByCustomerLoader);
  return indexBy(ids, rows.map(({ identities: own, ...row }) => {
    identities.prime(row.id, own);
    return row;
  }), (row) => row.requested);
}

export function IdentitiesByCustomerLoader(ctx: Context) {
  return makeLoader<string, IdentityType_[]>(async (customerIds) => {
    const rows = await query<IdentityType_>(
      ctx.em,
      `select id, customer_id as "customerId", type, nullif(system, '') as system, value, verified,
              first_seen_channel as "firstSeenChannel", added_at as "addedAt"
         from identity where customer_id in (${placeholders(customerIds.length)}) order by added_at, id`,
      [...customerIds],
    );
    return groupBy(customerIds, rows, (row) => row.customerId);
  });
}

/** Current consent state of the customers bound as `customerIds`: the latest record per purpose and channel. */
export const CONSENT_SQL = (customerIds: string) => `select distinct on (customer_id, purpose, channel)
         customer_id as "customerId", purpose, channel, granted, source, recorded_at as "updatedAt"
    from consent where customer_id in (${customerIds})
   order by customer_id, purpose, channel, recorded_at desc, id desc`;

/** Current consent state: the latest record per purpose and channel. */
export function ConsentsByCustomerLoader(ctx: Context) {
  return makeLoader<string, ConsentType[]>(async (customerIds) => {
    const rows = await query<ConsentType>(ctx.em, CONSENT_SQL(placeholders(customerIds.length)), [...customerIds]);
    return groupBy(customerIds, rows, (row) => row.customerId);
  });
}

export const MERGE_COLUMNS = `m.id, m.survivor_id as "survivorId", m.merged_id as "mergedCustomerId", m.merged_at as "mergedAt",
  m.reason, m.undone_at as "undoneAt"`;

export function MergeByIdLoader(ctx: Context) {
  return makeLoader<string, CustomerMergeType | null>(async (ids) => {
    const rows = await query<CustomerMergeType>(ctx.em, `select ${MERGE_COLUMNS} from customer_merge m where m.id in (${placeholders(ids.length)})`, [...ids]);
    return indexBy(ids, rows, (row) => row.id);
  });
}

/**
 * The lineage of each customer, newest first, undone merges included: every merge into the customer and
 * into any customer merged into it since (C into B, then B into A: A's lineage shows both). One
 * statement for all parents, walking `merged_into_id` down from each.
 */
export function MergesBySurvivorLoader(ctx: Context) {
  return makeLoader<string, CustomerMergeType[]>(async (customerIds) => {
    const rows = await query<CustomerMergeType & { rootId: string }>(
      ctx.em,
      `with recursive tree(root_id, id, depth) as (
         select c.id, c.id, 0 from customer c where c.id in (${placeholders(customerIds.length)})
         union all
         select tree.root_id, c.id, tree.depth + 1 from tree join customer c on c.merged_into_id = tree.id where tree.depth < 32
       )
       select tree.root_id as "rootId", ${MERGE_COLUMNS}
         from tree join customer_merge m on m.survivor_id = tree.id
        order by m.merged_at desc, m.id desc`,
      [...customerIds],
    );
    return groupBy(customerIds, rows, (row) => row.rootId);
  });
}
