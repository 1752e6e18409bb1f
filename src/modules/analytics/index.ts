import type { OmniModule } from '../module';
import { AnalyticsFields, CustomerStatsFields } from './analytics.fields';
import { AnalyticsResolver } from './analytics.resolver';

/**
 * Aggregates: Customer.stats / Customer.segments and `analytics(from, to)`. Read-only: no entities, no
 * customer data of its own (it reads what orders, interactions and conversations hold).
 */
export const analyticsModule: OmniModule = {
  name: 'analytics',
  entities: [],
  resolvers: [AnalyticsResolver, AnalyticsFields, CustomerStatsFields],
};
