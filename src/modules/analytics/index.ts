import type { OmniModule } from '../module';
import { StatsByCustomerLoader } from './analytics.loaders';
import { AnalyticsFields, CustomerStatsFields } from './analytics.fields';
import { AnalyticsResolver } from './analytics.resolver';
import { statsFromJson, statsJsonSql } from './customer-stats.reads';

/**
 * Aggregates: Customer.stats / Customer.segments and `analytics(from, to)`. Read-only: no entities, no
 * customer data of its own (it reads what orders, interactions and conversations hold).
 */
export const analyticsModule: OmniModule = {
  name: 'analytics',
  entities: [],
  resolvers: [AnalyticsResolver, AnalyticsFields, CustomerStatsFields],
  customerEmbeds: {
    // customer(id) asking for stats or segments reads them in the customer's own statement.
    stats: {
      fields: ['stats', 'segments'],
      sql: statsJsonSql('c.id'),
      prime: (ctx, customerId, value) => ctx.loaders.get(StatsByCustomerLoader).prime(customerId, statsFromJson(customerId, value)),
    },
  },
};
