import type { EntityClass } from '@mikro-orm/core';
import { analyticsModule } from './analytics';
import { catalogModule } from './catalog';
import { customersModule } from './customers';
import { eventsModule } from './events';
import { interactionsModule } from './interactions';
import { inventoryModule } from './inventory';
import { nodeModule } from './node';
import { offersModule } from './offers';
import { ordersModule } from './orders';
import { subscriptionsModule } from './subscriptions';
import { webhooksModule } from './webhooks';
import type { OmniModule } from './module';

/** Every module of the server. A new module adds one line here. */
export const modules: OmniModule[] = [nodeModule, customersModule, eventsModule, interactionsModule,
  catalogModule, inventoryModule, offersModule, ordersModule, analyticsModule, subscriptionsModule, webhooksModule];

export const allEntities: EntityClass<unknown>[] = modules.flatMap((module) => module.entities);
export const allResolvers: Function[] = modules.flatMap((module) => module.resolvers);
