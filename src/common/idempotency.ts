import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import type { Context } from '../context/context';
import { query, textArray } from '../database/sql';
import { writerOf } from './auth';
import { CommonErrorCode, DomainError } from './errors';
import { rejectNul } from './text';

/**
 * Idempotent writes, one way for all of them (placeOrder, importOrders, adjustStock, recordInteraction).
 *
 * - Key: the caller's (source, externalId), checked by idempotencyKey(), unique per scope (a table).
 * - Lock: one transaction-scoped advisory lock per key, named keyName(); a batch takes its keys sorted
 *   in one statement, so concurrent writers of a key queue and never deadlock.
 * - Input: every field that matters, as the service normalises it (trimmed, identities normalised,
 *   order-independent where order means nothing), encoded by canonicalJson().
 * - Hash: HMAC-SHA256 of scope, key and input under the server's secret (OMNI360_IDEMPOTENCY_KEY),
 *   stored as `hmac1.<key id>.<hex>`: without the secret it confirms no guessed e-mail or body.
 * - Decision (decide()): a stored record answers a replay only of its own writer with the same input;
 *   anything else under the key is IDEMPOTENCY_CONFLICT, worded by conflictMessage() without naming
 *   any record.
 */

/** Where a key is unique: placeOrder and importOrders share the orders' keys. */
export type IdempotencyScope = 'order' | 'stock-movement' | 'interaction';

/** One write's idempotency: its key, the keyed hash of its input and who asks. */
export interface IdempotentRequest {
  scope: IdempotencyScope;
  source: string;
  externalId: string;
  /** What is stored in the record's hash column (order.request_hash, interaction.input_hash, stock_movement.request_hash). */
  hash: string;
  writer: string;
}

/** What a stored record brings to the decision (its hash column and created_by). */
export interface StoredRequest {
  idempotencyHash: string | null;
  createdBy: string;
}

const MAX_KEY = 200;
const FORMAT = 'hmac1';

/**
 * The (source, externalId) of an ingested record, checked the same way everywhere: no NUL, trimmed,
 * not empty, at most 200 characters; `base` locates the input that holds it.
 */
export function idempotencyKey(input: { source: string; externalId: string }, base: string[] = ['input']): { source: string; externalId: string } {
  const check = (value: string, name: 'source' | 'externalId'): string => {
    const field = [...base, name];
    rejectNul(value, field);
    const trimmed = value.trim();
    if (trimmed === '') throw new DomainError(CommonErrorCode.INVALID_VALUE, `${name} must not be empty.`, field);
    if (trimmed.length > MAX_KEY) throw new DomainError(CommonErrorCode.INVALID_VALUE, `${name} has at most ${MAX_KEY} characters.`, field);
    return trimmed;
  };
  return { source: check(input.source, 'source'), externalId: check(input.externalId, 'externalId') };
}

/**
 * The one encoding of an input for hashing: object keys sorted, absent and null fields alike (GraphQL
 * treats them alike), dates as ISO-8601, arrays in their order (sort them first where order means nothing).
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object)
      .filter((key) => object[key] !== undefined && object[key] !== null)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * OMNI360_IDEMPOTENCY_KEY, or when unset the key stored in `<dataDir>/idempotency-key` (generated on
 * the first start, mode 600), like the bootstrap ADMIN key. Sets `config.idempotencyKey`; returns the
 * file when one was used. Called at start-up, and on the first write by servers started without it.
 */
