import type { EntityClass } from '@mikro-orm/core';
import type { CustomerDataOwner, CustomerIdentifiedHook } from '../common/customer-data';
import type { NodeTypeName } from '../common/ids';
import type { NodeFetcher } from '../common/node';
import type { TimelineSource } from '../common/timeline';
import type { ReadContribution } from '../read-planner';

/**
 * What a domain module contributes to the server, all of it in one place: each module folder exports
 * one from `index.ts`, and nothing in a module registers itself when imported. `wireModules`
 * (wiring.ts) installs the contributions of the modules list at start.
 */
export interface OmniModule {
  name: string;
  entities: EntityClass<unknown>[];
  resolvers: Function[];
  /** How `node(id)` fetches the module's node types. */
  nodeTypes?: Partial<Record<NodeTypeName, NodeFetcher>>;
  /** What the module holds about a customer: merged, exported and erased with the customer. */
  customerData?: CustomerDataOwner[];
  /** Run inside identification once identities resolve to a customer (e.g. to claim guest orders). */
  customerIdentifiedHooks?: CustomerIdentifiedHook[];
  /** The module's kinds of `Customer.timeline` entries. */
  timelineSources?: TimelineSource[];
  /**
   * Keys the module adds to the read graph's types (computed in SQL, with the fields that read them and
   * a prime for its loaders): the read planner reads them in its statement when a selection asks for them.
   */
  reads?: ReadContribution[];
}
