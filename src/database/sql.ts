import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one parameterised statement (`?` placeholders) inside whatever transaction `em` is in.
 * Read paths use this to return plain rows without entity hydration; write paths use it for
 * atomic conditional updates that the unit of work cannot express.
 */
export async function query<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params as never[], 'all', em.getTransactionContext())) as T[];
}

/**
 * Like query(), for heavy reads that tolerate replication lag (analytics, reports): runs on a read
 * replica when OMNI360_READ_REPLICA_URLS configures some (one picked at random per statement), on the
 * primary otherwise. Inside a transaction it stays on the transaction's connection: a replica would not
 * see the transaction's own writes.
 */
export async function queryRead<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  if (em.isInTransaction()) return query<T>(em, sql, params);
  return (await em.getConnection('read').execute(sql, params as never[], 'all')) as T[];
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
  return em.transactional((tx) => work(tx as EntityManager));
}

/** `?, ?, ?` for an IN list or a VALUES row of n parameters. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
