import type { EntityClass } from '@mikro-orm/core';
import { customersModule } from './customers';
import { eventsModule } from './events';
import { nodeModule } from './node';
import type { OmniModule } from './module';

/** Every module of the server. A new module adds one line here. */
export const modules: OmniModule[] = [nodeModule, customersModule, eventsModule];

export const allEntities: EntityClass<unknown>[] = modules.flatMap((module) => module.entities);
export const allResolvers: Function[] = modules.flatMap((module) => module.resolvers);
