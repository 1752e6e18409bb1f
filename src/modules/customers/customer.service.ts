import { listColumn, type ListColumn, type RowFinder } from '../../common/finder';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Context, writerOf } from '../../context/context';
import { assertReadableByWriter, readsAsWriter } from '../../common/auth';
import { isStorableText, rejectNul } from '../../common/text';
import { Channel } from '../../common/channel';
import { customerDataOwners, runCustomerIdentifiedHooks } from '../../common/customer-data';
import { CommonErrorCode, DomainError, InvalidArgumentError } from '../../common/errors';
import { isIdOf, newId } from '../../common/ids';
import { cutPage, decodeCursor, keysetWhere, pageSize, toConnection, type Connection } from '../../common/pagination';
import { inTransaction, placeholders, query, queryOne, queryPrepared, textArray } from '../../database/sql';
import { appendEvents } from '../events/event-log';
import { CustomerErrorCode } from './customer.errors';
import { CUSTOMER_COLUMNS, CustomerByIdLoader, MERGE_COLUMNS, MergeByIdLoader } from './customer.loaders';
import { CustomerStatus } from './customer.enums';
import type { ConsentType, CustomerMergeType, CustomerRow, IdentityType_ } from './customer.type';
import type { CustomerProfileParams, CustomerRefParams, IdentityParams } from './customer.model';
import { identityKey, normalizeIdentity, type NormalizedIdentity } from './identity-normalization';

const MAX_IDENTITIES = 20;
const MAX_PROFILE_FIELD = 200;

export interface IdentifyResult {
  customer: CustomerRow;
  created: boolean;
}


function normalizeAll(ctx: Context, identities: IdentityParams[], field: string[]): NormalizedIdentity[] {
  if (identities.length === 0) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'At least one identity is required.', field);
  if (identities.length > MAX_IDENTITIES) throw new DomainError(CommonErrorCode.INVALID_VALUE, `At most ${MAX_IDENTITIES} identities at once.`, field);
  const unique = new Map<string, NormalizedIdentity>();
  identities.forEach((identity, index) => {
    const normalized = normalizeIdentity(identity, ctx.config.defaultRegion, [...field, String(index)]);
    unique.set(identityKey(normalized), normalized);
  });
  return [...unique.values()];
}

function cleanProfile(
  profile: CustomerProfileParams | null | undefined,
  field: string[] = ['input', 'profile'],
): Partial<Record<'firstName' | 'lastName' | 'locale' | 'city', string>> {
  const out: Partial<Record<'firstName' | 'lastName' | 'locale' | 'city', string>> = {};
  rejectNul(profile, field);
  for (const key of ['firstName', 'lastName', 'locale', 'city'] as const) {
    const value = profile?.[key]?.trim();
    if (!value) continue;
    if (value.length > MAX_PROFILE_FIELD) {
      throw new DomainError(CommonErrorCode.INVALID_VALUE, `${key} has at most ${MAX_PROFILE_FIELD} characters.`, [...field, key]);
    }
    out[key] = value;
  }
  return out;
}

/** Serialises writers of the same identities (sorted, so two writers can never deadlock). */
async function lockIdentities(em: EntityManager, identities: NormalizedIdentity[]): Promise<void> {
  // PostgreSQL text holds no NUL (identityKey's separator): the lock names spell it "u0000", as they
  // always have (a JSON-quoted array element read by PostgreSQL), so instances of either version agree.
  const keys = identities.map((identity) => identityKey(identity).replaceAll('\u0000', 'u0000')).sort();
  await query(em, `select pg_advisory_xact_lock(hashtextextended(k, 42)) from (select unnest(?::text[]) as k order by 1) s`, [textArray(keys)]);
}

async function ownersOf(em: EntityManager, identities: NormalizedIdentity[]): Promise<{ customerId: string; type: string; system: string; value: string }[]> {
  const tuples = identities.map(() => '(?, ?, ?)').join(', ');
  return query(
    em,
    `select customer_id as "customerId", type, system, value from identity where (type, system, value) in (${tuples})`,
    identities.flatMap((identity) => [identity.type, identity.system, identity.value]),
  );
}

