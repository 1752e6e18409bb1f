import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one parameterised statement (`?` placeholders) inside whatever transaction `em` is in.
 * Read paths use this to return plain rows without entity hydration; write paths use it for
 * atomic conditional updates that the unit of work cannot express.
 */
export async function query<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params as never[], 'all', em.getTransactionContext())) as T[];
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
