import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import { writerOf as writerOfPrincipal, type Principal } from '../common/principal';
import { LoaderRegistry } from './loaders';
import type { EventHub } from '../modules/events/event-hub';
import type { Logger } from '../server/logger';

/** What lives for the whole process (one per server instance; tests run two in one process). */
export interface AppState {
  config: Config;
  orm: MikroORM;
  events: EventHub;
  log: Logger;
  /** The webhook worker of this instance, when it runs one: woken after a resume or a replay. */
  webhooks?: { nudge(): void };
  /**
   * The served schema, for modules that run documents of their own (webhooks) without importing the
   * server's schema builder (no import cycle); set by the server at start.
   */
  schema?: GraphQLSchema;
}

/** Everything one request (or one subscription event) needs; never shared between requests. */
export interface Context {
  requestId: string;
  principal?: Principal;
  /** The request's EntityManager (requestEntityManager): the ORM's connections, the request's identity. */
  em: EntityManager;
  config: Config;
  app: AppState;
  loaders: LoaderRegistry<Context>;
}

export function createContext(app: AppState, principal: Principal | undefined, requestId: string = randomUUID()): Context {
  const ctx = {
    requestId,
    principal,
    em: requestEntityManager(app.orm.em as EntityManager),
    config: app.config,
    app,
  } as Context;
  ctx.loaders = new LoaderRegistry<Context>(ctx);
  return ctx;
}

/**
 * The EntityManager of one request or event: a view of the ORM's own (its prototype), sharing its
 * driver, connections and metadata, with an identity of its own, which is what a request needs of it:
 * the key of its statements' owner (request-timeout.ts) and of its read route (replica-lag.ts).
 * Not a fork: omni360 reads and writes with SQL (database/sql.ts), never through entities, and a fork
 * built an identity map, a unit of work, an entity loader and factory and three DataLoaders for every
 * request (half of what a young collection promoted on the timeline page). `useContext` off: the view
 * is its own context, never the ORM's global one. A transaction (inTransaction) runs in the fork
 * MikroORM makes for it, as before; MikroORM merges a transaction's entities back only into an
 * EntityManager that is not global, and the view inherits the ORM's `global`, so nothing is ever merged
 * into the unit of work it shares with the ORM (test/request-entity-manager.test.ts).
 */
export function requestEntityManager(root: EntityManager): EntityManager {
  return Object.assign(Object.create(root) as EntityManager, { useContext: false, transactionContext: undefined });
}

/** Who writes, stored as `created_by` (INGEST reads back its own): the principal's writer identity. */
export function writerOf(ctx: Context): string {
  return writerOfPrincipal(ctx.principal);
}