async function insertIdentities(em: EntityManager, customerId: string, identities: NormalizedIdentity[], channel: Channel | null | undefined): Promise<void> {
  if (identities.length === 0) return;
  // One millisecond apart, in the caller's order: "oldest first" (and so the primary e-mail and phone)
  // follows the order the identities were given in, not the random part of their ids.
  await query(
    em,
    `insert into identity (id, customer_id, type, system, value, verified, first_seen_channel, added_at)
     values ${identities.map((_, index) => `(?, ?, ?, ?, ?, false, ?, now() + interval '${index} millisecond')`).join(', ')}`,
    identities.flatMap((identity) => [newId('Identity'), customerId, identity.type, identity.system, identity.value, channel ?? null]),
  );
}

/** Recomputes the trigram-indexed search text from names and identity values. */
export async function refreshSearchText(em: EntityManager, customerIds: string[]): Promise<void> {
  if (customerIds.length === 0) return;
  await query(
    em,
    `update customer c set search_text = lower(concat_ws(' ', c.first_name, c.last_name, c.city,
        (select string_agg(i.value, ' ' order by i.added_at) from identity i where i.customer_id = c.id)))
      where c.id in (${placeholders(customerIds.length)})`,
    customerIds,
  );
}

async function loadCustomer(em: EntityManager, id: string): Promise<CustomerRow> {
  const row = await queryOne<CustomerRow>(em, `select ${CUSTOMER_COLUMNS} from customer c where c.id = ?`, [id]);
  if (!row) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${id}.`);
  return row;
}

/** The merge chain from the customer bound as the first parameter: its survivor is the row with `merged_into` null. */
const MERGE_CHAIN = `with recursive chain(id, merged_into, depth) as (
       select id, merged_into_id, 0 from customer where id = ?
       union all
       select c.id, c.merged_into_id, chain.depth + 1 from chain join customer c on c.id = chain.merged_into where chain.depth < 32
     )`;

/** How often a lock follows a merge that happened while it waited, before the write gives up with NOT_FOUND. */
const MERGE_FOLLOWS = 4;

/**
 * Locks a customer row for a write, following merges to the survivor, in one statement (the chain
 * and the row lock). Fails with NOT_FOUND for unknown ids and CUSTOMER_ERASED for erased customers.
 * A survivor merged away while the lock waited is followed to its own survivor.
 */
async function lockActiveCustomer(ctx: Context, em: EntityManager, id: string, field: string[]): Promise<CustomerRow> {
  if (!isIdOf('Customer', id)) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${id}.`, field);
  let from = id;
  for (let attempt = 0; attempt < MERGE_FOLLOWS; attempt++) {
    const row = await queryOne<CustomerRow & { mergedIntoId: string | null }>(
      em,
      `${MERGE_CHAIN} select ${CUSTOMER_COLUMNS}, c.merged_into_id as "mergedIntoId" from customer c
        where c.id = (select id from chain where merged_into is null) for update of c`,
      [from],
    );
    if (!row) break;
    const { mergedIntoId, ...customer } = row;
    if (mergedIntoId) {
      from = mergedIntoId;
      continue;
    }
    if (customer.status === CustomerStatus.ERASED) throw new DomainError(CommonErrorCode.CUSTOMER_ERASED, `Customer ${id} was erased.`, field);
    return customer;
  }
  throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${id}.`, field);
}

/** The id a customer id resolves to now (itself, or its survivor), or undefined when unknown. */
export async function resolveSurvivorId(em: EntityManager, id: string): Promise<string | undefined> {
  if (!isIdOf('Customer', id)) return undefined;
  const row = await queryOne<{ id: string }>(em, `${MERGE_CHAIN} select id from chain where merged_into is null`, [id]);
  return row?.id;
}

type IdentityOwner = Awaited<ReturnType<typeof ownersOf>>[number];

/**
 * The owners of the identities, read under a lock of the owning customer's row. Merges and erasures
 * lock that row too, so once it is held the owners cannot change under us; if they changed while we
 * waited (a merge moved the identities on), the new owner is locked instead.
 */
async function lockedOwnersOf(em: EntityManager, identities: NormalizedIdentity[]): Promise<IdentityOwner[]> {
  let owners = await ownersOf(em, identities);
  for (let attempt = 0; attempt < 4; attempt++) {
    const ownerIds = [...new Set(owners.map((owner) => owner.customerId))];
    if (ownerIds.length !== 1) return owners;
    await query(em, `select id from customer where id = ? for update`, [ownerIds[0]]);
    const again = await ownersOf(em, identities);
    if (again.length === owners.length && again.every((owner) => owner.customerId === ownerIds[0])) return again;
    owners = again;
  }
  return owners;
}

/**
 * Resolve-or-create from identities, inside the caller's transaction. Identities that point at two
 * different customers are a CONFLICT naming both: never a silent merge. With `into` (a customer the
 * caller already locked), the identities must be that customer's or nobody's, and new ones attach to it.
 */
async function identifyIn(
  ctx: Context,
  em: EntityManager,
  identities: NormalizedIdentity[],
  profile: ReturnType<typeof cleanProfile>,
  channel: Channel | null | undefined,
  field: string[],
  into?: string,
): Promise<IdentifyResult> {
  await lockIdentities(em, identities);
  const owners = into ? await ownersOf(em, identities) : await lockedOwnersOf(em, identities);
  const ownerIds = [...new Set(owners.map((owner) => owner.customerId))];
  if (into && ownerIds.some((ownerId) => ownerId !== into)) {
    throw new DomainError(
      CommonErrorCode.CONFLICT,
      `These identities belong to ${ownerIds.filter((ownerId) => ownerId !== into).join(' and ')}, not to ${into}. Merge them with mergeCustomers if they are one person.`,
      field,
    );
  }
  if (ownerIds.length > 1) {
    throw new DomainError(
      CommonErrorCode.CONFLICT,
      `These identities belong to different customers: ${ownerIds.join(' and ')}. Merge them with mergeCustomers if they are one person.`,
      field,
    );
  }
  if (ownerIds.length === 0 && !into) {
    const id = newId('Customer');
    await query(
      em,
      `insert into customer (id, first_name, last_name, locale, city, status, created_by, created_at, updated_at)
       values (?, ?, ?, ?, ?, 'ACTIVE', ?, now(), now())`,
      [id, profile.firstName ?? null, profile.lastName ?? null, profile.locale ?? null, profile.city ?? null, writerOf(ctx)],
    );
    await insertIdentities(em, id, identities, channel);
    await refreshSearchText(em, [id]);
    await appendEvents(em, [{ type: 'customer.created', customerId: id, payload: { customerId: id, channel: channel ?? null } }]);
    await runCustomerIdentifiedHooks(em, id, identities);
    return { customer: await loadCustomer(em, id), created: true };
  }

  const customerId = into ?? ownerIds[0];
  const known = new Set(owners.map((owner) => `${owner.type}\u0000${owner.system}\u0000${owner.value}`));
  const added = identities.filter((identity) => !known.has(identityKey(identity)));
  await insertIdentities(em, customerId, added, channel);
  const filled = await query(
    em,
    `update customer set first_name = coalesce(first_name, ?), last_name = coalesce(last_name, ?),
            locale = coalesce(locale, ?), city = coalesce(city, ?), updated_at = now()
      where id = ? and (first_name is null and ?::text is not null or last_name is null and ?::text is not null
            or locale is null and ?::text is not null or city is null and ?::text is not null)
      returning id`,
    [
      profile.firstName ?? null, profile.lastName ?? null, profile.locale ?? null, profile.city ?? null, customerId,
      profile.firstName ?? null, profile.lastName ?? null, profile.locale ?? null, profile.city ?? null,
    ],
  );
  if (added.length > 0 || filled.length > 0) {
    await refreshSearchText(em, [customerId]);
    await appendEvents(em, [{
      type: 'customer.updated',
      customerId,
      payload: { customerId, identitiesAdded: added.map((identity) => identity.type), profileFilled: filled.length > 0 },
    }]);
  }
  await runCustomerIdentifiedHooks(em, customerId, identities);
  return { customer: await loadCustomer(em, customerId), created: false };
}

/** `identifyCustomer`: resolve-or-create from identities. */
export async function identifyCustomer(
  ctx: Context,
  input: { identities: IdentityParams[]; profile?: CustomerProfileParams | null; channel?: Channel | null },
): Promise<IdentifyResult> {
  const identities = normalizeAll(ctx, input.identities, ['input', 'identities']);
  const profile = cleanProfile(input.profile);
  return inTransaction(ctx.em, (em) => identifyIn(ctx, em, identities, profile, input.channel, ['input', 'identities']));
}

/**
 * The one way every module resolves a customer reference (an id, or identities to resolve or create),
 * inside the caller's transaction. `field` locates the reference in the caller's input.
 */
export async function resolveCustomerRef(
  ctx: Context,
  em: EntityManager,
  ref: CustomerRefParams,
  channel: Channel | null | undefined,
  field: string[],
): Promise<IdentifyResult> {
  if (ref.id) {
    if (ref.identities?.length) {
      // Identities seen with a known customer are that customer's: new ones attach to it; one owned by
      // another customer is a CONFLICT. Identity locks first, then the row, as everywhere.
      const identities = normalizeAll(ctx, ref.identities, [...field, 'identities']);
      const profile = cleanProfile(ref.profile, [...field, 'profile']);
      await lockIdentities(em, identities);
      const customer = await lockActiveCustomer(ctx, em, ref.id, [...field, 'id']);
      return identifyIn(ctx, em, identities, profile, channel, [...field, 'identities'], customer.id);
    }
    return { customer: await lockActiveCustomer(ctx, em, ref.id, [...field, 'id']), created: false };
  }
  if (!ref.identities?.length) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'A customer reference needs an id or identities.', field);
  }
  const identities = normalizeAll(ctx, ref.identities, [...field, 'identities']);
  return identifyIn(ctx, em, identities, cleanProfile(ref.profile, [...field, 'profile']), channel, [...field, 'identities']);
}

/**
 * Whether resolving `ref` (resolveCustomerRef) only locks a row: a reference by id alone creates and
 * attaches nothing, so a write may resolve it before it looks for its idempotency key's record.
 */
export function refOnlyLocks(ref: CustomerRefParams): boolean {
  return Boolean(ref.id) && !ref.identities?.length;
}

/**
 * What a customer reference asks for, as idempotent writes compare it: the id, the identities
 * normalised like resolveCustomerRef normalises them (sorted: their order means nothing) and every
 * profile field, cleaned. Checks them as resolveCustomerRef would.
 */
export function customerRefInput(ctx: Context, ref: CustomerRefParams | null | undefined, field: string[]): unknown {
  if (!ref) return null;
  const identities = ref.identities?.length ? normalizeAll(ctx, ref.identities, [...field, 'identities']).map(identityKey).sort() : [];
  return { id: ref.id ?? null, identities, profile: cleanProfile(ref.profile, [...field, 'profile']) };
}

/** `addIdentity`: attaches one identity; CONFLICT when another customer owns it. */
export async function addIdentity(
  ctx: Context,
  input: { customerId: string; identity: IdentityParams; channel?: Channel | null },
): Promise<{ customer: CustomerRow; identity: IdentityType_ }> {
  const identity = normalizeIdentity(input.identity, ctx.config.defaultRegion, ['input', 'identity']);
  return inTransaction(ctx.em, async (em) => {
    // Identity locks before the customer row, in the same order as identification: never a deadlock.
    await lockIdentities(em, [identity]);
    const customer = await lockActiveCustomer(ctx, em, input.customerId, ['input', 'customerId']);
    const [owner] = await ownersOf(em, [identity]);
    if (owner && owner.customerId !== customer.id) {
      throw new DomainError(CommonErrorCode.CONFLICT, `This identity belongs to customer ${owner.customerId}.`, ['input', 'identity', 'value']);
    }
    if (!owner) {
      await insertIdentities(em, customer.id, [identity], input.channel);
      await refreshSearchText(em, [customer.id]);
      await appendEvents(em, [{ type: 'customer.updated', customerId: customer.id, payload: { customerId: customer.id, identitiesAdded: [identity.type] } }]);
      await runCustomerIdentifiedHooks(em, customer.id, [identity]);
    }
    const [stored] = await query<IdentityType_>(
      em,
      `select id, customer_id as "customerId", type, nullif(system, '') as system, value, verified,
              first_seen_channel as "firstSeenChannel", added_at as "addedAt"
         from identity where type = ? and system = ? and value = ?`,
      [identity.type, identity.system, identity.value],
    );
    return { customer, identity: stored };
  });
}

/**
 * `customer(id)`: follows merges; null when unknown; a writer reads back its own only. `find` reads the
 * row (the read planner's, with what the selection asks below it); the merge-following loader otherwise.
 */
export async function getCustomer<R extends Pick<CustomerRow, 'createdBy'> = CustomerRow>(
  ctx: Context,
  id: string,
  find?: RowFinder<R>,
): Promise<R | CustomerRow | null> {
  if (!isIdOf('Customer', id)) return null;
  const customer = await (find ? find(id) : ctx.loaders.get(CustomerByIdLoader).load(id));
  if (customer) assertReadableByWriter(ctx.principal, customer.createdBy);
  return customer;
}

/** `node(id)` of a merge. */
export async function getMerge(ctx: Context, id: string): Promise<CustomerMergeType | null> {
  if (!isIdOf('CustomerMerge', id)) return null;
  return ctx.loaders.get(MergeByIdLoader).load(id);
}

/** `customerByIdentity`: exact match on the normalised identity. */
export async function getCustomerByIdentity(ctx: Context, input: IdentityParams): Promise<CustomerRow | null> {
  let identity: NormalizedIdentity;
  try {
    identity = normalizeIdentity(input, ctx.config.defaultRegion, ['identity']);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  const [owner] = await ownersOf(ctx.em, [identity]);
  const customer = owner ? await ctx.loaders.get(CustomerByIdLoader).load(owner.customerId) : null;
  // INGEST: another writer's customer answers like nobody, so the answer never tells that a person exists.
  return customer && readsAsWriter(ctx.principal, customer.createdBy) ? customer : null;
}

/**
 * Turns a search string into a trigram-friendly fragment. Phone-like input ("601 234", "(601) 234-567",
 * "+48 601...", "0048 601...") keeps its digits only, without an international "00" or a national trunk
 * "0" in front, because phones are stored in E.164 (+48601234567).
 */
function searchFragment(search: string): string {
  const trimmed = search.trim().toLowerCase();
  if (/^\+?[\d\s\-()./]+$/.test(trimmed) && /\d/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return digits.length > 3 ? digits.replace(/^00?/, '') : digits;
  }
  return trimmed;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** `customers(first, after, search)`: newest first; merged-away customers are not listed. */
export async function listCustomers(
  ctx: Context,
  args: { first?: number; after?: string; search?: string | null },
  column?: ListColumn,
): Promise<Connection<CustomerRow>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after, 1, ['string']) : undefined;
  const fragment = args.search ? searchFragment(args.search) : '';
  if (!isStorableText(fragment)) throw new InvalidArgumentError('search must not contain NUL characters', 'search');
  const filter = fragment ? `c.search_text like ? escape '\\'` : 'true';
  const filterParams = fragment ? [`%${escapeLike(fragment)}%`] : [];
  const extra = listColumn(column, 'c');
  // A search's page comes from customer_search_page(), which plans the pattern on each call (the trigram
  // index for a rare name, the key order for a common fragment); the statement around it stays prepared.
  const rows = fragment
    ? await queryPrepared<CustomerRow>(
        ctx.em,
        `select ${CUSTOMER_COLUMNS}${extra.select} from customer_search_page(?, ?, ?) s(id) join customer c on c.id = s.id
          order by c.id desc`,
        [...extra.params, ...filterParams, after?.[0] ?? null, size + extra.lookahead],
      )
    : await queryPrepared<CustomerRow>(
        ctx.em,
        `select ${CUSTOMER_COLUMNS}${extra.select} from customer c
          where c.merged_into_id is null and ${keysetWhere(['c.id'], 'desc', after).sql}
          order by c.id desc limit ?`,
        [...extra.params, ...(after ?? []), size + extra.lookahead],
      );
  const loader = ctx.loaders.get(CustomerByIdLoader);
  for (const row of rows) loader.prime(row.id, row);
  return toConnection(cutPage(rows, size), Boolean(after), (row) => [row.id], (row) => row, async () => {
    const count = await queryOne<{ count: string }>(ctx.em, `select count(*) from customer c where c.merged_into_id is null and ${filter}`, filterParams);
    return Number(count?.count ?? 0);
  });
}

/** `recordConsent`: appends to the history; the current state is the latest per purpose × channel. */
export async function recordConsent(
  ctx: Context,
  input: { customerId: string; purpose: string; channel: Channel; granted: boolean; source?: Channel | null },
): Promise<{ customer: CustomerRow; consent: ConsentType }> {
  return inTransaction(ctx.em, async (em) => {
    const customer = await lockActiveCustomer(ctx, em, input.customerId, ['input', 'customerId']);
    // The latest record is the current state, so recorded_at must grow strictly per purpose x channel:
    // two changes within one millisecond (timestamps keep ms) would otherwise tie. Writers of one
    // customer are serialised by the row lock above, so reading the last time here is safe.
    const [consent] = await query<ConsentType>(
      em,
      `insert into consent (id, customer_id, purpose, channel, granted, source, recorded_by, recorded_at)
       select ?, ?, ?, ?, ?, ?, ?, greatest(now(), max(recorded_at) + interval '1 millisecond')
         from consent where customer_id = ? and purpose = ? and channel = ?
       returning customer_id as "customerId", purpose, channel, granted, source, recorded_at as "updatedAt"`,
      [
        newId('Consent'), customer.id, input.purpose, input.channel, input.granted, input.source ?? null, writerOf(ctx),
        customer.id, input.purpose, input.channel,
      ],
    );
    await appendEvents(em, [{
      type: 'customer.consent_changed',
      customerId: customer.id,
      payload: { customerId: customer.id, purpose: input.purpose, channel: input.channel, granted: input.granted, source: input.source ?? null },
    }]);
    return { customer, consent };
  });
}

/** Moves a customer's rows of every registered owner, recording each moved row under the merge. */
async function moveOwnedRows(em: EntityManager, mergeId: string, fromId: string, toId: string): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  for (const owner of customerDataOwners()) {
    if (owner.movesOnMerge === false) continue;
    const idColumn = owner.idColumn ?? 'id';
    const rows = await query(
      em,
      `with moved as (update "${owner.table}" set "${owner.customerColumn}" = ? where "${owner.customerColumn}" = ? returning "${idColumn}"::text as row_id)
       insert into customer_merge_move (merge_id, table_name, row_id) select ?, ?, row_id from moved returning row_id`,
      [toId, fromId, mergeId, owner.table],
    );
    moved[owner.name] = rows.length;
  }
  for (const owner of customerDataOwners()) await owner.afterMove?.(em, [fromId, toId]);
  return moved;
}

/**
 * `mergeCustomers`: moves everything every module registered as customer-owned to the survivor and
 * records exactly what moved, so that `undoMerge` can put it back.
 */
export async function mergeCustomers(ctx: Context, input: { survivorId: string; mergedId: string; reason?: string | null }): Promise<{ customer: CustomerRow; merge: CustomerMergeType }> {
  rejectNul(input.reason, ['input', 'reason']);
  return inTransaction(ctx.em, async (em) => {
    if (input.survivorId === input.mergedId) {
      throw new DomainError(CustomerErrorCode.SAME_CUSTOMER, 'A customer cannot be merged into itself.', ['input', 'mergedId']);
    }
    for (const [key, id] of [['survivorId', input.survivorId], ['mergedId', input.mergedId]] as const) {
      if (!isIdOf('Customer', id)) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${id}.`, ['input', key]);
    }
    // Lock both rows in id order: two merges of the same pair can never deadlock.
    const locked = await query<CustomerRow & { mergedInto: string | null }>(
      em,
      `select ${CUSTOMER_COLUMNS}, c.merged_into_id as "mergedInto" from customer c where c.id in (?, ?) order by c.id for update`,
      [input.survivorId, input.mergedId],
    );
    const survivor = locked.find((row) => row.id === input.survivorId);
    const merged = locked.find((row) => row.id === input.mergedId);
    if (!survivor) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${input.survivorId}.`, ['input', 'survivorId']);
    if (!merged) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${input.mergedId}.`, ['input', 'mergedId']);
    for (const [key, row] of [['survivorId', survivor], ['mergedId', merged]] as const) {
      if (row.mergedInto) {
        throw new DomainError(CustomerErrorCode.ALREADY_MERGED, `Customer ${row.id} was already merged into ${row.mergedInto}.`, ['input', key]);
      }
      if (row.status === CustomerStatus.ERASED) throw new DomainError(CommonErrorCode.CUSTOMER_ERASED, `Customer ${row.id} was erased.`, ['input', key]);
    }
    const mergeId = newId('CustomerMerge');
    await query(
      em,
      `insert into customer_merge (id, survivor_id, merged_id, reason, merged_by, merged_at) values (?, ?, ?, ?, ?, now())`,
      [mergeId, survivor.id, merged.id, input.reason?.trim() || null, writerOf(ctx)],
    );
    const moved = await moveOwnedRows(em, mergeId, merged.id, survivor.id);
    await query(em, `update customer set merged_into_id = ?, updated_at = now() where id = ?`, [survivor.id, merged.id]);
    await refreshSearchText(em, [survivor.id, merged.id]);
    await appendEvents(em, [{
      type: 'customer.merged',
      customerId: survivor.id,
      payload: { customerId: survivor.id, survivorId: survivor.id, mergedId: merged.id, mergeId, moved },
    }]);
    const merge = await queryOne<CustomerMergeType>(em, `select ${MERGE_COLUMNS} from customer_merge m where m.id = ?`, [mergeId]);
    return { customer: survivor, merge: merge! };
  });
}

