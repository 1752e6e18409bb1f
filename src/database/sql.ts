import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { knexClientOf, transactionIdOf, type KnexClient } from './knex-adapter';
import { readRoute } from './replica-lag';
import { Slot } from '../common/memo';

/**
 * Runs one parameterised statement (`?` placeholders) inside whatever transaction `em` is in.
 * Read paths use this to return plain rows without entity hydration; write paths use it for
 * atomic conditional updates that the unit of work cannot express.
 *
 * Parameters are always bound server-side (`$n`, values apart from the text), inside a transaction
 * or not: one binding dialect, so a statement means the same thing on either route (MikroORM's
 * execute() would inline them client-side, and read a quoted `?` as a placeholder).
 */
export async function query<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return runOn<T>(knexClientOf(em), { text: numbered(sql) }, sql, params, statementOwnerOf(em));
}

/**
 * Who runs the statements of an EntityManager: a request's deadline (request-timeout.ts), so that it
 * can cancel them. Statements outside a transaction carry it in their query event (`owner`);
 * statements of a transaction are found by the knex transaction id (transactionOwner). A slot of the
 * EntityManager (common/memo.ts).
 */
const statementOwners = new Slot<EntityManager, object>('omni360.statementOwner');
const transactionOwners = new Map<string, object>();

export function ownStatements(em: EntityManager, owner: object | undefined): void {
  if (owner) statementOwners.set(em, owner);
}

export function statementOwnerOf(em: EntityManager): object | undefined {
  return statementOwners.get(em);
}

/** The owner of a statement run inside a transaction, by the `__knexTxId` of its query event. */
export function transactionOwner(transactionId: string | undefined): object | undefined {
  return transactionId === undefined ? undefined : transactionOwners.get(transactionId);
}

const preparedStatements = new Map<string, { name: string; text: string }>();

/**
 * How many statement texts get a name. Each pooled connection keeps every named statement it ran, and
 * some texts follow the selection (the embedded order lines): past this many, a text runs unnamed,
 * parsed and planned per call as with query(), so no client can grow every connection's cache.
 */
const MAX_NAMED_STATEMENTS = 200;

let namedStatements = true;

/**
 * OMNI360_DB_PREPARED_STATEMENTS: off, queryPrepared sends unnamed statements (parsed and planned per
 * call), for a transaction-mode pooler that cannot keep a named statement on the connection that
 * prepared it (PgBouncer before 1.21, or without `max_prepared_statements`). For the process.
 */
export function useNamedStatements(enabled: boolean): void {
  namedStatements = enabled;
}

