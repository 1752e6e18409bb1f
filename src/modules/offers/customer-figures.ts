import type { EntityManager } from '@mikro-orm/postgresql';
import { customerStats } from '../analytics/customer-stats.reads';
import { figuresFromStats, type CustomerFigures } from '../analytics/segments';

/**
 * Segment figures for many customers in ONE statement, inside whatever transaction `em` is in (placeOrder's
 * offerCodes, respondToOffer). They are read by the same function as Customer.stats; read paths outside
 * a transaction go through the StatsByCustomerLoader instead, sharing its batch with Customer.stats.
 */
export async function customerFigures(em: EntityManager, customerIds: readonly string[]): Promise<Map<string, CustomerFigures>> {
  const stats = await customerStats(em, customerIds);
  return new Map([...stats.entries()].map(([id, row]) => [id, figuresFromStats(row)]));
}