/** `undoMerge`: restores the merged customer with exactly the rows the merge moved. */
export async function undoMerge(ctx: Context, input: { mergeId: string }): Promise<{ customer: CustomerRow; merge: CustomerMergeType }> {
  return inTransaction(ctx.em, async (em) => {
    if (!isIdOf('CustomerMerge', input.mergeId)) throw new DomainError(CommonErrorCode.NOT_FOUND, `No merge ${input.mergeId}.`, ['input', 'mergeId']);
    const merge = await queryOne<CustomerMergeType>(em, `select ${MERGE_COLUMNS} from customer_merge m where m.id = ? for update`, [input.mergeId]);
    if (!merge) throw new DomainError(CommonErrorCode.NOT_FOUND, `No merge ${input.mergeId}.`, ['input', 'mergeId']);
    if (merge.undoneAt) throw new DomainError(CustomerErrorCode.ALREADY_UNDONE, `Merge ${merge.id} was already undone.`, ['input', 'mergeId']);
    const locked = await query<{ id: string; status: string; mergedInto: string | null }>(
      em,
      `select id, status, merged_into_id as "mergedInto" from customer where id in (?, ?) order by id for update`,
      [merge.survivorId, merge.mergedCustomerId],
    );
    if (locked.some((row) => row.status === CustomerStatus.ERASED)) {
      throw new DomainError(CommonErrorCode.CUSTOMER_ERASED, 'A customer of this merge was erased; the merge cannot be undone.', ['input', 'mergeId']);
    }
    // Last in, first out: once the survivor itself was merged away, the moved rows sit with another
    // customer, and a later undo of that merge would take them back again.
    const survivor = locked.find((row) => row.id === merge.survivorId);
    if (survivor?.mergedInto) {
      const later = await queryOne<{ id: string }>(em, `select id from customer_merge where merged_id = ? and undone_at is null order by merged_at desc, id desc limit 1`, [survivor.id]);
      throw new DomainError(
        CustomerErrorCode.ALREADY_MERGED,
        `Customer ${survivor.id} was merged into ${survivor.mergedInto} afterwards (merge ${later?.id ?? 'unknown'}); undo that merge first.`,
        ['input', 'mergeId'],
      );
    }
    const restored: Record<string, number> = {};
    for (const owner of customerDataOwners()) {
      if (owner.movesOnMerge === false) continue;
      const idColumn = owner.idColumn ?? 'id';
      // Only rows still with the survivor go back: a row another module moved on since is left alone.
      const rows = await query(
        em,
        `update "${owner.table}" t set "${owner.customerColumn}" = ?
           from customer_merge_move m
          where m.merge_id = ? and m.table_name = ? and t."${idColumn}"::text = m.row_id and t."${owner.customerColumn}" = ?
          returning t."${idColumn}"`,
        [merge.mergedCustomerId, merge.id, owner.table, merge.survivorId],
      );
      restored[owner.name] = rows.length;
    }
    await query(em, `update customer set merged_into_id = null, updated_at = now() where id = ?`, [merge.mergedCustomerId]);
    await query(em, `update customer_merge set undone_at = now() where id = ?`, [merge.id]);
    for (const owner of customerDataOwners()) await owner.afterMove?.(em, [merge.mergedCustomerId, merge.survivorId]);
    await refreshSearchText(em, [merge.survivorId, merge.mergedCustomerId]);
    await appendEvents(em, [
      { type: 'customer.merge_undone', customerId: merge.survivorId, payload: { customerId: merge.survivorId, mergeId: merge.id, restoredCustomerId: merge.mergedCustomerId, restored } },
      { type: 'customer.updated', customerId: merge.mergedCustomerId, payload: { customerId: merge.mergedCustomerId, restoredFromMerge: merge.id } },
    ]);
    const updated = await queryOne<CustomerMergeType>(em, `select ${MERGE_COLUMNS} from customer_merge m where m.id = ?`, [merge.id]);
    return { customer: await loadCustomer(em, merge.mergedCustomerId), merge: updated! };
  });
}
