import { createSourceEventStream, getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Principal } from '../../common/auth';
import { createContext, type AppState } from '../../context/context';
import { formatError } from '../../server/operation-pipeline';
import { preparerFor } from '../../server/operation-preparation';
import { eventResult, executionKey } from '../../server/shared-subscriptions';
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
  /** Resolves events (a batch read together): one result per row, in order. */
  evaluate(rows: EventRow[]): Promise<ExecutionResult[]>;
  close(): Promise<void>;
}

/** A source the subscription resolver opens and the webhook never reads: only its filter is kept. */
const NO_ROWS: AsyncIterableIterator<EventRow> = {
  [Symbol.asyncIterator]: () => NO_ROWS,
  next: async () => ({ value: undefined, done: true }),
  return: async () => ({ value: undefined, done: true }),
};

/**
 * Prepares a webhook's document exactly as a WebSocket subscription is prepared and executed: the same
 * preparation (parse, limits, validation, role policy: the server's OperationPreparer), the same subscribe resolver (role policy, argument
 * checks, customer survivors: createSourceEventStream), and the same per-event execution graphql-ws runs
 * (the operation executed with the event as root value, shared between identical executions of one
 * event: eventResult in shared-subscriptions.ts), as the owner, so masking follows the owner's role. Only
 * the source differs: the resolver's log subscription is captured for its filter, and the webhook worker
 * reads the events from the webhook's own durable cursor. Returns the errors a client would get on a
 * socket when the document cannot run.
 */
export async function openWebhookPipeline(app: AppState, schema: GraphQLSchema, document: WebhookDocument): Promise<WebhookPipeline | readonly GraphQLError[]> {
  let spec: LogSubscriptionSpec | undefined;
  // The resolver opens its log stream through ctx.app.events: keep its filter, hand it nothing to read.
  const recorder: EventHub = {
    start: () => app.events.start(),
    stop: () => app.events.stop(),
    purgeExpired: () => app.events.purgeExpired(),
    maintainPartitions: () => app.events.maintainPartitions(),
    stats: () => app.events.stats(),
    subscribe: async (_start, opened) => {
      spec = opened;
      return NO_ROWS;
    },
  };
  const preparer = preparerFor(schema, app.config);
  const prepared = preparer.document(document.query);
  if (prepared.errors) return prepared.errors;
  const refused = preparer.operation(prepared.document, document.operationName, document.variables, document.owner);
  if (refused) return refused;
  const args: ExecutionArgs = {
    schema,
    document: prepared.document,
    operationName: document.operationName,
    variableValues: document.variables,
    contextValue: createContext({ ...app, events: recorder }, document.owner),
  };
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') {
    return [
      new GraphQLError('A webhook is defined by a subscription operation (e.g. `subscription { interactionAdded { eventId interaction { id } } }`).', {
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ];
  }
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return (stream.errors ?? [new GraphQLError('The subscription could not start.')]) as readonly GraphQLError[];
  await (stream as AsyncIterableIterator<unknown>).return?.();
  if (!spec) return [new GraphQLError('The subscription does not read the event log.', { extensions: { code: 'BAD_USER_INPUT' } })];
  const field = operation.selectionSet.selections[0].kind === 'Field' ? operation.selectionSet.selections[0].name.value : 'subscription';
  const key = executionKey(args);
  return {
    spec,
    field,
    evaluate(rows) {
      // One context for the batch (the owner's principal, fresh loaders): the events of one read are
      // resolved together, so their loaders batch (one statement per entity for the whole batch).
      const batch = createContext(app, document.owner);
      // A copy per event (same principal, entity manager and loaders): each event's answer has its own
      // response-size budget (response-budget.ts keys it by context), as on a socket.
      return Promise.all(rows.map((row) => eventResult({ ...args, contextValue: { ...batch } }, key, row)));
    },
    close: async () => undefined,
  };
}

/** An execution result as a socket client would receive it: errors through the one error formatter. */
export function formattedResult(result: ExecutionResult): { data?: unknown; errors?: unknown[] } {
  return result.errors?.length
    ? { data: result.data ?? null, errors: result.errors.map((error) => formatError(error.toJSON(), error)) }
    : { data: result.data ?? null };
}
