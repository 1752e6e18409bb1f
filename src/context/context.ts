import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import type { Principal } from '../common/auth';
import { LoaderRegistry } from './loaders';
import type { EventHub } from '../modules/events/event-hub';
import type { Logger } from '../server/logger';

/** What lives for the whole process (one per server instance; tests run two in one process). */
export interface AppState {
  config: Config;
  orm: MikroORM;
  events: EventHub;
  log: Logger;
}

/** Everything one request (or one subscription event) needs; never shared between requests. */
export interface Context {
  requestId: string;
  principal?: Principal;
  /** A forked EntityManager: its identity map dies with the request. */
  em: EntityManager;
  config: Config;
  app: AppState;
  loaders: LoaderRegistry;
}

export function createContext(app: AppState, principal: Principal | undefined, requestId: string = randomUUID()): Context {
  const ctx = {
    requestId,
    principal,
    em: app.orm.em.fork({ clear: true, useContext: false }) as EntityManager,
    config: app.config,
    app,
  } as Context;
  ctx.loaders = new LoaderRegistry(ctx);
  return ctx;
}

/** Who writes: the API key name or JWT subject, stored as `created_by` (INGEST reads back its own). */
export function writerOf(ctx: Context): string {
  return ctx.principal?.name ?? 'system';
}