/** `?` placeholders (outside quoted text) as `$1, $2, ...`, and a name derived from the text while names last. */
function prepared(sql: string): { name?: string; text: string } {
  const known = namedStatements ? preparedStatements.get(sql) : undefined;
  if (known) return known;
  const text = numbered(sql);
  if (!namedStatements || preparedStatements.size >= MAX_NAMED_STATEMENTS) return { text };
  const statement = { name: `omni_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
  preparedStatements.set(sql, statement);
  return statement;
}

/** `?` placeholders (outside quoted text) as `$1, $2, ...`: the house style to node-postgres. */
export function numbered(sql: string): string {
  let index = 0;
  let quoted: string | undefined;
  let text = '';
  for (const char of sql) {
    if (quoted) {
      if (char === quoted) quoted = undefined;
    } else if (char === "'" || char === '"') {
      quoted = char;
    } else if (char === '?') {
      text += `$${++index}`;
      continue;
    }
    text += char;
  }
  return text;
}

/**
 * query() as a named prepared statement: PostgreSQL parses and plans it once per pooled connection
 * instead of on every call (planning was most of the cost of the hot reads: 2.3 ms of planning for
 * 0.9 ms of execution for one customer's stats), and the parameters travel separately instead of
 * being inlined into the text. For hot reads whose text does not depend on the number of ids: pass
 * id lists as one array parameter (`= any(?::text[])` with textArray()), never as `in (?, ?, ...)`,
 * or every connection would keep a statement per list length.
 *
 * It takes a pooled connection directly (the ORM adds nothing to a read of plain rows) and reports
 * the statement through knex's query events like any other, so request timeouts can cancel it and
 * statement counters see it. Inside a transaction it runs as query() on the transaction's connection.
 */
export async function queryPrepared<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  if (em.isInTransaction()) return query<T>(em, sql, params);
  return runOn<T>(knexClientOf(em), prepared(sql), sql, params, statementOwnerOf(em));
}

/**
 * One statement on a connection of `client`, its parameters bound server-side, reported through knex's
 * query events like any other (with the transaction id, so request timeouts find a transaction's
 * statements, and statement counters see every one).
 */
async function runOn<T>(client: KnexClient, statement: { name?: string; text: string }, sql: string, params: unknown[], owner: object | undefined): Promise<T[]> {
  const connection = await client.acquireConnection();
  const event = { __knexUid: connection.__knexUid, __knexTxId: connection.__knexTxId, __knexQueryUid: randomUUID(), method: 'raw', sql, bindings: params, owner };
  client.emit('query', event);
  try {
    const { rows } = await connection.query({ name: statement.name, text: statement.text, values: params });
    client.emit('query-response', rows, event);
    return rows as T[];
  } catch (error) {
    client.emit('query-error', error, event);
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * A PostgreSQL array literal (each element quoted, backslashes and quotes escaped, null as NULL), bound
 * as ONE parameter and cast (`::text[]`, `::int[]`, `::timestamptz[]`): the statement text is the same
 * for any number of values.
 */
export function textArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

/**
 * Like query(), for heavy reads that tolerate replication lag (analytics, reports): runs on a read
 * replica when OMNI360_READ_REPLICA_URLS configures some (one picked at random per statement), on the
 * primary otherwise, and on the primary too while the replicas lag more than the configured maximum
 * (decided once per EntityManager: readRoute() tells how fresh the data is). Inside a transaction it stays on the transaction's connection: a replica would not
 * see the transaction's own writes.
 */
export async function queryRead<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  if (em.isInTransaction()) return query<T>(em, sql, params);
  // On the primary instead while the replicas lag more than OMNI360_READ_REPLICA_MAX_LAG_MS (replica-lag.ts).
  const client = knexClientOf(em, (await readRoute(em)).replica ? 'read' : 'write');
  return heavyReadGate(client).run(() => runOn<T>(client, { text: numbered(sql) }, sql, params, statementOwnerOf(em)));
}

/** How long a heavy read may wait for its turn before it fails like a pool timeout (DATABASE_UNAVAILABLE, retry). */
const HEAVY_READ_MAX_WAIT_MS = 30_000;

/**
 * Admission for heavy reads: at most half of a pool's connections run them at once, and the others
 * wait their turn in arrival order here rather than in the pool. Thirty-two dashboards asking for a
 * year of analytics at once then neither take every connection from the customer pages nor fail on
 * the pool's 5 s acquire timeout while statements of 50-100 ms each queue ahead of them.
 */
class HeavyReadGate {
  private running = 0;
  private readonly waiting: { admit: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await this.turn();
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.admit();
      } else {
        this.running -= 1;
      }
    }
  }

  /** Resolves when a finishing read hands over its place (running stays the same). */
  private turn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        admit: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new Error(`Timeout acquiring a connection for a heavy read: waited ${HEAVY_READ_MAX_WAIT_MS} ms behind ${this.waiting.length} others`));
        }, HEAVY_READ_MAX_WAIT_MS),
      };
      this.waiting.push(entry);
    });
  }
}

const heavyReadGates = new WeakMap<object, HeavyReadGate>();

function heavyReadGate(client: { config?: { pool?: { max?: number } } }): HeavyReadGate {
  let gate = heavyReadGates.get(client);
  if (!gate) {
    gate = new HeavyReadGate(Math.max(1, Math.floor((client.config?.pool?.max ?? 10) / 2)));
    heavyReadGates.set(client, gate);
  }
  return gate;
}

/** The first row of queryRead(), or undefined. Heavy reads (analytics) go to a replica when one is configured. */
export async function queryReadOne<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await queryRead<T>(em, sql, params);
  return rows[0];
}

/** The first row of a statement, or undefined. */
export async function queryOne<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await query<T>(em, sql, params);
  return rows[0];
}

/** Runs `work` in a transaction, or inside the one `em` is already in. */
export async function inTransaction<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (em.isInTransaction()) return work(em);
  const owner = statementOwnerOf(em);
  if (!owner) return em.transactional((tx) => work(tx as EntityManager));
  return em.transactional(async (tx) => {
    ownStatements(tx as EntityManager, owner);
    // The transaction's connection carries knex's transaction id, which its statements' events carry too.
    const transactionId = await transactionIdOf(tx as EntityManager);
    if (transactionId) transactionOwners.set(transactionId, owner);
    try {
      return await work(tx as EntityManager);
    } finally {
      if (transactionId) transactionOwners.delete(transactionId);
    }
  });
}

/** `?, ?, ?` for an IN list or a VALUES row of n parameters. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
