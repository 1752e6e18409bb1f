import type { OmniModule } from '../module';
import { StatsByCustomerLoader } from './analytics.loaders';
import { AnalyticsFields, CustomerStatsFields } from './analytics.fields';
import { AnalyticsResolver } from './analytics.resolver';
import { ANALYTICS_ENTITIES } from './analytics.entity';
import { statsFromJson, statsJsonSql } from './customer-stats.reads';
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
  customerEmbeds: {
    // customer(id) asking for stats or segments reads them in the customer's own statement.
    stats: {
      fields: ['stats', 'segments'],
      sql: statsJsonSql('c.id'),
      prime: (ctx, customerId, value) => ctx.loaders.get(StatsByCustomerLoader).prime(customerId, statsFromJson(customerId, value)),
    },
  },
};
