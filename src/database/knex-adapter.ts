import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';

/**
 * The one file that reads private parts of knex (MikroORM 6's SQL layer), of tarn (knex's pool), of pg
 * and of MikroORM's driver. No public API gives what it reads:
 * - a pooled or transaction connection to run a statement with bind parameters and a statement name
 *   (knex's `client.acquireConnection()` / `releaseConnection()`, and the transaction's own client);
 * - the ids knex puts on connections and query events (`__knexUid`, `__knexTxId`, `__knexQueryUid`),
 *   which tie a statement to a request so that request timeouts can cancel it;
 * - the connections in use (`pool.used[].resource`) and pg's statement in flight (`activeQuery`), and
 *   pg's protocol CancelRequest (`Client.prototype.cancel`);
 * - MikroORM's read replicas (`driver.replicas`).
 * test/knex-adapter.test.ts checks each against the installed versions and fails by name on an upgrade
 * that moves one. Upgrades this blocks (docs/architecture.md): MikroORM 7 (replaces knex with kysely:
 * this file is rewritten for it), a knex major, pg 9 (removes `activeQuery`), tarn majors.
 */

/** knex's client (the pool's, or a transaction's, which hands out the transaction's one connection). */
export interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  config?: { pool?: { max?: number } };
  pool?: KnexPool;
}

/** A pooled pg connection as knex holds it. */
export interface PgConnection {
  __knexUid?: string;
  /** Set by knex on the connection of a transaction while it runs. */
  __knexTxId?: string;
  /** pg's statement in flight on this connection, if any. */
  activeQuery?: unknown;
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** tarn's pool: the public counters metrics read, and the connections in use. */
export interface KnexPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  used?: { resource: PgConnection }[];
}

/** A statement as knex's query events report it: its connection, transaction and own id. */
export interface StatementEvent {
  __knexUid?: string;
  __knexTxId?: string;
  __knexQueryUid?: string;
  sql?: string;
  /** Set by database/sql.ts on the statements it runs: who runs them (a request's deadline). */
  owner?: object;
}

/** The knex client a statement of `em` runs on: its transaction's, or the pool's of `type`. */
export function knexClientOf(em: EntityManager, type: 'read' | 'write' = 'write'): KnexClient {
  const transaction = em.getTransactionContext() as { client?: KnexClient } | undefined;
  if (transaction?.client) return transaction.client;
  return em.getConnection(type).getKnex().client as unknown as KnexClient;
}

/** knex's id of the transaction `tx` runs in (what its statements' events carry as `__knexTxId`). */
export async function transactionIdOf(tx: EntityManager): Promise<string | undefined> {
  const transaction = tx.getTransactionContext() as { client?: KnexClient } | undefined;
  return (await transaction?.client?.acquireConnection())?.__knexTxId;
}

/** Follows every statement of the ORM's primary pool: `start` when sent, `end` when answered or failed. */
export function onStatements(em: EntityManager, start: (event: StatementEvent) => void, end: (event: StatementEvent) => void): void {
  const client = knexClientOf(em);
  client.on('query', start);
  client.on('query-response', (_result: unknown, event: StatementEvent) => end(event));
  client.on('query-error', (_error: unknown, event: StatementEvent) => end(event));
}

/**
 * Cancels the statement in flight on each pooled connection of the primary pool whose knex id is in
 * `connections`: a protocol CancelRequest carrying that connection's own secret key, so it reaches
 * exactly that backend (also through a pooler) and needs no privilege. Returns how many were sent.
 */
export function cancelStatementsOn(em: EntityManager, databaseUrl: string, connections: Set<string>, onError: (error: Error) => void): number {
  const used = knexClientOf(em).pool?.used ?? [];
  const targets = used
    .map((entry) => entry.resource)
    .filter((connection) => connection.__knexUid !== undefined && connections.has(connection.__knexUid) && connection.activeQuery);
  for (const target of targets) {
    const canceller = new Client({ connectionString: databaseUrl });
    // The cancel connection is fire-and-forget: PostgreSQL closes it; a failure must not crash the process.
    canceller.connection.on('error', onError);
    (canceller as unknown as { cancel(client: unknown, query: unknown): void }).cancel(target, target.activeQuery);
  }
  return targets.length;
}

/** The primary's pool and each replica's, as MikroORM's knex clients hold them (for metrics). */
export function ormPools(orm: {
  em: { getConnection(type?: 'read' | 'write'): unknown; getDriver(): unknown };
}): { name: string; pool: KnexPool | undefined }[] {
  type KnexConnection = { getKnex(): { client: { pool?: KnexPool } } };
  const primary = orm.em.getConnection('write') as KnexConnection;
  const replicas = (orm.em.getDriver() as { replicas?: KnexConnection[] }).replicas ?? [];
  return [
    { name: 'primary', pool: primary.getKnex().client.pool },
    ...replicas.map((replica, index) => ({ name: `read-${index + 1}`, pool: replica.getKnex().client.pool })),
  ];
}
