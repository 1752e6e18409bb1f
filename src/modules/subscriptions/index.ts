import type { OmniModule } from '../module';
import { CustomerEventFields, InteractionEventFields, OrderEventFields, StockEventFields } from './subscription.fields';
import { SubscriptionResolver } from './subscription.resolver';

/**
 * The GraphQL subscriptions: live streams of the event log (modules/events) shaped as the domain types
 * of the other modules. Apart from events so that the log, which every domain module writes to, does
 * not import those modules back (no import cycle).
 */
export const subscriptionsModule: OmniModule = {
  name: 'subscriptions',
  entities: [],
  resolvers: [SubscriptionResolver, InteractionEventFields, CustomerEventFields, OrderEventFields, StockEventFields],
};
