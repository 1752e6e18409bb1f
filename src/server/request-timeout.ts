import type { ApolloServerPlugin } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Slot } from '../common/memo';
import { cancelStatementsOn, onStatements, type StatementEvent } from '../database/knex-adapter';
import { ownStatements, statementOwnerOf, transactionOwner } from '../database/sql';
import type { Logger } from './logger';

/** How often the statements of an expired request are cancelled again (new ones may have started). */
const RECANCEL_MS = 200;

/** The clock of each HTTP response in flight (a slot of the response: common/memo.ts). */
const deadlines = new Slot<ServerResponse, Deadline>('omni360.deadline');

/** One HTTP request's clock and the statements it has running on the pool. */
class Deadline {
  expired = false;
  /** knex query uid -> pool connection uid, for statements started and not yet answered. */
  readonly running = new Map<string, string>();
}

/**
 * Bounds an HTTP request as a whole (OMNI360_REQUEST_TIMEOUT_MS), on top of statement_timeout which
 * bounds each statement. The statements a request runs are tracked through its EntityManager (the
 * request's deadline owns them, transactions included: database/sql.ts) and knex's query events; when
 * the deadline passes they are cancelled in PostgreSQL (a CancelRequest, repeated while the request
 * still starts new ones), so the work stops rather than running on unobserved, and the response is a
 * coded TIMEOUT error instead of partial data. (Not through AsyncLocalStorage: its promise hooks cost
 * every request of a read-only instance about a tenth of its throughput.)
 */
export class RequestTimeouts {
  /** knex query uid -> the request running it, until the statement answers. */
  private readonly owners = new Map<string, Deadline>();

  constructor(
    private readonly options: { timeoutMs: number; orm: MikroORM; databaseUrl: string; log: Logger },
  ) {}

  get enabled(): boolean {
    return this.options.timeoutMs > 0;
  }

  /** Follows the statements of every request through the ORM's knex instance. */
  install(): void {
    if (!this.enabled) return;
    const done = (query: StatementEvent) => {
      const uid = query?.__knexQueryUid;
      if (!uid) return;
      this.owners.get(uid)?.running.delete(uid);
      this.owners.delete(uid);
    };
    const started = (query: StatementEvent) => {
      const owner = query.owner ?? transactionOwner(query.__knexTxId);
      const deadline = owner instanceof Deadline ? owner : undefined;
      if (!deadline || !query.__knexQueryUid || !query.__knexUid) return;
      deadline.running.set(query.__knexQueryUid, query.__knexUid);
      this.owners.set(query.__knexQueryUid, deadline);
    };
    onStatements(this.options.orm.em as EntityManager, started, done);
  }

  /** Middleware (Express or node:http), placed right before the GraphQL handler: starts the clock of the request. */
  middleware() {
    return (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      if (!this.enabled) return next();
      const deadline = new Deadline();
      let recancel: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        deadline.expired = true;
        const cancel = () => this.cancel(deadline);
        cancel();
        recancel = setInterval(cancel, RECANCEL_MS);
      }, this.options.timeoutMs);
      const stop = () => {
        clearTimeout(timer);
        clearInterval(recancel);
        for (const uid of deadline.running.keys()) this.owners.delete(uid);
      };
      res.once('finish', stop);
      res.once('close', stop);
      deadlines.set(res, deadline);
      next();
    };
  }

  /** Makes the request's clock own the statements of its context's EntityManager. */
  track(res: ServerResponse, em: EntityManager): void {
    ownStatements(em, deadlines.get(res));
  }

  /** Replaces the answer of a request that ran out of time (and had its statements cancelled) with TIMEOUT. */
  plugin<C extends { requestId?: string; em: EntityManager }>(): ApolloServerPlugin<C> {
    const timeoutMs = this.options.timeoutMs;
    return {
      async requestDidStart({ contextValue }) {
        const owner = statementOwnerOf(contextValue.em);
        const deadline = owner instanceof Deadline ? owner : undefined;
        if (!deadline) return;
        return {
          async willSendResponse({ response, contextValue }) {
            if (!deadline.expired || response.body.kind !== 'single') return;
            // A request that completed without an error despite the clock keeps its answer: the work is
            // done and correct. One that was cut short gets one clear error instead of partial data.
            if (!response.body.singleResult.errors?.length) return;
            response.body.singleResult = {
              data: null,
              errors: [{
                message: `The request took longer than ${timeoutMs} ms and was cancelled; ask for less (smaller pages, narrower filters) or retry later.`,
                extensions: { code: 'TIMEOUT', requestId: contextValue.requestId },
              }],
            };
          },
        };
      },
    };
  }

  /**
   * Cancels the statements `deadline` has running: a protocol CancelRequest carrying each pooled
   * connection's own secret key, so it reaches exactly that backend (also through a pooler such as
   * PgBouncer) and needs no privilege. Sent only while the connection still has a statement in flight.
   */
  private cancel(deadline: Deadline): void {
    if (deadline.running.size === 0) return;
    const cancelled = cancelStatementsOn(this.options.orm.em as EntityManager, this.options.databaseUrl, new Set(deadline.running.values()), (error) =>
      this.options.log.warn({ err: error }, 'request timed out: cancelling a statement failed'));
    if (cancelled > 0) this.options.log.warn({ statements: cancelled, timeoutMs: this.options.timeoutMs }, 'request timed out: statements cancelled');
  }
}