export function ensureIdempotencyKey(config: Config): { file: string; created: boolean } | undefined {
  if (config.idempotencyKey) return undefined;
  const file = path.join(config.dataDir, 'idempotency-key');
  if (fs.existsSync(file)) {
    const stored = fs.readFileSync(file, 'utf8').trim();
    // An emptied or truncated file must not become a guessable key.
    if (stored.length < 32) throw new Error(`${file} holds no usable idempotency key (fewer than 32 characters): delete it to generate a new one.`);
    config.idempotencyKey = stored;
    return { file, created: false };
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // Written aside and linked into place: another process never reads a half-written key, and of two
  // processes starting at once the second uses the first one's key.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureIdempotencyKey(config);
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  config.idempotencyKey = secret;
  return { file, created: true };
}

/** Per secret: the HMAC key (prepared once) and its short public id, stored with each hash. */
const secrets = new Map<string, { key: KeyObject; id: string }>();

function secretOf(secret: string): { key: KeyObject; id: string } {
  let prepared = secrets.get(secret);
  if (!prepared) {
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    // The id tells a hash under another key apart (after a key change) without revealing the key.
    prepared = { key, id: createHmac('sha256', key).update('omni360 idempotency key id').digest('hex').slice(0, 8) };
    secrets.set(secret, prepared);
  }
  return prepared;
}

/**
 * The request of one idempotent write: `key` from idempotencyKey(), `input` the normalised fields that
 * make two writes "the same" (see canonicalJson).
 */
export function idempotentRequest(
  ctx: Pick<Context, 'config' | 'principal'>,
  scope: IdempotencyScope,
  key: { source: string; externalId: string },
  input: unknown,
): IdempotentRequest {
  if (!ctx.config.idempotencyKey) ensureIdempotencyKey(ctx.config);
  const secret = secretOf(ctx.config.idempotencyKey!);
  const mac = createHmac('sha256', secret.key)
    .update(canonicalJson([scope, key.source, key.externalId, input]))
    .digest('hex');
  return { scope, source: key.source, externalId: key.externalId, hash: `${FORMAT}.${secret.id}.${mac}`, writer: writerOf(ctx.principal) };
}

/** The name of a key's advisory lock, also a map key for the requests of a batch. */
export function keyName(request: Pick<IdempotentRequest, 'scope' | 'source' | 'externalId'>): string {
  return JSON.stringify([request.scope, request.source, request.externalId]);
}

/** Locks the keys of `requests` until the transaction ends: one statement, sorted, duplicates once. */
export async function lockIdempotencyKeys(em: EntityManager, requests: readonly IdempotentRequest[]): Promise<void> {
  const names = [...new Set(requests.map(keyName))];
  if (names.length === 0) return;
  await query(em, `select pg_advisory_xact_lock(hashtextextended(k, 0)) from (select unnest(?::text[]) as k order by 1) s`, [textArray(names)]);
}

/**
 * The one replay rule. A stored record answers `request` (a replay) only when the same writer sent
 * it; another writer's request under the key is a conflict whatever its input, so nobody receives a
 * record somebody else wrote. The writer's own request is a replay when its hash equals the stored
 * one, a conflict when it differs. A stored hash that cannot be compared (retired plain sha256, another
 * key, scrubbed by erasure) counts as the same input for its own writer: the first recording stands.
 * `anyInput`: the caller accepts any input of the writer as a replay (an import meeting a live order).
 */
export function decide(stored: StoredRequest, request: IdempotentRequest, options: { anyInput?: boolean } = {}): 'replay' | 'conflict' {
  if (stored.createdBy !== request.writer) return 'conflict';
  if (options.anyInput || !comparable(stored.idempotencyHash, request.hash)) return 'replay';
  return stored.idempotencyHash === request.hash ? 'replay' : 'conflict';
}

/** Same format and key id (`hmac1.<key id>.`); the 'retired' of older rows and a scrubbed value are not. */
function comparable(stored: string | null, hash: string): boolean {
  return stored !== null && stored.startsWith(hash.slice(0, hash.lastIndexOf('.') + 1));
}

/** The one wording of IDEMPOTENCY_CONFLICT: the caller's own key, never another record's id. */
export function conflictMessage(request: Pick<IdempotentRequest, 'source' | 'externalId'>): string {
  return `(${request.source}, ${request.externalId}) was already used with a different input or by another writer.`;
}

export function idempotencyConflict(request: IdempotentRequest, field: string[] = ['input', 'externalId']): DomainError {
  return new DomainError(CommonErrorCode.IDEMPOTENCY_CONFLICT, conflictMessage(request), field);
}

/**
 * Lock, look, decide, for a write of one key inside the caller's transaction: the stored record when
 * the request is a replay, undefined when the key is new; IDEMPOTENCY_CONFLICT otherwise. `find`
 * reads the record of the key with its hash as `idempotencyHash` and its `createdBy`.
 */
export async function claimIdempotencyKey<T extends StoredRequest>(
  em: EntityManager,
  request: IdempotentRequest,
  find: () => Promise<T | undefined>,
): Promise<T | undefined> {
  await lockIdempotencyKeys(em, [request]);
  return replayOf(await find(), request);
}

/**
 * The decision on what a write found under its key, once the key is locked: the stored record when the
 * request replays it, undefined when the key is new, IDEMPOTENCY_CONFLICT otherwise. For writes whose
 * look-up of the key rides on a read they need anyway (placeOrder, recordInteraction): that read must
 * be a statement that starts after lockIdempotencyKeys returned, or it would not see a record committed
 * while the lock was waited for.
 */
export function replayOf<T extends StoredRequest>(stored: T | undefined, request: IdempotentRequest): T | undefined {
  if (stored && decide(stored, request) === 'conflict') throw idempotencyConflict(request);
  return stored;
}
