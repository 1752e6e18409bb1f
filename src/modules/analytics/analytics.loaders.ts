import type { Context } from '../../context/context';
import { makeLoader } from '../../context/loaders';
import type { CustomerStatsRow } from './analytics.type';
import { customerStats } from './customer-stats.reads';

/**
 * Customer.stats (and the figures of Customer.segments and of offer segments) for every customer of a
 * page in ONE statement. Keys are ids of customers that exist (survivors): a Customer object is
 * always resolved before its stats.
 */
export function StatsByCustomerLoader(ctx: Context) {
  return makeLoader<string, CustomerStatsRow>(async (customerIds) => {
    const stats = await customerStats(ctx.em, customerIds);
    return customerIds.map((id) => stats.get(id)!);
  });
}
