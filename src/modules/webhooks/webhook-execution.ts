import { getOperationAST, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Principal } from '../../common/auth';
import { createContext, type AppState } from '../../context/context';
import { formatError, prepareWsOperation } from '../../server/app';
import { sharedSubscribe } from '../../server/shared-subscriptions';
import type { EventHub } from '../events/event-hub';
import type { EventRow } from '../events/event-reader';
import type { LogSubscriptionSpec } from '../events/log-subscription';

/** A stored subscription document and who it runs as. */
export interface WebhookDocument {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  owner: Principal;
}

/**
 * A webhook's document, prepared once and fed event by event: `spec` is the filter its subscription
 * field opened on the log (types, customers, and its own test), `evaluate` resolves one event.
 */
export interface WebhookPipeline {
  spec: LogSubscriptionSpec;
  /** The top-level subscription field (e.g. interactionAdded): the body's `subscription`. */
  field: string;
  evaluate(row: EventRow): Promise<ExecutionResult>;
  close(): Promise<void>;
}

/** A feeder the worker pushes rows into; the subscription resolver's log stream reads from it. */
class RowFeeder implements AsyncIterableIterator<EventRow> {
  private readonly rows: EventRow[] = [];
  private waiting: ((result: IteratorResult<EventRow>) => void) | undefined;
  private done = false;

  [Symbol.asyncIterator](): this {
    return this;
  }

  push(row: EventRow): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: row, done: false });
    else this.rows.push(row);
  }

  next(): Promise<IteratorResult<EventRow>> {
    const row = this.rows.shift();
    if (row) return Promise.resolve({ value: row, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<EventRow>> {
    this.done = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    return { value: undefined, done: true };
  }
}

/**
 * Prepares a webhook's document exactly as a WebSocket subscription is prepared and executed: the same
 * parse, validation and limits (prepareWsOperation), the same subscribe resolvers (role policy, argument
 * checks, customer survivors), and the same per-event execution (sharedSubscribe, with a fresh context
 * per event carrying the owner's principal, so masking follows the owner's role). Only the source
 * differs: instead of the hub's live stream, the resolver's log subscription is a feeder the webhook
 * worker pushes the events of the webhook's own durable cursor into. Returns the errors a client would
 * get on a socket when the document cannot run.
 */
export async function openWebhookPipeline(app: AppState, schema: GraphQLSchema, document: WebhookDocument): Promise<WebhookPipeline | readonly GraphQLError[]> {
  const feeder = new RowFeeder();
  let spec: LogSubscriptionSpec | undefined;
  // The resolver opens its log stream through ctx.app.events: hand it the feeder and keep its filter.
  const recorder: EventHub = {
    start: () => app.events.start(),
    stop: () => app.events.stop(),
    purgeExpired: () => app.events.purgeExpired(),
    stats: () => app.events.stats(),
    subscribe: async (_start, opened) => {
      spec = opened;
      return feeder;
    },
  };
  const ctx = createContext({ ...app, events: recorder }, document.owner);
  const prepared = prepareWsOperation(schema, app.config, { query: document.query, operationName: document.operationName, variables: document.variables }, ctx);
  if (Array.isArray(prepared)) return prepared as readonly GraphQLError[];
  const args = prepared as Exclude<typeof prepared, readonly GraphQLError[]>;
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') {
    return [new GraphQLError('A webhook is defined by a subscription operation (e.g. `subscription { interactionAdded { eventId interaction { id } } }`).', { extensions: { code: 'BAD_USER_INPUT' } })];
  }
  const stream = await sharedSubscribe(args);
  if (!(Symbol.asyncIterator in stream)) return (stream.errors ?? [new GraphQLError('The subscription could not start.')]) as readonly GraphQLError[];
  if (!spec) {
    await stream.return?.();
    return [new GraphQLError('The subscription does not read the event log.', { extensions: { code: 'BAD_USER_INPUT' } })];
  }
  const field = operation.selectionSet.selections[0].kind === 'Field' ? operation.selectionSet.selections[0].name.value : 'subscription';
  let chain: Promise<unknown> = Promise.resolve();
  return {
    spec,
    field,
    evaluate(row) {
      // One event at a time, as graphql-js consumes a subscription.
      const result = chain.then(async () => {
        feeder.push(row);
        const next = await stream.next();
        if (next.done) throw new Error('the webhook subscription ended');
        return next.value;
      });
      chain = result.catch(() => undefined);
      return result;
    },
    close: async () => {
      await stream.return?.();
    },
  };
}

/** An execution result as a socket client would receive it: errors through the one error formatter. */
export function formattedResult(result: ExecutionResult): { data?: unknown; errors?: unknown[] } {
  return result.errors?.length
    ? { data: result.data ?? null, errors: result.errors.map((error) => formatError(error.toJSON(), error)) }
    : { data: result.data ?? null };
}
