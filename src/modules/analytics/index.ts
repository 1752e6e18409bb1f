import type { OmniModule } from '../module';
import { StatsByCustomerLoader } from './analytics.loaders';
import { AnalyticsFields, CustomerStatsFields } from './analytics.fields';
import { AnalyticsResolver } from './analytics.resolver';
import { ANALYTICS_ENTITIES } from './analytics.entity';
import { ORDER_FIGURES, statsFromJson, statsJsonSql } from './customer-stats.reads';
import { pendingCompaction } from './pending-compaction';

/**
 * Aggregates: Customer.stats / Customer.segments and `analytics(from, to)`. Its entities are the
 * rollups of `analytics`, written by database triggers only; no customer data of its own.
 */
export const analyticsModule: OmniModule = {
  name: 'analytics',
  entities: ANALYTICS_ENTITIES,
  resolvers: [AnalyticsResolver, AnalyticsFields, CustomerStatsFields],
  // Folds the changes writers append to analytics_cell_pending into the cell bitmaps.
  backgroundTasks: [pendingCompaction],
  reads: [
    {
      // A customer's stats (what stats, segments and the offer decisions read) in the planner's statement;
      // stats asked for order figures only read the order parts (CustomerStatsFields.stats answers from them).
      type: 'Customer',
      computed: {
        statsParts: (customer) => statsJsonSql(`${customer}.id`),
        orderStatsParts: (customer) => statsJsonSql(`${customer}.id`, 'orders'),
      },
      reads: { stats: ['statsParts'], segments: ['statsParts'] },
      narrowReads: { stats: { only: ORDER_FIGURES, keys: ['orderStatsParts'] } },
      prime: (ctx, row) => {
        if (typeof row.id === 'string' && row.statsParts !== undefined)
          ctx.loaders.get(StatsByCustomerLoader).prime(row.id, statsFromJson(row.id, row.statsParts));
      },
    },
  ],
};
