import type { EntityClass } from '@mikro-orm/core';

/** What a domain module contributes to the server. Each module folder exports one from `index.ts`. */
export interface OmniModule {
  name: string;
  entities: EntityClass<unknown>[];
  resolvers: Function[];
}
