import type { EntityClass } from '@mikro-orm/core';
import type { AppState } from '../context/context';
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
  /** Periodic work of the module: started by each server once it is ready, stopped before its pool closes. */
  backgroundTasks?: BackgroundTask[];
}

/** Periodic database work of a module (e.g. analytics' compaction of pending bitmap changes). */
export interface BackgroundTask {
  name: string;
  /**
   * Starts the task; `stop` ends it, resolving once a run under way has finished. `databaseUrl` is for
   * connections of its own: the ORM's pool serves requests (and its statements are theirs, counted).
   */
  start(app: AppState, databaseUrl: string): { stop(): Promise<void> };
}
